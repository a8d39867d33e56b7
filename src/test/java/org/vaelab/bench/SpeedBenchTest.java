package org.vaelab.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.vaelab.model.Parameters;
import org.vaelab.model.VaeArchitecture;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;
import org.vaelab.tracking.Json;

/**
 * The benchmark's two sides train the same model: the flags SpeedBench hands bench/torch_vae.py build a
 * PyTorch model with exactly vaelab's parameter count (a wrong channel list, latent size, kernel or missing
 * layer would change it). Skipped when Debian's /usr/bin/python3 has no torch.
 */
class SpeedBenchTest {
    private static final String PYTHON = "/usr/bin/python3";
    private static final Path SCRIPT = Path.of("bench", "torch_vae.py");

    private static boolean torchAvailable() {
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import torch").redirectErrorStream(true).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "conv", "conv-enc-mlp-dec", "mlp-enc-conv-dec", "nb003", "nb004"})
    void torchScriptBuildsTheWorkersModel(String name) throws Exception {
        assumeTrue(Files.isRegularFile(SCRIPT) && torchAvailable(), "no torch in " + PYTHON);
        ModelSpec m = switch (name) {
            case "conv-enc-mlp-dec" -> withKinds(EngineSpeedWorker.model("conv"), NetKind.CONV, NetKind.MLP);
            case "mlp-enc-conv-dec" -> withKinds(EngineSpeedWorker.model("conv"), NetKind.MLP, NetKind.CONV);
            default -> EngineSpeedWorker.model(name);
        };
        long vaelab = new Parameters(VaeArchitecture.of(m, 28, 28).parameters(), DataType.FLOAT).size();
        List<String> cmd = new ArrayList<>(List.of(PYTHON, SCRIPT.toString(), "describe"));
        cmd.addAll(SpeedBench.torchModelArgs(m));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), text);
        JsonNode r = Json.mapper().readTree(text.substring(text.lastIndexOf("\n{") + 1));
        assertEquals(vaelab, r.get("parameters").asLong(), "parameter count differs: " + text);
    }

    private static ModelSpec withKinds(ModelSpec m, NetKind enc, NetKind dec) {
        return new ModelSpec(enc, dec, m.hidden(), m.channels(), m.activation(), m.latentDim());
    }
}
