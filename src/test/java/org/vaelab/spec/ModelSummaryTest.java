package org.vaelab.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.vaelab.model.Parameters;
import org.vaelab.model.VaeArchitecture;
import org.vaelab.spec.yaml.SpecLoader;

/** Parameter counts and output shapes of {@link ModelSummary}, against PyTorch's figures and vaelab's own models. */
class ModelSummaryTest {
    private static ModelSpec seed(String file, int run) throws Exception {
        return org.vaelab.sweep.SweepExpander.expand(SpecLoader.load(Path.of("experiments/seeds/" + file), List.of()))
                .get(run).config().model();
    }

    @Test
    void notebook003CountsAsPyTorchCountsIt() throws Exception {
        // sum(p.numel() for p in VAE(16).parameters()) with the notebook's class, torch 1.13: 213537; VAE(2): 210821.
        assertEquals(213_537, ModelSummary.of(seed("003-conv-mse.yaml", 0), 28, 28).total());
        assertEquals(210_821, ModelSummary.of(seed("003-conv-mse.yaml", 1), 28, 28).total());
        ModelSummary s = ModelSummary.of(seed("003-conv-mse.yaml", 0), 28, 28);
        // nn.Conv2d(32, 64, 7): 7*7*32*64 + 64 = 100416 on [32, 7, 7] -> [64, 1, 1]
        ModelSummary.Row conv = s.rows().get(4);
        assertEquals(new ModelSummary.Row("encoder", 4, "conv: 64, kernel: 7, stride: 1, padding: 0",
                Shape.image(64, 1, 1), 100_416), conv);
        assertEquals(Shape.image(1, 28, 28), s.rows().get(s.rows().size() - 1).output());
    }

    @Test
    void notebook004CountsAsPyTorchCountsIt() throws Exception {
        // h1 + g2 + h2 + Decoder of the notebook at latent 5, torch 1.13: 972938 + 6272 = 979210 (the |linear| sigma
        // head has the log-variance head's size); LayerNorm(784) holds 1568 of them.
        ModelSummary s = ModelSummary.of(seed("004-conv-linear-k3.yaml", 0), 28, 28);
        assertEquals(979_210, s.total());
        ModelSummary.Row ln = s.rows().get(s.rows().size() - 1);
        assertEquals(1_568, ln.params());
        assertEquals(Shape.vector(1600), s.rows().get(6).output());
    }

    @Test
    void everyLayerKindCountsAsPyTorchCountsIt() {
        // /usr/bin/python3 with torch 1.13, the same model as nn modules (Conv2d (5,3) padding (2,1), BatchNorm2d,
        // LeakyReLU, MaxPool2d, Conv2d padding='same', LayerNorm([16,14,14]), ELU, Upsample, Conv2d stride 4,
        // Flatten, Linear, BatchNorm1d, Tanh; heads Linear(32, 6) x2; Linear, Unflatten, ConvTranspose2d (4,3)
        // stride 2 padding 1 output_padding (0,1), ReLU, ConvTranspose2d(8, 1, 2, 2)): 14980 + 396 + 480 = 15856.
        ModelSpec m = ModelSpec.layers(List.of(
                new LayerSpec.Conv(8, 5, 3, 1, 2, 1, false), new LayerSpec.BatchNorm(),
                new LayerSpec.Act(LayerSpec.Nonlinearity.LEAKY_RELU), new LayerSpec.MaxPool(2),
                new LayerSpec.Conv(16, 3, 3, 1, 0, 0, true), new LayerSpec.LayerNorm(),
                new LayerSpec.Act(LayerSpec.Nonlinearity.ELU), new LayerSpec.Upsample(2),
                new LayerSpec.Conv(4, 4, 4, 4, 0, 0, false), new LayerSpec.Flatten(), new LayerSpec.Linear(32),
                new LayerSpec.BatchNorm(), new LayerSpec.Act(LayerSpec.Nonlinearity.TANH)),
                List.of(new LayerSpec.Linear(49), new LayerSpec.Reshape(1, 7, 7),
                        new LayerSpec.ConvTranspose(8, 4, 3, 2, 1, 1, 0, 1),
                        new LayerSpec.Act(LayerSpec.Nonlinearity.RELU), new LayerSpec.ConvTranspose(1, 2, 2, 2, 0, 0, 0, 0)),
                6);
        assertEquals(List.of(), LayerLists.problems(m, 28, 28));
        ModelSummary s = ModelSummary.of(m, 28, 28);
        assertEquals(15_856, s.total());
        assertEquals(14_980, s.rows().stream().filter(r -> r.part().equals("encoder")).mapToLong(ModelSummary.Row::params).sum());
        assertEquals(480, s.rows().stream().filter(r -> r.part().equals("decoder")).mapToLong(ModelSummary.Row::params).sum());
        assertEquals(2L * 16 * 14 * 14, s.rows().get(5).params(), "layernorm: weight and bias over [16, 14, 14]");
        assertEquals(16, s.rows().get(1).params(), "batchnorm: weight and bias per channel");
    }

    @ParameterizedTest(name = "{0}/{1} hidden {2} channels {3}")
    @CsvSource({"MLP,MLP,256 256,32 64", "MLP,MLP,'',32 64", "CONV,CONV,64,16 32 64", "CONV,MLP,128,32 64",
            "MLP,CONV,400,8"})
    void aShorthandCountsWhatVaelabsModelAllocates(NetKind enc, NetKind dec, String hidden, String channels) {
        ModelSpec m = new ModelSpec(enc, dec, ints(hidden), ints(channels), Activation.RELU, 7);
        long allocated;
        try (Parameters p = new Parameters(VaeArchitecture.of(m, 28, 28).parameters(), DataType.FLOAT)) {
            allocated = p.size();
        }
        assertEquals(allocated, ModelSummary.of(m, 28, 28).total());
    }

    private static List<Integer> ints(String s) {
        return s.isBlank() ? List.of() : java.util.Arrays.stream(s.trim().split(" ")).map(Integer::valueOf).toList();
    }

    @Test
    void theTableIsAlignedAndEndsWithTheTotal() throws Exception {
        String text = ModelSummary.of(seed("004-conv-linear-k3.yaml", 0), 28, 28).render();
        List<String> lines = text.lines().toList();
        assertEquals("total params: 979,210", lines.get(lines.size() - 1));
        int paramsEnd = lines.get(0).length();
        for (String line : lines) {
            assertEquals(line.stripTrailing(), line);
            if (line.matches(".*\\d$") && !line.startsWith("total")) {
                assertEquals(paramsEnd, line.length(), "params right-aligned under the header: " + line);
            }
        }
        assertTrue(text.contains("\n  10  relu "), text);
        assertTrue(text.contains("\n  mu: linear 5 "), text);
    }
}
