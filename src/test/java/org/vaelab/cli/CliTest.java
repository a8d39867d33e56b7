package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.data.IdxFiles;
import org.vaelab.data.ImageSet;
import org.vaelab.tracking.Json;

/** The command line as a user meets it: exit codes, one-line errors, and a tiny sweep end to end. */
class CliTest {
    @TempDir
    Path tmp;
    Path idx;

    record Outcome(int code, String out, String err) {
    }

    static Outcome vaelab(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new Outcome(code, out.toString(), err.toString());
    }

    @BeforeEach
    void tinyIdxData() throws IOException {
        idx = tmp.resolve("idx");
        int[] train = new int[200];
        int[] test = new int[50];
        for (int i = 0; i < train.length; i++) {
            train[i] = i % 10;
        }
        for (int i = 0; i < test.length; i++) {
            test[i] = i % 10;
        }
        ImageSet tr = IdxFiles.synthetic(train, 8, 8, 1);
        ImageSet te = IdxFiles.synthetic(test, 8, 8, 2);
        IdxFiles.writeSet(idx, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", tr, false);
        IdxFiles.writeSet(idx, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", te, true);
    }

    Path spec(String name, String body) throws IOException {
        Path f = tmp.resolve(name + ".yaml");
        Files.writeString(f, "name: " + name + "\n" + body);
        return f;
    }

    Path tinySweep() throws IOException {
        return spec("tiny", """
                dataset: {name: idx, path: %s}
                model: {hidden: [16]}
                train: {epochs: 2, batch_size: 32}
                eval: {loglik_samples: 10, loglik_subset: 20}
                sweep:
                  grid: {model.latent_dim: [1, 3]}   # 1: relu_layer and XChart both refused a single unit
                """.formatted(idx));
    }

    @Test
    void validateNamesLineColumnAndTheRightKey() throws IOException {
        Path f = spec("typo", "model:\n  latent_dims: 8\n");
        Outcome o = vaelab("validate", f.toString());
        assertEquals(ExitCodes.BAD_INPUT, o.code());
        assertTrue(o.err().contains(f + ":3:3: model.latent_dims: unknown key"), o.err());
        assertTrue(o.err().contains("did you mean 'latent_dim'"), o.err());
        assertFalse(o.err().contains("at org."), "no stack trace: " + o.err());
    }

    @Test
    void validateAcceptsTheShippedBetaSweep() {
        Outcome o = vaelab("validate", "experiments/beta-sweep.yaml");
        assertEquals(ExitCodes.OK, o.code(), o.err());
        assertTrue(o.out().contains("ok (beta-sweep, 12 runs)"), o.out());
    }

    @Test
    void dryRunJsonListsEveryRunWithItsResolvedConfig() throws IOException {
        Outcome o = vaelab("run", "experiments/beta-sweep.yaml", "--dry-run", "--format", "json");
        assertEquals(ExitCodes.OK, o.code(), o.err());
        JsonNode runs = Json.mapper().readTree(o.out());
        assertEquals(12, runs.size());
        assertEquals(128, runs.get(11).get("config").get("model").get("latent_dim").asInt());
        assertEquals(4.0, runs.get(11).get("config").get("loss").get("beta").asDouble());
        assertEquals("latent_dim=128,beta=4", runs.get(11).get("name").asText());
    }

    @Test
    void badFlagsAndFilesExitTwoWithOneLine() throws IOException {
        Outcome formatAlone = vaelab("run", "experiments/beta-sweep.yaml", "--format", "json");
        assertEquals(ExitCodes.BAD_INPUT, formatAlone.code());
        assertEquals(1, formatAlone.err().strip().lines().count(), formatAlone.err());
        assertTrue(formatAlone.err().contains("--dry-run"), formatAlone.err());

        Outcome missing = vaelab("run", tmp.resolve("nope.yaml").toString());
        assertEquals(ExitCodes.BAD_INPUT, missing.code());
        assertTrue(missing.err().contains("nope.yaml"), missing.err());

        Outcome unknownFlag = vaelab("run", "experiments/beta-sweep.yaml", "--wrokers", "2");
        assertEquals(ExitCodes.BAD_INPUT, unknownFlag.code());

        Outcome badFormat = vaelab("run", "experiments/beta-sweep.yaml", "--dry-run", "--format", "xml");
        assertEquals(ExitCodes.BAD_INPUT, badFormat.code());

        Outcome cuda = vaelab("run", tinySweep().toString(), "--set", "train.device=cuda",
                "--results", tmp.resolve("r").toString(), "--reports", tmp.resolve("p").toString());
        assertEquals(ExitCodes.BAD_INPUT, cuda.code());
        assertTrue(cuda.err().contains("-Pcuda"), cuda.err());
        assertFalse(Files.exists(tmp.resolve("r/tiny")), "nothing written for a refused sweep");

        Path fileAsResults = Files.writeString(tmp.resolve("results-file"), "x");
        Outcome unwritable = vaelab("run", tinySweep().toString(), "--results", fileAsResults.toString(),
                "--reports", tmp.resolve("p").toString());
        assertEquals(ExitCodes.BAD_INPUT, unwritable.code(), unwritable.err());
        assertTrue(unwritable.err().contains("--results"), unwritable.err());
        assertEquals("x", Files.readString(fileAsResults));
    }

    @Test
    void tinySweepTrainsReportsResumesAndGuardsItsName() throws IOException {
        Path results = tmp.resolve("results");
        Path reports = tmp.resolve("reports");
        String[] run = {"run", tinySweep().toString(), "--results", results.toString(), "--reports",
                reports.toString(), "--workers", "1"};
        Outcome first = vaelab(run);
        assertEquals(ExitCodes.OK, first.code(), first.err());
        assertFalse(first.out().contains("pictures not written"), first.out());
        Path sweep = results.resolve("tiny");
        JsonNode index = Json.mapper().readTree(sweep.resolve("index.json").toFile());
        assertEquals(2, index.get("runs").size());
        List<Path> runDirs = new ArrayList<>();
        for (JsonNode r : index.get("runs")) {
            assertEquals("completed", r.get("status").asText());
            Path d = sweep.resolve(r.get("id").asText());
            for (String f : List.of("spec.yaml", "provenance.json", "metrics.jsonl", "summary.json",
                    "visuals.json")) {
                assertTrue(Files.exists(d.resolve(f)), d + "/" + f);
            }
            assertEquals(2, Files.readAllLines(d.resolve("metrics.jsonl")).size());
            runDirs.add(d);
        }
        assertTrue(Files.exists(reports.resolve("tiny/index.html")));

        String metricsBefore = Files.readString(runDirs.get(0).resolve("metrics.jsonl"));
        Outcome again = vaelab(run);
        assertEquals(ExitCodes.OK, again.code(), again.err());
        assertEquals(metricsBefore, Files.readString(runDirs.get(0).resolve("metrics.jsonl")),
                "a completed run is not trained again");

        Outcome changed = vaelab("run", tinySweep().toString(), "--set", "loss.beta=2", "--results",
                results.toString(), "--reports", reports.toString());
        assertEquals(ExitCodes.BAD_INPUT, changed.code());
        assertTrue(changed.err().contains("loss.beta"), changed.err());
        assertTrue(changed.err().contains("--force"), changed.err());
    }

    @Test
    void aLayerListSpecTrainsThroughTheEngineWithItsRunningStatisticsInTheCheckpoint() throws IOException {
        Path f = spec("layers", """
                dataset: {name: idx, path: %s}
                model:
                  latent_dim: 3
                  encoder: [{conv: 4, padding: same}, batchnorm, relu, {maxpool: 2}, flatten, {linear: 16},
                            layernorm, tanh]
                  decoder: [{linear: 16}, batchnorm, elu, {reshape: [1, 4, 4]}, {upsample: 2},
                            {conv_transpose: 1, kernel: 1}]
                train: {epochs: 2, batch_size: 32}
                eval: {loglik_samples: 10, loglik_subset: 20}
                """.formatted(idx));
        Outcome o = vaelab("run", f.toString(), "--results", tmp.resolve("r").toString(), "--reports",
                tmp.resolve("p").toString(), "--workers", "1");
        assertEquals(ExitCodes.OK, o.code(), o.err());
        JsonNode index = Json.mapper().readTree(tmp.resolve("r/layers/index.json").toFile());
        JsonNode run = index.get("runs").get(0);
        assertEquals("completed", run.get("status").asText());
        Path d = tmp.resolve("r/layers").resolve(run.get("id").asText());
        assertEquals(2, Files.readAllLines(d.resolve("metrics.jsonl")).size());
        String provenance = Files.readString(d.resolve("provenance.json"));
        assertTrue(provenance.contains("fast-openblas"), "trained by the engine, not SameDiff: " + provenance);
        assertTrue(provenance.contains("-bn-relu-maxpool2-flatten-linear16-ln-tanh]"), "the layers as built: " + provenance);
        float[] state = org.vaelab.train.Checkpoint.read(d.resolve("checkpoints/final.ckpt")).orElseThrow().state();
        assertEquals(2 * (4 + 16), state.length, "running mean and variance of both batchnorms");
        assertTrue(Files.exists(tmp.resolve("p/layers/index.html")));
    }

    @Test
    void aDivergedRunIsRecordedWithItsCauseTheSweepGoesOnAndExitsOne() throws IOException {
        Path f = spec("blowup", """
                dataset: {name: idx, path: %s}
                model: {hidden: [16], latent_dim: 2}
                train: {epochs: 2, batch_size: 32}
                eval: {loglik_samples: 5, loglik_subset: 20}
                sweep:
                  grid: {train.learning_rate: [1e12, 1e-3]}   # the first run blows up, the second is fine
                """.formatted(idx));
        Path results = tmp.resolve("results");
        String[] run = {"run", f.toString(), "--results", results.toString(), "--reports",
                tmp.resolve("reports").toString(), "--workers", "1"};
        Outcome o = vaelab(run);
        assertEquals(ExitCodes.RUNS_FAILED, o.code(), o.err());
        JsonNode index = Json.mapper().readTree(results.resolve("blowup/index.json").toFile());
        assertEquals("diverged", index.get("runs").get(0).get("status").asText());
        assertEquals("completed", index.get("runs").get(1).get("status").asText(), "the sweep went on");
        JsonNode summary = Json.mapper().readTree(results.resolve("blowup")
                .resolve(index.get("runs").get(0).get("id").asText()).resolve("summary.json").toFile());
        assertTrue(summary.get("cause").asText().matches("(loss|gradient norm) is .* at epoch 1, batch \\d+ of \\d+ "
                + "\\(step \\d+\\)"), summary.get("cause").asText());
        // a diverged run is finished: the same command does not train it again, and still exits 1
        String before = Files.readString(results.resolve("blowup").resolve(index.get("runs").get(0).get("id").asText())
                .resolve("summary.json"));
        assertEquals(ExitCodes.RUNS_FAILED, vaelab(run).code());
        assertEquals(before, Files.readString(results.resolve("blowup")
                .resolve(index.get("runs").get(0).get("id").asText()).resolve("summary.json")));
    }
}
