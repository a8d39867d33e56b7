package org.vaelab.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.vaelab.spec.LayerSpec.Act;
import org.vaelab.spec.LayerSpec.Conv;
import org.vaelab.spec.LayerSpec.ConvTranspose;
import org.vaelab.spec.LayerSpec.Flatten;
import org.vaelab.spec.LayerSpec.Linear;
import org.vaelab.spec.LayerSpec.MaxPool;
import org.vaelab.spec.LayerSpec.Nonlinearity;
import org.vaelab.spec.LayerSpec.Reshape;
import org.vaelab.spec.yaml.SpecError;
import org.vaelab.spec.yaml.SpecException;
import org.vaelab.spec.yaml.SpecLoader;
import org.vaelab.spec.yaml.SpecYaml;
import org.vaelab.sweep.SweepExpander;

/** Layer lists in {@code model.encoder}/{@code model.decoder}: binding, canonical form, run ids, validation. */
class LayerListSpecTest {
    private static final Act RELU = new Act(Nonlinearity.RELU);

    private static ExperimentSpec parse(String yaml, String... sets) throws SpecException {
        return SpecLoader.parse(yaml, "lists.yaml", List.of(sets));
    }

    private static List<RunSpec> runs(String yaml, String... sets) throws Exception {
        return SweepExpander.expand(parse(yaml, sets));
    }

    @Test
    void aListBindsToTheLayersItNamesInOrderWithPyTorchDefaults() throws Exception {
        ModelSpec m = parse("""
                name: lists
                model:
                  encoder:
                    - {conv: 16, kernel: 3, stride: 2, padding: 1}
                    - relu
                    - {conv: 8, kernel: [5, 3], padding: same}
                    - {conv: 4}
                    - {maxpool: 2}
                    - flatten
                  decoder: [{linear: 64}, leaky_relu, {reshape: [1, 8, 8]},
                            {conv_transpose: 1, kernel: 4, stride: 4, padding: [2, 3], output_padding: [0, 2]}]
                  latent_dim: 4
                """).base().model();
        assertEquals(NetKind.LAYERS, m.encoder());
        List<LayerSpec> enc = List.of(new Conv(16, 3, 3, 2, 1, 1, false), RELU, new Conv(8, 5, 3, 1, 0, 0, true),
                new Conv(4, 3, 3, 1, 0, 0, false), new MaxPool(2), new Flatten());
        assertEquals(enc, m.encoderLayers());
        assertEquals(List.of(new Linear(64), new Act(Nonlinearity.LEAKY_RELU), new Reshape(1, 8, 8),
                new ConvTranspose(1, 4, 4, 4, 2, 3, 0, 2)), m.decoderLayers());
        // The engine's entry points return the explicit lists as written.
        assertEquals(enc, LayerLists.encoder(m, 28, 28));
        assertEquals(m.decoderLayers(), LayerLists.decoder(m, 28, 28));
    }

    @Test
    void defaultsAreStatedInTheCanonicalTreeSoEqualModelsShareOneRunId() throws Exception {
        String shortForm = "name: a\nmodel: {encoder: [{conv: 16, stride: 2}, relu, flatten], decoder: [{linear: 784}]}\n";
        String longForm = "name: b\nmodel:\n  encoder:\n    - {stride: 2, conv: 16, kernel: [3, 3], padding: [0, 0]}\n"
                + "    - relu\n    - flatten\n  decoder:\n    - linear: 784\n";
        RunSpec a = runs(shortForm).get(0);
        RunSpec b = runs(longForm).get(0);
        assertEquals(a.id(), b.id());
        assertEquals(a.config(), b.config());
        assertEquals(List.of(java.util.Map.of("conv", 16, "kernel", 3, "stride", 2, "padding", 0), "relu", "flatten"),
                ConfigTree.get(ConfigTree.toTree(a.config()), "model.encoder"));
        RunSpec other = runs(shortForm.replace("stride: 2", "stride: 1")).get(0);
        assertNotEquals(a.id(), other.id(), "an option that changes the model changes the id");
    }

    @Test
    void theResolvedSpecOfAListRunLoadsBackToTheSameRun() throws Exception {
        for (String file : List.of("experiments/seeds/003-conv-mse.yaml", "experiments/seeds/004-conv-linear-k3.yaml")) {
            for (RunSpec run : SweepExpander.expand(SpecLoader.load(Path.of(file), List.of()))) {
                String resolved = SpecYaml.resolvedRun(run);
                RunSpec back = SweepExpander.expand(SpecLoader.parse(resolved, "spec.yaml", List.of())).get(0);
                assertEquals(run.id(), back.id(), resolved);
                assertEquals(run.config(), back.config());
                assertEquals(run.config(), ConfigTree.bindConfig(ConfigTree.toTree(run.config())).orThrow());
            }
        }
    }

    @Test
    void shorthandRunIdsAreThoseOfTheCommitBeforeLayerLists() throws Exception {
        // Ids printed by `vaelab run X --dry-run` built from d4a1f85, the commit before layer lists.
        assertEquals("0fb39afe0e3a", runs("name: a\n").get(0).id());
        assertEquals("f7d57a626277", runs("""
                name: b
                model: {encoder: conv, decoder: conv, channels: [16, 32, 64], activation: elu, latent_dim: 8}
                loss: {reconstruction: mse}
                """).get(0).id());
        List<RunSpec> mixed = runs("""
                name: c
                model: {encoder: conv, decoder: mlp, channels: [32, 64], latent_dim: 5}
                sweep: {grid: {model.hidden: [[], [128]]}}
                """);
        assertEquals(List.of("112aad04d27c", "8972ec7aab43"), mixed.stream().map(RunSpec::id).toList());
        assertEquals(List.of("hidden=[]", "hidden=[128]"), mixed.stream().map(RunSpec::name).toList());
    }

    @Test
    void keysNoLayerReadsAreResetSoAResolvedRunStillLoads() throws Exception {
        // Run 1 has lists on both sides: its hidden [400] and tanh are unused there and reset to the defaults,
        // so its resolved spec.yaml (which states every key) does not trip "has no effect" when loaded back.
        List<RunSpec> runs = runs("""
                name: mixed
                model: {hidden: [400], activation: tanh}
                sweep:
                  zip:
                    model.encoder: [mlp, [flatten, {linear: 400}, relu]]
                    model.decoder: [mlp, [{linear: 400}, relu, {linear: 784}]]
                """);
        assertEquals(List.of(400), runs.get(0).config().model().hidden());
        assertEquals(Activation.TANH, runs.get(0).config().model().activation());
        ModelSpec lists = runs.get(1).config().model();
        assertEquals(ModelSpec.DEFAULT.hidden(), lists.hidden());
        assertEquals(Activation.RELU, lists.activation());
        RunSpec back = SweepExpander.expand(SpecLoader.parse(SpecYaml.resolvedRun(runs.get(1)), "spec.yaml",
                List.of())).get(0);
        assertEquals(runs.get(1).id(), back.id());
        // One list side keeps the other side's shorthand keys.
        ModelSpec half = ModelSpec.DEFAULT.withEncoderLayers(List.of(new Flatten()));
        assertEquals(ModelSpec.DEFAULT.hidden(), half.hidden());
        ModelSpec wide = new ModelSpec(NetKind.MLP, NetKind.MLP, List.of(400), List.of(8), Activation.ELU, 3);
        assertEquals(List.of(400), wide.withDecoderLayers(List.of(new Linear(784))).hidden());
        assertEquals(Activation.ELU, wide.withDecoderLayers(List.of(new Linear(784))).activation());
        assertEquals(ModelSpec.DEFAULT.channels(), wide.withDecoderLayers(List.of(new Linear(784))).channels());
    }

    @Test
    void everyProblemOfAFileIsReportedAtOnceAtItsLayer() {
        SpecException e = assertThrows(SpecException.class, () -> parse("""
                name: many
                model:
                  encoder:
                    - {conv: 8, kernel: 3, stride: 2, padding: 1}
                    - {conv: 8, kernel: 15}
                    - {linear: 10}
                  decoder:
                    - {linear: 100, bias: true}
                    - Sigmoid
                    - {conv_transpose: 4, kernel_size: 3}
                    - {upsample: 0}
                """));
        assertEquals(List.of(
                "lists.yaml:5:7: model.encoder[1]: conv: a 15x15 kernel does not fit the input [8, 14, 14] with "
                        + "padding 0; use a kernel of at most 14x14 or more padding",
                "lists.yaml:8:21: model.decoder[0].bias: unknown option: linear takes only its value, e.g. {linear: 256}",
                "lists.yaml:9:7: model.decoder[1]: unknown layer 'Sigmoid' (did you mean sigmoid?)",
                "lists.yaml:10:27: model.decoder[2].kernel_size: unknown option of conv_transpose (did you mean kernel?)",
                "lists.yaml:11:8: model.decoder[3].upsample: must be >= 1 (got 0)"),
                e.errors().stream().map(SpecError::format).toList());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "[null]                                  | model.encoder[0]: expected a layer such as relu or {linear: 256} (got null)",
        "[{conv: 16.5}]                          | model.encoder[0].conv: expected an integer (got 16.5)",
        "[{conv: 16, kernel: [3]}]               | model.encoder[0].kernel: expected one integer or [height, width] (got [3])",
        "[{conv: 16, kernel: [3, 0]}]            | model.encoder[0].kernel[1]: must be >= 1 (got 0)",
        "[{conv: 16, padding: valid}]            | model.encoder[0].padding: expected an integer, [height, width] or 'same' (got 'valid')",
        "[{conv_transpose: 1, padding: same}]    | model.encoder[0].padding: 'same' is allowed only for conv; give a number",
        "[{conv: 16, out_channels: 16}]          | model.encoder[0].out_channels: unknown option: the output channels are conv's value, e.g. {conv: 32}",
        "[{conv: 16, in_channels: 1}]            | model.encoder[0].in_channels: unknown option: the input channels come from the layer before; remove in_channels",
        "[{maxpool: 2, stride: 2}]               | model.encoder[0].stride: unknown option: maxpool takes only its value, e.g. {maxpool: 2} (the stride is the window, as nn.MaxPool2d(k))",
        "[{reshape: 784}]                        | model.encoder[0].reshape: expected [C, H, W], three positive integers (got 784)",
        "[{leaky_relu: 0.2}]                     | model.encoder[0].leaky_relu: leaky_relu takes no value (got 0.2; write - leaky_relu, whose slope is PyTorch's default 0.01)",
        "[{linear: 8, relu: null}]               | model.encoder[0]: holds 2 layers (linear, relu); write one layer per list item",
        "[ConvTranspose2d]                       | model.encoder[0]: unknown layer 'ConvTranspose2d' (did you mean conv_transpose?)",
        "[{Dense: 8}]                            | model.encoder[0].Dense: unknown layer 'Dense' (did you mean linear?)",
        "[{swish: 8}]                            | model.encoder[0].swish: unknown layer 'swish' (layers: linear, conv, conv_transpose, maxpool, upsample, layernorm, batchnorm, relu, leaky_relu, elu, tanh, sigmoid, flatten, reshape)",
        "[[flatten]]                             | model.encoder[0]: expected a layer such as relu or {linear: 256} (got a list: a layer list holds layers, not lists)",
        "lstm                                    | model.encoder: expected mlp, conv or a list of layers (got 'lstm')",
        "Conv                                    | model.encoder: expected mlp, conv or a list of layers (got 'Conv'; did you mean 'conv'?)",
    })
    void aBadLayerIsOneProblemAtItsPlace(String encoder, String message) {
        SpecException e = assertThrows(SpecException.class, () -> parse("name: x\nmodel:\n  encoder: " + encoder + "\n"));
        assertEquals(List.of(message), e.errors().stream().map(er -> er.path() + ": " + er.message()).toList());
        assertTrue(e.errors().get(0).line() == 3, "on the encoder's line: " + e.errors().get(0));
    }

    @Test
    void aSetOverrideCanGiveAListAndItsProblemsNameTheOverride() throws Exception {
        ModelSpec m = parse("name: s\n", "model.decoder=[{linear: 784}, layernorm]").base().model();
        assertEquals(List.of(new Linear(784), new LayerSpec.LayerNorm()), m.decoderLayers());
        SpecException e = assertThrows(SpecException.class, () -> parse("name: s\n", "model.decoder=[{linear: 10}]"));
        assertEquals(List.of("--set model.decoder=[{linear: 10}]: model.decoder[0]: the decoder ends in [10] but 28x28 "
                + "images need 784 values, [784] or [1, 28, 28]; end with {linear: 784}"),
                e.errors().stream().map(SpecError::format).toList());
    }

    @Test
    void idxDataDefersTheShapeCheckToTheFilesWhileBuiltInDataChecksItNow() throws Exception {
        String spec = "name: idx\ndataset: {name: idx, path: /nowhere}\nmodel: {decoder: [{linear: 10}]}\n";
        assertEquals(List.of(new Linear(10)), parse(spec).base().model().decoderLayers());
        assertThrows(SpecException.class, () -> parse(spec.replace("{name: idx, path: /nowhere}", "{name: fashion-mnist}")));
    }

    @Test
    void everySeedSpecLoadsAndTheFaithfulOnesUseTheirNotebooksLayers() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("experiments/seeds"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                assertTrue(!SweepExpander.expand(SpecLoader.load(p, List.of())).isEmpty(), p.toString());
            }
        }
        ModelSpec m3 = SpecLoader.load(Path.of("experiments/seeds/003-conv-mse.yaml"), List.of()).base().model();
        assertEquals(List.of(new Conv(16, 3, 3, 2, 1, 1, false), RELU, new Conv(32, 3, 3, 2, 1, 1, false), RELU,
                new Conv(64, 7, 7, 1, 0, 0, false), RELU), m3.encoderLayers());
        assertEquals(List.of(new Linear(64), RELU, new Reshape(64, 1, 1), new ConvTranspose(32, 7, 7, 1, 0, 0, 0, 0),
                RELU, new ConvTranspose(16, 3, 3, 2, 1, 1, 1, 1), RELU, new ConvTranspose(1, 3, 3, 2, 1, 1, 1, 1)),
                m3.decoderLayers());
        ModelSpec m4 = SpecLoader.load(Path.of("experiments/seeds/004-conv-linear-k3.yaml"), List.of()).base().model();
        assertEquals(List.of(new Conv(32, 5, 5, 1, 0, 0, false), RELU, new MaxPool(2), new Conv(64, 3, 3, 1, 0, 0, false),
                RELU, new MaxPool(2), new Flatten(), new Linear(512), RELU, new Linear(256), RELU), m4.encoderLayers());
        assertEquals(List.of(new Linear(784), new LayerSpec.LayerNorm()), m4.decoderLayers());
        // Every setting a seed's comment names to reproduce its notebook is a valid override of that seed.
        java.util.regex.Pattern set = java.util.regex.Pattern.compile("--set (?:'([^']+)'|([a-z_.]+=[^\\s)]+))");
        int named = 0;
        try (Stream<Path> files = Files.list(Path.of("experiments/seeds"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                java.util.List<String> sets = new java.util.ArrayList<>();
                for (String line : Files.readAllLines(p)) {
                    java.util.regex.Matcher m = set.matcher(line.startsWith("#") ? line : "");
                    while (m.find()) {
                        String arg = m.group(1) != null ? m.group(1) : m.group(2).replaceAll("\\.$", "");
                        sets.add(arg);
                    }
                }
                named += sets.size();
                assertTrue(!SweepExpander.expand(SpecLoader.load(p, sets)).isEmpty(), p + " with " + sets);
            }
        }
        assertTrue(named >= 7, "settings found: " + named);
        // The notebook-003 KL weighting named in the seed's comment is a valid override of its zip.
        List<RunSpec> weak = SweepExpander.expand(SpecLoader.load(Path.of("experiments/seeds/003-conv-mse.yaml"),
                List.of("sweep.zip.loss.beta=[6.103515625e-05, 0.00048828125]")));
        assertEquals(1.0 / (1024 * 16), weak.get(0).config().loss().beta());
        assertEquals(1.0 / (1024 * 2), weak.get(1).config().loss().beta());
    }
}
