package org.vaelab.spec.yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.spec.ExperimentSpec;
import org.vaelab.spec.RunConfig;
import org.vaelab.spec.WarmupSchedule;

class SpecLoaderTest {
    @TempDir
    Path dir;

    private static List<String> lines(SpecException e) {
        return e.errors().stream().map(SpecError::format).toList();
    }

    @Test
    void aMissingFileIsOneClearLine() {
        Path missing = dir.resolve("nope.yaml");
        SpecException e = assertThrows(SpecException.class, () -> SpecLoader.load(missing, List.of()));
        assertEquals(missing + ": cannot read spec file: no such file", e.getMessage());
        SpecException d = assertThrows(SpecException.class, () -> SpecLoader.load(dir, List.of()));
        assertEquals(dir + ": is a directory, not a spec file", d.getMessage());
    }

    @Test
    void aFileThatIsNotUtf8IsOneClearLine() throws IOException {
        Path latin1 = dir.resolve("latin1.yaml");
        Files.write(latin1, "description: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        SpecException e = assertThrows(SpecException.class, () -> SpecLoader.load(latin1, List.of()));
        assertEquals(latin1 + ": cannot read spec file: not UTF-8 text", e.getMessage());
    }

    @Test
    void loadsAFileAndNamesItAfterTheFileWhenItHasNoName() throws Exception {
        Path file = dir.resolve("beta-sweep.yaml");
        Files.writeString(file, "\uFEFF# a comment\nmodel: {latent_dim: 8}\nloss:\n  beta: 4\n");
        ExperimentSpec spec = SpecLoader.load(file, List.of());
        assertEquals("beta-sweep", spec.name());
        assertEquals(8, spec.base().model().latentDim());
        assertEquals(4.0, spec.base().loss().beta());
        assertEquals("x", SpecLoader.parse("", "dir/x.yml", List.of()).name());
        assertEquals(RunConfig.DEFAULT, SpecLoader.parse("", "dir/x.yml", List.of()).base(), "an empty file is all defaults");
    }

    @Test
    void setValuesAreYamlAndApplyInOrderBeforeValidation() throws Exception {
        ExperimentSpec spec = SpecLoader.parse("model: {latent_dim: 8}\nloss: {beta: -1}\n", "t.yaml", List.of(
                "model.hidden=[64,64]", "loss.beta=4", "loss.beta=2.5", "dataset.classes=[5]", "name=quick",
                "loss.warmup={schedule: linear, epochs: 3}", "sweep.grid.model.latent_dim=[2, 16]", "sweep.seeds=[1,2]"));
        assertEquals(List.of(64, 64), spec.base().model().hidden());
        assertEquals(2.5, spec.base().loss().beta(), "the later --set wins; the file's -1 is never validated");
        assertEquals(List.of(5), spec.base().dataset().classes());
        assertEquals("quick", spec.name());
        assertEquals(WarmupSchedule.LINEAR, spec.base().loss().warmup().schedule());
        assertEquals(3, spec.base().loss().warmup().epochs());
        assertEquals(Map.of("model.latent_dim", List.of(2, 16)), spec.sweep().grid());
        assertEquals(List.of(1L, 2L), spec.sweep().seeds());
    }

    @Test
    void theIssuesExampleSpecWithEveryKeyAtItsDefaultLoads() throws Exception {
        String yaml = """
                name: beta-sweep              # results/<name>/, reports/<name>/ ; [a-z0-9._-]+
                description: ...
                dataset: {name: mnist, path: null, subset: null, test_subset: null, classes: null, binarize: none, dequantize: false}
                # every key but the two the sweep varies (a base value beside the sweep's list is an error)
                model:   {encoder: mlp, decoder: mlp, hidden: [256, 256], channels: [32, 64], activation: relu}
                loss:    {reconstruction: bce, warmup: {schedule: none, epochs: 0, cycles: 4, ratio: 0.5},
                          free_bits: 0.0, mc_samples: 1, estimator: elbo}
                train:   {epochs: 10, batch_size: 128, optimizer: adam, learning_rate: 0.001, grad_clip: null, seed: 42, device: cpu}
                eval:    {active_unit_threshold: 0.01, loglik_samples: 1000, loglik_subset: 1000}
                sweep:
                  grid: {model.latent_dim: [2, 8, 32, 128], loss.beta: [0.5, 1.0, 4.0]}   # Cartesian product
                  zip:  {}                  # lists of equal length, varied together (then crossed with grid)
                  seeds: []                 # replicates: every run repeated with train.seed set to each
                """;
        ExperimentSpec spec = SpecLoader.parse(yaml, "experiments/beta-sweep.yaml", List.of());
        assertEquals(RunConfig.DEFAULT, spec.base());
        assertEquals("...", spec.description());
        assertEquals(12, spec.sweep().runCount());
    }

    @Test
    void setCanClearTheSweep() throws Exception {
        ExperimentSpec spec = SpecLoader.parse("sweep:\n  grid: {loss.beta: [1, 4]}\n", "t.yaml", List.of("sweep={}"));
        assertTrue(spec.sweep().isEmpty());
    }

    @Test
    void allProblemsAreReportedAtOnceFileSortedByLineThenSets() {
        String yaml = """
                train:
                  epochs: ten
                model:
                  activation: reluu
                loss:
                  beta: -1
                datset: {}
                """;
        SpecException e = assertThrows(SpecException.class, () -> SpecLoader.parse(yaml, "s.yaml",
                List.of("model.latent_dims=4", "train.batch_size=0")));
        assertEquals(List.of(
                "s.yaml:2:3: train.epochs: expected an integer (got 'ten')",
                "s.yaml:4:3: model.activation: unknown value 'reluu' (allowed: relu, tanh, elu, leaky_relu; did you mean 'relu'?)",
                "s.yaml:6:3: loss.beta: must be >= 0 (got -1)",
                "s.yaml:7:1: datset: unknown key (did you mean 'dataset'?)",
                "--set model.latent_dims=4: unknown key (did you mean 'model.latent_dim'?)",
                "--set train.batch_size=0: must be >= 1 (got 0)"), lines(e));
    }

    @Test
    void setProblemsFollowTheArgumentOrder() {
        SpecException e = assertThrows(SpecException.class, () -> SpecLoader.parse(
                "sweep: {grid: {loss.beta: [1, 4]}}\n", "s.yaml", List.of("loss.beta=2", "model.latent_dim=0", "x")));
        assertEquals(List.of(
                "--set loss.beta=2: has no effect because sweep.grid varies loss.beta (override the list instead, "
                        + "e.g. --set 'sweep.grid.loss.beta=[...]')",
                "--set model.latent_dim=0: must be >= 1 (got 0)",
                "--set x: expected key.path=value, e.g. --set loss.beta=4"), lines(e));
    }

    @Test
    void malformedYamlIsOneProblemWithThePositionAndNoParserNames() {
        SpecException e = assertThrows(SpecException.class,
                () -> SpecLoader.parse("model:\n  latent_dim: 8\n  hidden: [64\nloss: {}\n", "m.yaml", List.of()));
        assertEquals(1, e.errors().size());
        SpecError error = e.errors().get(0);
        assertEquals(4, error.line());
        assertTrue(error.format().startsWith("m.yaml:4:5: invalid YAML: "), error.format());
        assertTrue(!error.message().contains("Exception") && !error.message().contains("jackson"), error.message());
    }
}
