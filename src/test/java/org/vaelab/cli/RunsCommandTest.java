package org.vaelab.cli;

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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.tracking.Json;
import org.vaelab.tracking.ReplicateSweep;

/** {@code vaelab runs}: filtering, sorting, columns, the three formats, errors, and the CSV as pandas reads it. */
class RunsCommandTest {
    @TempDir
    Path tmp;
    Path sweep;

    @BeforeEach
    void store() throws IOException {
        sweep = ReplicateSweep.write(tmp.resolve("results"), "warm");
    }

    private static CliTest.Outcome vaelab(String... args) {
        return CliTest.vaelab(args);
    }

    private static List<String> lines(String text) {
        return List.of(text.split("\r?\n"));
    }

    @Test
    void defaultTableListsEveryRunWithItsVariedKeysAndFinalMetrics() {
        CliTest.Outcome o = vaelab("runs", sweep.toString());
        assertEquals(0, o.code(), o.err());
        List<String> lines = lines(o.out());
        assertEquals(13, lines.size(), o.out());
        List<String> header = List.of(lines.get(0).trim().split("\\s+"));
        assertEquals(List.of("id", "name", "model.latent_dim", "loss.warmup.schedule", "train.seed", "status",
                "verdict", "epochs", "test_loss", "test_recon", "test_kl", "active_units", "test_loglik"), header);
        assertTrue(lines.get(12).contains("failed"), lines.get(12));
        // five significant digits in the table: 100 + 10 - 0 - 0 + 0.25 = 110.25
        assertTrue(lines.get(1).contains("110.25"), lines.get(1));
    }

    @Test
    void whereFiltersByConfigMetricAndVerdictAndSortOrders() throws IOException {
        JsonNode eight = json("--where", "model.latent_dim=8");
        assertEquals(6, eight.size());
        eight.forEach(r -> assertEquals(8, r.get("model.latent_dim").asInt()));

        JsonNode notHealthy = json("--where", "verdict!=healthy");
        // the five completed latent-32 runs are partial_collapse; the failed one has no verdict, so != keeps it
        assertEquals(6, notHealthy.size());
        notHealthy.forEach(r -> assertEquals(32, r.get("model.latent_dim").asInt()));

        JsonNode low = json("--where", "test_loss<109", "--where", "status=completed", "--sort", "-test_loss");
        List<Double> losses = new ArrayList<>();
        low.forEach(r -> losses.add(r.get("test_loss").asDouble()));
        List<Double> expected = new ArrayList<>();
        for (int latent : ReplicateSweep.LATENTS) {
            for (String s : ReplicateSweep.SCHEDULES) {
                for (long seed : ReplicateSweep.SEEDS) {
                    double l = ReplicateSweep.finalLoss(latent, s, seed);
                    boolean failed = latent == 32 && s.equals("linear") && seed == 3;
                    if (l < 109 && !failed) {
                        expected.add(l);
                    }
                }
            }
        }
        expected.sort(java.util.Comparator.reverseOrder());
        assertEquals(expected, losses);
        assertTrue(losses.size() >= 3 && losses.size() < 11, losses.toString());
    }

    @Test
    void columnsChooseAndOrderTheFields() {
        CliTest.Outcome o = vaelab("runs", sweep.toString(), "--columns", "test_loss,name,loss.beta", "--format", "csv",
                "--where", "train.seed=2", "--where", "loss.warmup.schedule=none");
        assertEquals(0, o.code(), o.err());
        assertEquals("test_loss,name,loss.beta\r\n"
                + "111.0,\"latent_dim=8,schedule=none,seed=2\",1.0\r\n"
                + "108.0,\"latent_dim=32,schedule=none,seed=2\",1.0\r\n", o.out());
    }

    @Test
    void badKeysAndExpressionsAreOneLineWithADidYouMeanAndExit2() {
        CliTest.Outcome key = vaelab("runs", sweep.toString(), "--where", "latent_dm=8");
        assertEquals(2, key.code());
        assertEquals(1, lines(key.err().strip()).size(), key.err());
        assertTrue(key.err().contains("did you mean 'model.latent_dim'"), key.err());

        CliTest.Outcome sort = vaelab("runs", sweep.toString(), "--sort", "test_los");
        assertEquals(2, sort.code());
        assertTrue(sort.err().contains("--sort: unknown key 'test_los'; did you mean 'test_loss'?"), sort.err());

        CliTest.Outcome col = vaelab("runs", sweep.toString(), "--columns", "name,verdikt");
        assertEquals(2, col.code());
        assertTrue(col.err().contains("did you mean 'verdict'"), col.err());

        CliTest.Outcome op = vaelab("runs", sweep.toString(), "--where", "test_loss~3");
        assertEquals(2, op.code());
        assertTrue(op.err().contains("OP one of = != < <= > >="), op.err());

        CliTest.Outcome words = vaelab("runs", sweep.toString(), "--where", "verdict<3");
        assertEquals(2, words.code());
        assertTrue(words.err().contains("use = or != for words"), words.err());

        CliTest.Outcome folder = vaelab("runs", tmp.resolve("nope").toString());
        assertEquals(2, folder.code());
        assertTrue(folder.err().contains("not a sweep results folder"), folder.err());
        for (CliTest.Outcome o : List.of(key, sort, col, op, words, folder)) {
            assertTrue(o.err().startsWith("vaelab: ") && !o.err().contains("\tat "), o.err());
        }
    }

    @Test
    void epochsGiveTheLongFormat() throws IOException {
        JsonNode rows = json("--epochs", "--where", "train.seed=1");
        // 4 runs with seed 1, none failed: 4 epochs each
        assertEquals(4 * ReplicateSweep.EPOCHS, rows.size());
        JsonNode first = rows.get(0);
        assertEquals(1, first.get("epoch").asInt());
        assertEquals(ReplicateSweep.loss(8, "none", 1, 1), first.get("test_loss").asDouble(), 0);
        assertEquals(0.5, first.get("beta").asDouble(), 0);
    }

    /** Several sweeps: the sweep becomes a column, and a key can be filtered on it. */
    @Test
    void severalSweepsAddTheSweepColumn() throws IOException {
        Path other = ReplicateSweep.write(tmp.resolve("results"), "warm2");
        CliTest.Outcome o = vaelab("runs", sweep.toString(), other.toString(), "--format", "json", "--where",
                "sweep=warm2");
        assertEquals(0, o.code(), o.err());
        JsonNode rows = Json.mapper().readTree(o.out());
        assertEquals(12, rows.size());
        assertEquals("warm2", rows.get(0).get("sweep").asText());
    }

    private JsonNode json(String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("runs", sweep.toString(), "--format", "json"));
        args.addAll(List.of(extra));
        CliTest.Outcome o = vaelab(args.toArray(String[]::new));
        assertEquals(0, o.code(), o.err());
        return Json.mapper().readTree(o.out());
    }

    /**
     * The CSVs as their readers meet them: Debian's python3-pandas reads the wide and the long CSV with
     * {@code pandas.read_csv} and no options; shapes, columns and values must match the run store.
     */
    @Test
    void pandasReadsTheWideAndLongCsvAsIs() throws Exception {
        assumeTrue(System.getenv("CI") != null || pandas(), "python3-pandas not installed (CI installs it)");
        CliTest.Outcome wide = vaelab("runs", sweep.toString(), "--format", "csv", "--columns",
                "id,name,model.latent_dim,loss.warmup.schedule,train.seed,status,verdict,test_loss,active_units,"
                        + "test_loglik,cause,kl_per_dim");
        CliTest.Outcome longer = vaelab("runs", sweep.toString(), "--format", "csv", "--epochs");
        assertEquals(0, wide.code(), wide.err());
        assertEquals(0, longer.code(), longer.err());
        Path w = tmp.resolve("runs.csv");
        Path l = tmp.resolve("epochs.csv");
        Files.writeString(w, wide.out(), StandardCharsets.UTF_8);
        Files.writeString(l, longer.out(), StandardCharsets.UTF_8);
        String script = String.join("\n",
                "import json, sys, pandas as pd",
                "w = pd.read_csv(sys.argv[1]); l = pd.read_csv(sys.argv[2])",
                "failed = w[w.status == 'failed'].iloc[0]",
                "g = l[l.status == 'completed'].groupby(['model.latent_dim', 'epoch'])['test_loss'].mean()",
                "print(json.dumps({",
                "  'wide_shape': list(w.shape), 'wide_columns': list(w.columns),",
                "  'long_shape': list(l.shape), 'long_columns': list(l.columns),",
                "  'dtypes': {c: str(w[c].dtype) for c in ['model.latent_dim', 'train.seed', 'test_loss', 'test_loglik']},",
                "  'loss_0': float(w.test_loss[0]), 'name_0': w.name[0], 'id_0': str(w.id[0]),",
                "  'failed_cause': failed.cause, 'failed_loglik_nan': bool(pd.isna(failed.test_loglik)),",
                "  'kl_0': json.loads(w.kl_per_dim[0]),",
                "  'mean_8_4': float(g[(8, 4)]), 'epochs_of_failed': int((l.status == 'failed').sum())}))");
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", script, w.toString(), l.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python did not finish");
        assertEquals(0, p.exitValue(), out);
        JsonNode r = Json.mapper().readTree(out);
        assertEquals("[12,12]", r.get("wide_shape").toString());
        assertEquals("[\"id\",\"name\",\"model.latent_dim\",\"loss.warmup.schedule\",\"train.seed\",\"status\","
                + "\"verdict\",\"test_loss\",\"active_units\",\"test_loglik\",\"cause\",\"kl_per_dim\"]",
                r.get("wide_columns").toString());
        // 11 completed runs x 4 epochs + the failed run's 2
        assertEquals("[46," + lines(longer.out()).get(0).split(",").length + "]", r.get("long_shape").toString());
        assertTrue(r.get("long_columns").toString().contains("\"epoch\""));
        assertEquals("int64", r.get("dtypes").get("model.latent_dim").asText());
        assertEquals("int64", r.get("dtypes").get("train.seed").asText());
        assertEquals("float64", r.get("dtypes").get("test_loss").asText());
        assertEquals("float64", r.get("dtypes").get("test_loglik").asText());
        assertEquals(ReplicateSweep.finalLoss(8, "none", 1), r.get("loss_0").asDouble(), 0);
        assertEquals("latent_dim=8,schedule=none,seed=1", r.get("name_0").asText());
        assertEquals("000000abc000", r.get("id_0").asText());
        assertEquals("OutOfMemoryError at epoch 3, \"batch 128\"\nlower train.batch_size",
                r.get("failed_cause").asText());
        assertTrue(r.get("failed_loglik_nan").asBoolean());
        assertEquals(8, r.get("kl_0").size());
        double mean = (ReplicateSweep.loss(8, "none", 1, 4) + ReplicateSweep.loss(8, "none", 2, 4)
                + ReplicateSweep.loss(8, "none", 3, 4) + ReplicateSweep.loss(8, "linear", 1, 4)
                + ReplicateSweep.loss(8, "linear", 2, 4) + ReplicateSweep.loss(8, "linear", 3, 4)) / 6;
        assertEquals(mean, r.get("mean_8_4").asDouble(), 1e-9);
        assertEquals(2, r.get("epochs_of_failed").asInt());
    }

    private static boolean pandas() {
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import pandas").redirectErrorStream(true).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
