package org.vaelab.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConfigTreeTest {
    /** A config where every key differs from its default, so a key dropped anywhere shows up. */
    static final RunConfig ALL_CHANGED = new RunConfig(
            new DatasetSpec(DatasetName.IDX, "/data/x", 1000, 500, List.of(1, 7), Binarize.DYNAMIC, false),
            new ModelSpec(NetKind.CONV, NetKind.MLP, List.of(512, 128), List.of(16, 32, 64), Activation.LEAKY_RELU, 8),
            new LossSpec(Reconstruction.MSE, 4.0, new WarmupSpec(WarmupSchedule.CYCLICAL, 3, 2, 0.25), 0.5, 5,
                    Estimator.ELBO),
            new TrainSpec(20, 64, Optimizer.ADAM, 3e-4, 5.0, 7L, Device.CUDA),
            new EvalSpec(0.02, 500, 200));

    private static Map<String, Object> tree(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> section(Map<String, Object> tree, String name) {
        return (Map<String, Object>) tree.get(name);
    }

    @Test
    void toTreeHasTheSpecShape() {
        Map<String, Object> t = ConfigTree.toTree(RunConfig.DEFAULT);
        assertEquals(List.of("dataset", "model", "loss", "train", "eval"), new ArrayList<>(t.keySet()));
        assertEquals(List.of("name", "path", "subset", "test_subset", "classes", "binarize", "dequantize"),
                new ArrayList<>(section(t, "dataset").keySet()));
        assertEquals(List.of("encoder", "decoder", "hidden", "channels", "activation", "latent_dim"),
                new ArrayList<>(section(t, "model").keySet()));
        assertEquals(List.of("reconstruction", "beta", "warmup", "free_bits", "mc_samples", "estimator"),
                new ArrayList<>(section(t, "loss").keySet()));
        assertEquals(List.of("schedule", "epochs", "cycles", "ratio"),
                new ArrayList<>(section(section(t, "loss"), "warmup").keySet()));
        assertEquals(List.of("epochs", "batch_size", "optimizer", "learning_rate", "grad_clip", "seed", "device"),
                new ArrayList<>(section(t, "train").keySet()));
        assertEquals(List.of("active_unit_threshold", "loglik_samples", "loglik_subset"),
                new ArrayList<>(section(t, "eval").keySet()));

        Map<String, Object> changed = ConfigTree.toTree(ALL_CHANGED);
        assertEquals("fashion-mnist", ConfigTree.get(ConfigTree.toTree(new RunConfig(
                new DatasetSpec(DatasetName.FASHION_MNIST, null, null, null, null, Binarize.NONE, false),
                ModelSpec.DEFAULT, LossSpec.DEFAULT, TrainSpec.DEFAULT, EvalSpec.DEFAULT)), "dataset.name"));
        assertEquals("leaky_relu", ConfigTree.get(changed, "model.activation"));
        assertEquals("cyclical", ConfigTree.get(changed, "loss.warmup.schedule"));
        assertEquals(8, ConfigTree.get(changed, "model.latent_dim"));
        assertEquals(4.0, ConfigTree.get(changed, "loss.beta"));
        assertEquals(7L, ConfigTree.get(changed, "train.seed"));
        assertEquals(List.of(16, 32, 64), ConfigTree.get(changed, "model.channels"));
        assertNull(ConfigTree.get(t, "train.grad_clip"));
        assertEquals(32, ConfigTree.keyPaths().size());
        for (String key : ConfigTree.keyPaths()) {
            assertTrue(key.matches("[a-z]+(\\.[a-z_]+)+"), key);
            assertTrue(ConfigTree.get(t, key) != null || List.of("dataset.path", "dataset.subset",
                    "dataset.test_subset", "dataset.classes", "train.grad_clip").contains(key), key);
        }
    }

    @Test
    void bindingATreeGivesBackTheConfigForEveryKey() {
        assertEquals(ALL_CHANGED, ConfigTree.bindConfig(ConfigTree.toTree(ALL_CHANGED)).orThrow());
        assertEquals(RunConfig.DEFAULT, ConfigTree.bindConfig(ConfigTree.toTree(RunConfig.DEFAULT)).orThrow());
        Map<String, Object> defaults = ConfigTree.toTree(RunConfig.DEFAULT);
        for (String key : ConfigTree.keyPaths()) {
            // Each key alone, set to ALL_CHANGED's value, must land in exactly that field.
            Object value = ConfigTree.get(ConfigTree.toTree(ALL_CHANGED), key);
            RunConfig one = ConfigTree.bindConfig(ConfigTree.withValue(defaults, key, value)).value();
            if (one == null) {
                continue; // idx without a path alone breaks a rule; covered by the full round trip
            }
            Map<String, Object> back = ConfigTree.toTree(one);
            assertEquals(value, ConfigTree.get(back, key), key);
            assertEquals(ConfigTree.keyPaths().stream().filter(k -> !k.equals(key)).map(k -> ConfigTree.get(defaults, k)).toList(),
                    ConfigTree.keyPaths().stream().filter(k -> !k.equals(key)).map(k -> ConfigTree.get(back, k)).toList(), key);
        }
    }

    @Test
    void aPartialTreeKeepsTheDefaults() {
        RunConfig c = ConfigTree.bindConfig(tree("model", tree("latent_dim", 8L), "loss", tree("beta", 4L))).orThrow();
        assertEquals(8, c.model().latentDim());
        assertEquals(4.0, c.loss().beta());
        assertEquals(ModelSpec.DEFAULT.hidden(), c.model().hidden());
        assertEquals(DatasetSpec.DEFAULT, c.dataset());
        assertEquals(TrainSpec.DEFAULT, c.train());
        assertEquals(RunConfig.DEFAULT, ConfigTree.bindConfig(Map.of()).orThrow());
        assertEquals(RunConfig.DEFAULT, ConfigTree.bindConfig(tree("model", null)).orThrow());
    }

    @Test
    void canonicalTextIgnoresKeyOrderAndNumberSpelling() {
        Map<String, Object> a = tree("loss", tree("beta", 4L, "free_bits", 0.5), "model", tree("hidden", List.of(64L)));
        Map<String, Object> b = tree("model", tree("hidden", List.of(64.0)), "loss", tree("free_bits", 0.5, "beta", 4.0));
        assertEquals(ConfigTree.canonical(a), ConfigTree.canonical(b));
        assertEquals("{\"loss\":{\"beta\":4,\"free_bits\":0.5},\"model\":{\"hidden\":[64]}}", ConfigTree.canonical(a));
        assertNotEquals(ConfigTree.canonical(a), ConfigTree.canonical(tree("loss", tree("beta", "4", "free_bits", 0.5),
                "model", tree("hidden", List.of(64L)))), "the string '4' is not the number 4");
        assertEquals("{\"a\":[null,true,\"x\\\"y\",0.001,1e-7]}",
                ConfigTree.canonical(tree("a", java.util.Arrays.asList(null, true, "x\"y", 1e-3, 1e-7))));
        assertEquals(ConfigTree.canonical(ConfigTree.toTree(RunConfig.DEFAULT)),
                ConfigTree.canonical(ConfigTree.toTree(ConfigTree.bindConfig(tree("loss", tree("beta", 1L))).orThrow())));
    }

    @Test
    void bindingReportsEveryProblemNotJustTheFirst() {
        BindResult<RunConfig> r = ConfigTree.bindConfig(tree(
                "model", tree("latent_dims", 4L, "activation", "reluu", "hidden", List.of(64L, 0L)),
                "loss", tree("beta", -1L),
                "train", tree("epochs", "ten"),
                "dataset", tree("name", "idx")));
        assertFalse(r.ok());
        assertEquals(List.of(
                new SpecProblem("model.latent_dims", "unknown key (did you mean 'latent_dim'?)"),
                new SpecProblem("model.activation", "unknown value 'reluu' (allowed: relu, tanh, elu, leaky_relu; "
                        + "did you mean 'relu'?)"),
                new SpecProblem("model.hidden[1]", "must be >= 1 (got 0)"),
                new SpecProblem("loss.beta", "must be >= 0 (got -1)"),
                new SpecProblem("train.epochs", "expected an integer (got 'ten')"),
                new SpecProblem("dataset.name", "'idx' needs dataset.path, a folder holding the four IDX files "
                        + "(add dataset.path, or use mnist or fashion-mnist)")), r.problems());
        assertThrows(IllegalArgumentException.class, r::orThrow);
    }

    @Test
    void aRuleIsNotCheckedOnAKeyThatFailedToBind() {
        // schedule is misspelt: "linear needs epochs" must not pile a second, misleading error on top.
        BindResult<RunConfig> r = ConfigTree.bindConfig(tree("loss", tree("warmup", tree("schedule", "lineer"))));
        assertEquals(1, r.problems().size(), r.problems().toString());
        assertTrue(r.problems().get(0).message().contains("did you mean 'linear'?"));
    }

    @Test
    void sweepValuesAreBoundToTheKeysTypes() {
        ExperimentSpec s = ConfigTree.bind(tree("name", "t", "sweep", tree("grid", tree(
                "loss.beta", List.of(1L, 2.5), "model.hidden", List.of(List.of(64L), List.of(128L, 64L)),
                "dataset.subset", java.util.Arrays.asList(null, 100L))))).orThrow();
        assertEquals(List.of(1.0, 2.5), s.sweep().grid().get("loss.beta"));
        assertEquals(Double.class, s.sweep().grid().get("loss.beta").get(0).getClass());
        assertEquals(List.of(List.of(64), List.of(128, 64)), s.sweep().grid().get("model.hidden"));
        assertEquals(java.util.Arrays.asList(null, 100), s.sweep().grid().get("dataset.subset"));
        assertEquals(List.of("loss.beta", "model.hidden", "dataset.subset"), List.copyOf(s.sweep().grid().keySet()));
    }

    @Test
    void rulesAreCheckedOnTheRunsNotOnTheBaseAlone() {
        // The base alone (linear, epochs 0) breaks a rule, but every run gets epochs from the grid.
        Map<String, Object> repaired = tree("name", "t", "loss", tree("warmup", tree("schedule", "linear")),
                "sweep", tree("grid", tree("loss.warmup.epochs", List.of(5L, 10L))));
        assertTrue(ConfigTree.bind(repaired).ok(), ConfigTree.bind(repaired).problems().toString());

        // One grid value leaves a run broken: blamed on that value, not on the base.
        Map<String, Object> broken = tree("name", "t", "loss", tree("warmup", tree("schedule", "linear")),
                "sweep", tree("grid", tree("loss.warmup.epochs", List.of(0L, 10L))));
        assertEquals(List.of(new SpecProblem("sweep.grid.loss.warmup.epochs[0]",
                "must be >= 1 when loss.warmup.schedule is linear (got 0)")), ConfigTree.bind(broken).problems());

        // epochs set in the base matters in the linear run only: that is enough to not be "no effect".
        Map<String, Object> someRuns = tree("name", "t", "loss", tree("warmup", tree("epochs", 5L)),
                "sweep", tree("grid", tree("loss.warmup.schedule", List.of("none", "linear"))));
        assertTrue(ConfigTree.bind(someRuns).ok(), ConfigTree.bind(someRuns).problems().toString());
    }

    @Test
    void aSpecWithoutANameTakesTheDefaultNameOrReportsIt() {
        assertEquals("beta-sweep", ConfigTree.bind(Map.of(), "beta-sweep").orThrow().name());
        assertEquals(List.of(new SpecProblem("name", "missing (add name: my-sweep)")), ConfigTree.bind(Map.of()).problems());
        assertEquals("mine", ConfigTree.bind(tree("name", "mine"), "file").orThrow().name());
        assertEquals("", ConfigTree.bind(Map.of(), "x").orThrow().description());
    }

    @Test
    void overrideValidatesTheKeysItChanges() {
        RunConfig c = ConfigTree.override(RunConfig.DEFAULT, Map.of("loss.beta", 4L, "model.hidden", List.of(64L))).orThrow();
        assertEquals(4.0, c.loss().beta());
        assertEquals(List.of(64), c.model().hidden());
        assertEquals(List.of(new SpecProblem("loss.beta", "must be >= 0 (got -2)")),
                ConfigTree.override(RunConfig.DEFAULT, Map.of("loss.beta", -2L)).problems());
        assertEquals(List.of(new SpecProblem("model.latent_dims", "unknown key (did you mean 'model.latent_dim'?)")),
                ConfigTree.override(RunConfig.DEFAULT, Map.of("model.latent_dims", 2L)).problems());
        assertEquals(List.of("dataset.name"), ConfigTree.override(RunConfig.DEFAULT, Map.of("dataset.name", "idx"))
                .problems().stream().map(SpecProblem::path).toList());
    }

    @Test
    void recordsRejectInvalidFieldsWithTheSpecMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TrainSpec(0, 128, Optimizer.ADAM, 0.001, null, 1L, Device.CPU));
        assertEquals("train.epochs: must be >= 1 (got 0)", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new DatasetSpec(DatasetName.MNIST, null, null, null, List.of(11), Binarize.NONE, false));
        assertThrows(IllegalArgumentException.class, () -> new LossSpec(Reconstruction.BCE, -1, WarmupSpec.DEFAULT,
                0, 1, Estimator.ELBO));
        assertThrows(IllegalArgumentException.class, () -> new WarmupSpec(WarmupSchedule.CYCLICAL, 0, 4, 0.0));
        assertThrows(IllegalArgumentException.class, () -> new ModelSpec(NetKind.MLP, NetKind.MLP, List.of(0),
                List.of(1), Activation.RELU, 2));
        // An empty hidden list is a linear encoder/decoder (notebook 004), so it is allowed.
        assertEquals(List.of(), new ModelSpec(NetKind.MLP, NetKind.MLP, List.of(), List.of(1), Activation.RELU, 2).hidden());
        assertThrows(IllegalArgumentException.class, () -> new EvalSpec(-1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new ExperimentSpec("..", "", RunConfig.DEFAULT, SweepSpec.NONE));
        assertThrows(IllegalArgumentException.class, () -> new SweepSpec(Map.of("loss.beta", List.of()), Map.of(), List.of()));
        assertThrows(IllegalArgumentException.class, () -> new SweepSpec(Map.of("loss.betas", List.of(1.0)), Map.of(), List.of()));
        // Combinations are not the records' business (a base may need the sweep to repair it): problems() reports them.
        RunConfig idx = new RunConfig(new DatasetSpec(DatasetName.IDX, null, null, null, null, Binarize.NONE, false),
                ModelSpec.DEFAULT, LossSpec.DEFAULT, TrainSpec.DEFAULT, EvalSpec.DEFAULT);
        assertEquals(List.of("dataset.name"), idx.problems().stream().map(SpecProblem::path).toList());
        assertEquals(List.of(), RunConfig.DEFAULT.problems());
    }

    @Test
    void withValueCopiesAndCreatesParents() {
        Map<String, Object> original = tree("model", tree("latent_dim", 8L));
        Map<String, Object> changed = ConfigTree.withValue(original, "loss.warmup.epochs", 3L);
        assertEquals(3L, ConfigTree.get(changed, "loss.warmup.epochs"));
        assertEquals(8L, ConfigTree.get(changed, "model.latent_dim"));
        assertNull(ConfigTree.get(original, "loss.warmup.epochs"), "the input is not modified");
        Map<String, Object> swept = ConfigTree.withValue(original, "sweep.grid.model.latent_dim", List.of(2L));
        assertEquals(List.of(2L), ConfigTree.get(swept, "sweep.grid.model.latent_dim"));
        assertEquals(List.of("sweep", "grid", "model.latent_dim"), ConfigTree.splitPath("sweep.grid.model.latent_dim"));
    }

    @Test
    void setTargetsAreKeysSectionsAndSweepEntries() {
        for (String ok : List.of("name", "loss.beta", "loss.warmup", "model", "sweep", "sweep.seeds",
                "sweep.grid.model.latent_dim")) {
            assertEquals(Optional.empty(), ConfigTree.setTargetProblem(ok), ok);
        }
        assertEquals("unknown key (did you mean 'model.latent_dim'?)",
                ConfigTree.setTargetProblem("model.latent_dims").orElseThrow().message());
        assertEquals("unknown key (did you mean 'train.learning_rate'?)",
                ConfigTree.setTargetProblem("train.lr").orElseThrow().message());
    }
}
