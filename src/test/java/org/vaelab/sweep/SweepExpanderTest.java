package org.vaelab.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.vaelab.spec.ConfigTree;
import org.vaelab.spec.DatasetName;
import org.vaelab.spec.DatasetSpec;
import org.vaelab.spec.Binarize;
import org.vaelab.spec.ExperimentSpec;
import org.vaelab.spec.RunConfig;
import org.vaelab.spec.RunSpec;
import org.vaelab.spec.SweepSpec;
import org.vaelab.spec.yaml.SpecLoader;

class SweepExpanderTest {
    private static List<RunSpec> expand(String yaml, String... sets) throws Exception {
        return SweepExpander.expand(SpecLoader.parse(yaml, "t.yaml", List.of(sets)));
    }

    private static List<String> names(List<RunSpec> runs) {
        return runs.stream().map(RunSpec::name).toList();
    }

    @Test
    void gridKeysNestInFileOrderWithTheLastFastest() throws Exception {
        List<RunSpec> runs = expand("sweep:\n  grid:\n    model.latent_dim: [2, 8]\n    loss.beta: [0.5, 1, 4.0]\n");
        assertEquals(List.of(
                "latent_dim=2,beta=0.5", "latent_dim=2,beta=1", "latent_dim=2,beta=4",
                "latent_dim=8,beta=0.5", "latent_dim=8,beta=1", "latent_dim=8,beta=4"), names(runs));
        assertEquals(IntStream.range(0, 6).boxed().toList(), runs.stream().map(RunSpec::index).toList());
        assertEquals(8, runs.get(4).config().model().latentDim());
        assertEquals(1.0, runs.get(4).config().loss().beta());
        Map<String, Object> varied = new LinkedHashMap<>();
        varied.put("model.latent_dim", 8);
        varied.put("loss.beta", 4.0);
        assertEquals(varied, runs.get(5).varied());
        assertEquals(List.of("model.latent_dim", "loss.beta"), List.copyOf(runs.get(5).varied().keySet()));
        runs.forEach(r -> assertEquals("t", r.sweep()));

        List<RunSpec> swapped = expand("sweep:\n  grid:\n    loss.beta: [0.5, 1, 4.0]\n    model.latent_dim: [2, 8]\n");
        assertEquals(List.of("beta=0.5,latent_dim=2", "beta=0.5,latent_dim=8", "beta=1,latent_dim=2",
                "beta=1,latent_dim=8", "beta=4,latent_dim=2", "beta=4,latent_dim=8"), names(swapped));
        assertEquals(new HashSet<>(runs.stream().map(RunSpec::id).toList()),
                new HashSet<>(swapped.stream().map(RunSpec::id).toList()), "same runs, other order, same ids");
    }

    @Test
    void zipTuplesVaryInsideTheGridAndSeedsInsideEverything() throws Exception {
        List<RunSpec> runs = expand("""
                loss: {warmup: {schedule: linear}}
                sweep:
                  grid: {model.latent_dim: [2, 8]}
                  zip: {train.epochs: [5, 20], loss.warmup.epochs: [2, 8]}
                  seeds: [7, 9]
                """);
        assertEquals(List.of(
                "latent_dim=2,train.epochs=5,warmup.epochs=2,seed=7",
                "latent_dim=2,train.epochs=5,warmup.epochs=2,seed=9",
                "latent_dim=2,train.epochs=20,warmup.epochs=8,seed=7",
                "latent_dim=2,train.epochs=20,warmup.epochs=8,seed=9",
                "latent_dim=8,train.epochs=5,warmup.epochs=2,seed=7",
                "latent_dim=8,train.epochs=5,warmup.epochs=2,seed=9",
                "latent_dim=8,train.epochs=20,warmup.epochs=8,seed=7",
                "latent_dim=8,train.epochs=20,warmup.epochs=8,seed=9"), names(runs));
        RunSpec last = runs.get(7);
        assertEquals(20, last.config().train().epochs());
        assertEquals(8, last.config().loss().warmup().epochs());
        assertEquals(9L, last.config().train().seed());
        assertEquals(List.of("model.latent_dim", "train.epochs", "loss.warmup.epochs", "train.seed"),
                List.copyOf(last.varied().keySet()));
    }

    @Test
    void aSpecWithoutASweepIsOneRunNamedBase() throws Exception {
        List<RunSpec> runs = expand("model: {latent_dim: 4}\n");
        assertEquals(1, runs.size());
        assertEquals("base", runs.get(0).name());
        assertEquals(Map.of(), runs.get(0).varied());
        assertEquals(4, runs.get(0).config().model().latentDim());
        assertEquals(List.of("seed=1", "seed=2"), names(expand("sweep: {seeds: [1, 2]}\n")));
    }

    @Test
    void theIdIsTheHashOfTheCanonicalResolvedConfig() throws Exception {
        RunSpec run = expand("model: {latent_dim: 4}\n").get(0);
        byte[] digest = MessageDigest.getInstance("SHA-256")
                .digest(ConfigTree.canonical(ConfigTree.toTree(run.config())).getBytes(StandardCharsets.UTF_8));
        assertEquals(HexFormat.of().formatHex(digest).substring(0, 12), run.id());
        assertTrue(run.id().matches("[0-9a-f]{12}"));
    }

    @Test
    void idsDoNotDependOnTheSpecText() throws Exception {
        List<RunSpec> a = expand("""
                name: a
                model: {latent_dim: 8, activation: tanh}
                loss:
                  beta: 4
                sweep:
                  grid: {train.learning_rate: [0.001, 3e-4]}
                """);
        List<RunSpec> b = expand("""
                # the same config, written differently
                loss: {beta: 4.0}
                model:
                  activation: tanh
                  latent_dim: 8
                name: b
                sweep: {grid: {train.learning_rate: [1.0e-3, 0.0003]}}
                """);
        assertEquals(a.stream().map(RunSpec::id).toList(), b.stream().map(RunSpec::id).toList());
        // A run of a sweep and a plain spec with the same resolved config share the id.
        RunSpec single = expand("model: {latent_dim: 8, activation: tanh}\nloss: {beta: 4}\ntrain: {learning_rate: 0.0003}\n")
                .get(0);
        assertEquals(a.get(1).id(), single.id());
        RunSpec viaSet = expand("model: {latent_dim: 8}\n", "model.activation=tanh", "loss.beta=4",
                "train.learning_rate=3e-4").get(0);
        assertEquals(single.id(), viaSet.id());
    }

    @Test
    void everyKeyOfTheConfigChangesTheId() {
        String base = SweepExpander.runId(RunConfig.DEFAULT);
        Map<String, Object> other = Map.ofEntries(
                Map.entry("dataset.name", "fashion-mnist"), Map.entry("dataset.path", "/x"),
                Map.entry("dataset.subset", 100), Map.entry("dataset.test_subset", 100),
                Map.entry("dataset.classes", List.of(5)), Map.entry("dataset.binarize", "static"),
                Map.entry("dataset.dequantize", true), Map.entry("model.encoder", "conv"),
                Map.entry("model.decoder", "conv"), Map.entry("model.hidden", List.of(64)),
                Map.entry("model.channels", List.of(8)), Map.entry("model.activation", "elu"),
                Map.entry("model.latent_dim", 2), Map.entry("loss.reconstruction", "mse"),
                Map.entry("loss.beta", 2.0), Map.entry("loss.warmup.schedule", "cyclical"),
                Map.entry("loss.warmup.epochs", 3), Map.entry("loss.warmup.cycles", 2),
                Map.entry("loss.warmup.ratio", 0.25), Map.entry("loss.free_bits", 0.1),
                Map.entry("loss.mc_samples", 5), Map.entry("loss.estimator", "iwae"),
                Map.entry("train.epochs", 3), Map.entry("train.batch_size", 64),
                Map.entry("train.optimizer", "adam"), Map.entry("train.learning_rate", 0.01),
                Map.entry("train.grad_clip", 1.0), Map.entry("train.seed", 43L), Map.entry("train.device", "cuda"),
                Map.entry("eval.active_unit_threshold", 0.05), Map.entry("eval.loglik_samples", 10),
                Map.entry("eval.loglik_subset", 10));
        assertEquals(new HashSet<>(ConfigTree.keyPaths()), other.keySet(), "the test covers every key");
        for (String key : ConfigTree.keyPaths()) {
            if (key.equals("train.optimizer")) {
                continue; // adam is its only value so far
            }
            RunConfig changed = ConfigTree.override(RunConfig.DEFAULT, Map.of(key, other.get(key))).orThrow();
            assertNotEquals(base, SweepExpander.runId(changed), key);
        }
    }

    @Test
    void namesLengthenLabelsThatWouldCollide() {
        Map<String, Object> varied = new LinkedHashMap<>();
        varied.put("loss.warmup.epochs", 5);
        varied.put("train.epochs", 20);
        varied.put("model.hidden", List.of(512, 256));
        varied.put("dataset.subset", null);
        assertEquals("warmup.epochs=5,train.epochs=20,hidden=[512,256],subset=null", SweepExpander.name(varied));
        assertEquals("base", SweepExpander.name(Map.of()));
    }

    @Test
    void theGuardRefusesMoreThanTenThousandRunsAndNamesTheFactors() {
        List<Object> hundred = new ArrayList<>(IntStream.rangeClosed(1, 100).boxed().toList());
        List<Object> hundredAndOne = new ArrayList<>(IntStream.rangeClosed(1, 101).boxed().toList());
        Map<String, List<Object>> grid = new LinkedHashMap<>();
        grid.put("model.latent_dim", hundred);
        grid.put("train.epochs", hundredAndOne);
        ExperimentSpec tooBig = new ExperimentSpec("big", "", RunConfig.DEFAULT, new SweepSpec(grid, Map.of(), List.of()));
        SweepException e = assertThrows(SweepException.class, () -> SweepExpander.expand(tooBig));
        assertEquals("sweep: expands to 10100 runs, more than the limit of 10000 (grid model.latent_dim 100 x "
                + "grid train.epochs 101); shrink the lists or split the spec", e.getMessage());

        ExperimentSpec withSeeds = new ExperimentSpec("big", "", RunConfig.DEFAULT, new SweepSpec(
                Map.of("model.latent_dim", hundred), Map.of(), IntStream.rangeClosed(1, 101).mapToObj(i -> (long) i).toList()));
        assertTrue(assertThrows(SweepException.class, () -> SweepExpander.expand(withSeeds)).getMessage()
                .contains("10100 runs"));
    }

    @Test
    void exactlyTenThousandRunsIsAllowed() throws Exception {
        List<Object> hundred = new ArrayList<>(IntStream.rangeClosed(1, 100).boxed().toList());
        Map<String, List<Object>> grid = new LinkedHashMap<>();
        grid.put("model.latent_dim", hundred);
        grid.put("train.epochs", hundred);
        List<RunSpec> runs = SweepExpander.expand(new ExperimentSpec("edge", "", RunConfig.DEFAULT,
                new SweepSpec(grid, Map.of(), List.of())));
        assertEquals(10_000, runs.size());
        assertEquals(10_000, new HashSet<>(runs.stream().map(RunSpec::id).toList()).size());
        assertEquals("latent_dim=100,epochs=100", runs.get(9_999).name());
    }

    @Test
    void twoRunsWithTheSameResolvedConfigAreAnError() {
        // Only reachable in code (the binder rejects the repeat with a line number first).
        ExperimentSpec twins = new ExperimentSpec("t", "", RunConfig.DEFAULT,
                new SweepSpec(Map.of("loss.beta", List.of(1.0, 4.0, 1)), Map.of(), List.of()));
        SweepException e = assertThrows(SweepException.class, () -> SweepExpander.expand(twins));
        assertEquals(1, e.problems().size());
        assertTrue(e.getMessage().startsWith("run 2 (beta=1) has the same resolved config as run 0 (beta=1), id "),
                e.getMessage());
    }

    @Test
    void runsWhoseConfigBreaksARuleAreRefused() {
        RunConfig idx = new RunConfig(new DatasetSpec(DatasetName.IDX, null, null, null, null, Binarize.NONE, false),
                RunConfig.DEFAULT.model(), RunConfig.DEFAULT.loss(), RunConfig.DEFAULT.train(), RunConfig.DEFAULT.eval());
        ExperimentSpec spec = new ExperimentSpec("t", "", idx,
                new SweepSpec(Map.of("dataset.path", java.util.Arrays.asList("/data", null)), Map.of(), List.of()));
        SweepException e = assertThrows(SweepException.class, () -> SweepExpander.expand(spec));
        assertEquals(List.of("run 1 (path=null): dataset.name: 'idx' needs dataset.path, a folder holding the four IDX "
                + "files (add dataset.path, or use mnist or fashion-mnist)"), e.problems());
    }

    @Test
    void expansionIsPure() throws Exception {
        ExperimentSpec spec = SpecLoader.parse("sweep: {grid: {loss.beta: [1, 2]}, seeds: [1, 2]}\n", "p.yaml", List.of());
        assertEquals(SweepExpander.expand(spec), SweepExpander.expand(spec));
    }
}
