package org.vaelab.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.spec.Activation;
import org.vaelab.spec.Estimator;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.Reconstruction;

/**
 * The graphs against an independent PyTorch implementation of the documented architecture and objectives
 * (src/test/resources/org/vaelab/model/torch_mirror.py), in float64 on 28x28 inputs with three conv layers
 * (28-14-7-4 and back). Skipped when Debian's /usr/bin/python3 has no torch.
 */
class TorchMirrorTest {
    private static final String PYTHON = "/usr/bin/python3";

    private static boolean torchAvailable() {
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import torch").redirectErrorStream(true).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @ParameterizedTest(name = "{0}/{1} {2} K={3} {4} free_bits={5} {6}")
    @CsvSource({"CONV,CONV,BCE,1,ELBO,0,RELU", "CONV,MLP,MSE,2,ELBO,0.3,TANH", "MLP,CONV,BCE,3,IWAE,0,ELU",
            "MLP,MLP,MSE,2,IWAE,0,LEAKY_RELU"})
    void forwardPassAndLossMatchPyTorch(NetKind enc, NetKind dec, Reconstruction rec, int k, Estimator est,
                                        double fb, Activation act, @TempDir Path dir) throws Exception {
        assumeTrue(torchAvailable(), "no torch in " + PYTHON);
        ModelSpec spec = new ModelSpec(enc, dec, List.of(20, 12), List.of(4, 8, 16), act, 3);
        VaeArchitecture arch = VaeArchitecture.of(spec, 28, 28);
        Parameters p = new Parameters(arch.parameters(), DataType.DOUBLE);
        p.initialise(5);
        SameDiff sd = VaeGraphs.objective(arch, p, new Objective(rec, k, est, fb));
        int n = 5;
        Nd4j.getRandom().setSeed(77);
        INDArray x = Nd4j.rand(DataType.DOUBLE, n, 784);
        INDArray eps = Nd4j.randn(DataType.DOUBLE, (long) k * n, 3);
        Map<String, INDArray> o = sd.output(Map.of(GraphNames.X, x, GraphNames.EPS, eps,
                GraphNames.BETA, Nd4j.scalar(0.7)), GraphNames.MU, GraphNames.LOGVAR, GraphNames.LOGITS, GraphNames.LOSS);
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> params = new LinkedHashMap<>();
        for (Parameters.Param q : p.list()) {
            params.put(q.name(), Map.of("shape", q.shape(), "data", p.view(q.name()).dup().data().asDouble()));
        }
        out.put("params", params);
        out.put("x", x.dup().data().asDouble());
        out.put("eps", eps.dup().data().asDouble());
        for (String s : List.of(GraphNames.MU, GraphNames.LOGVAR, GraphNames.LOGITS)) {
            out.put(s, o.get(s).dup().data().asDouble());
        }
        out.put("loss", o.get(GraphNames.LOSS).getDouble(0));
        Path json = dir.resolve("export.json");
        ObjectMapper mapper = new ObjectMapper();
        mapper.writeValue(json.toFile(), out);
        Path script = dir.resolve("torch_mirror.py");
        try (InputStream in = getClass().getResourceAsStream("torch_mirror.py")) {
            Files.copy(in, script);
        }
        List<String> cmd = new ArrayList<>(List.of(PYTHON, script.toString(), json.toString(), enc.name(),
                dec.name(), rec.name(), String.valueOf(k), est.name(), String.valueOf(fb), act.name()));
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(proc.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, proc.exitValue(), text);
        JsonNode r = mapper.readTree(text.substring(text.lastIndexOf('{')));
        for (String key : List.of("mu", "logvar", "logits")) {
            assertTrue(r.get(key).asDouble() < 1e-10, key + " differs from PyTorch: " + text);
        }
        assertTrue(r.get("loss").asDouble() < 1e-9 * Math.abs(o.get(GraphNames.LOSS).getDouble(0)),
                "loss differs from PyTorch: " + text);
    }
}
