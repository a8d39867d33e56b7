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
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.spec.Activation;
import org.vaelab.spec.Estimator;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.LayerSpec.Nonlinearity;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.Reconstruction;

/**
 * The graphs against an independent PyTorch implementation of the documented architecture and objectives
 * (src/test/resources/org/vaelab/model/torch_mirror.py), in float64 on 28x28 inputs with three conv layers
 * (28-14-7-4 and back), and a layer list with every layer kind (batchnorm in training and in evaluation mode:
 * loss, every parameter gradient and the running statistics). Skipped when Debian's /usr/bin/python3 has no
 * torch.
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

    /**
     * A layer list that uses every kind: valid, 'same' (odd and even kernel) and padded convs, max-pooling,
     * layernorm on images and vectors, batchnorm on images and vectors, every nonlinearity (fused into the layer
     * before it or not), flatten, reshape, nearest upsampling and a transposed conv with output_padding.
     */
    static ModelSpec everyKind() {
        return ModelSpec.layers(List.of(
                new LayerSpec.Conv(4, 3, 3, 1, 0, 0, true), new LayerSpec.Act(Nonlinearity.RELU),
                new LayerSpec.BatchNorm(), new LayerSpec.MaxPool(2),
                new LayerSpec.Conv(5, 3, 3, 1, 0, 0, false), new LayerSpec.Conv(6, 2, 2, 1, 0, 0, true),
                new LayerSpec.Act(Nonlinearity.LEAKY_RELU), new LayerSpec.Conv(6, 3, 3, 2, 1, 1, false),
                new LayerSpec.LayerNorm(), new LayerSpec.Flatten(), new LayerSpec.Linear(10),
                new LayerSpec.BatchNorm(), new LayerSpec.Act(Nonlinearity.ELU), new LayerSpec.Linear(8),
                new LayerSpec.LayerNorm(), new LayerSpec.Act(Nonlinearity.TANH)), List.of(
                new LayerSpec.Linear(18), new LayerSpec.Act(Nonlinearity.SIGMOID), new LayerSpec.Reshape(2, 3, 3),
                new LayerSpec.Upsample(2), new LayerSpec.ConvTranspose(3, 3, 3, 2, 1, 1, 1, 1),
                new LayerSpec.BatchNorm(), new LayerSpec.Act(Nonlinearity.RELU),
                new LayerSpec.Conv(1, 3, 3, 1, 1, 1, false)), 3);
    }

    private static List<Map<String, Object>> describe(List<LayerSpec> specs, List<org.vaelab.model.layers.Layer> layers,
                                                      ObjectMapper mapper) {
        assertEquals(specs.size(), layers.size());
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = new LinkedHashMap<>(mapper.convertValue(specs.get(i), Map.class));
            m.put("kind", specs.get(i).kind());
            m.put("name", layers.get(i).name());
            out.add(m);
        }
        return out;
    }

    @ParameterizedTest(name = "batchnorm in {0} mode")
    @ValueSource(booleans = {true, false})
    void aLayerListOfEveryKindMatchesPyTorchInLossGradientsAndRunningStatistics(boolean training,
                                                                               @TempDir Path dir) throws Exception {
        assumeTrue(torchAvailable(), "no torch in " + PYTHON);
        int side = 12;
        int k = 2;
        int n = 5;
        VaeArchitecture arch = VaeArchitecture.of(everyKind(), side, side);
        Parameters p = new Parameters(arch.parameters(), DataType.DOUBLE);
        p.initialise(5);
        ModelState state = new ModelState(arch.state(), DataType.DOUBLE);
        java.util.SplittableRandom rng = new java.util.SplittableRandom(8);
        for (Parameters.Param q : state.list()) {
            INDArray v = state.view(q.name());
            for (long i = 0; i < v.length(); i++) {
                // running statistics away from their initial 0 and 1, so evaluation mode tests their use
                v.putScalar(i, q.name().endsWith("_var") ? 0.5 + rng.nextDouble() : rng.nextDouble() - 0.5);
            }
        }
        SameDiff sd = VaeGraphs.objective(arch, p, new Objective(Reconstruction.BCE, k, Estimator.ELBO, 0), training);
        Nd4j.getRandom().setSeed(78);
        INDArray x = Nd4j.rand(DataType.DOUBLE, n, side * side);
        INDArray eps = Nd4j.randn(DataType.DOUBLE, (long) k * n, 3);
        Map<String, INDArray> feed = new java.util.HashMap<>(Map.of(GraphNames.X, x, GraphNames.EPS, eps,
                GraphNames.BETA, Nd4j.scalar(0.7)));
        for (String s : state.names()) {
            feed.put(s, state.view(s).dup());
        }
        List<String> outs = new ArrayList<>(List.of(GraphNames.MU, GraphNames.LOGVAR, GraphNames.LOGITS,
                GraphNames.LOSS));
        if (training) {
            state.names().forEach(s -> outs.add(GraphNames.stateNext(s)));
        }
        Map<String, INDArray> o = sd.output(feed, outs.toArray(new String[0]));
        Map<String, INDArray> grads = sd.calculateGradients(feed, p.names());

        ObjectMapper mapper = new ObjectMapper();
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> params = new LinkedHashMap<>();
        Map<String, Object> gradients = new LinkedHashMap<>();
        for (Parameters.Param q : p.list()) {
            params.put(q.name(), Map.of("shape", q.shape(), "data", p.view(q.name()).dup().data().asDouble()));
            gradients.put(q.name(), grads.get(q.name()).dup().data().asDouble());
        }
        Map<String, Object> st = new LinkedHashMap<>();
        Map<String, Object> next = new LinkedHashMap<>();
        for (String s : state.names()) {
            st.put(s, state.view(s).dup().data().asDouble());
            if (training) {
                next.put(s, o.get(GraphNames.stateNext(s)).dup().data().asDouble());
            }
        }
        out.put("params", params);
        out.put("grads", gradients);
        out.put("state", st);
        out.put("next_state", next);
        out.put("training", training);
        out.put("side", side);
        out.put("n", n);
        out.put("K", k);
        out.put("encoder", describe(arch.encoderSpecs(), arch.encoderStack().layers(), mapper));
        out.put("decoder", describe(arch.decoderSpecs(), arch.decoderStack().layers(), mapper));
        out.put("x", x.dup().data().asDouble());
        out.put("eps", eps.dup().data().asDouble());
        for (String s : List.of(GraphNames.MU, GraphNames.LOGVAR, GraphNames.LOGITS)) {
            out.put(s, o.get(s).dup().data().asDouble());
        }
        out.put("loss", o.get(GraphNames.LOSS).getDouble(0));
        Path json = dir.resolve("export.json");
        mapper.writeValue(json.toFile(), out);
        Path script = dir.resolve("torch_mirror.py");
        try (InputStream in = getClass().getResourceAsStream("torch_mirror.py")) {
            Files.copy(in, script);
        }
        Process proc = new ProcessBuilder(PYTHON, script.toString(), json.toString(), "LAYERS")
                .redirectErrorStream(true).start();
        String text = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(proc.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, proc.exitValue(), text);
        JsonNode r = mapper.readTree(text.substring(text.lastIndexOf('{')));
        for (String key : List.of("mu", "logvar", "logits")) {
            assertTrue(r.get(key).asDouble() < 1e-10, key + " differs from PyTorch: " + text);
        }
        assertTrue(r.get("loss").asDouble() < 1e-10 * Math.abs(o.get(GraphNames.LOSS).getDouble(0)),
                "loss differs from PyTorch: " + text);
        // relative to each parameter's largest gradient; leaky_relu's backward takes its slope as a float in M2.1
        assertTrue(r.get("grads").asDouble() < 1e-8, "gradients differ from PyTorch: " + text);
        assertEquals(training ? 6 : 0, r.get("state_entries").asInt(), text);
        assertTrue(r.get("next_state").asDouble() < 1e-10, "running statistics differ from PyTorch: " + text);
        p.close();
        state.close();
    }
}
