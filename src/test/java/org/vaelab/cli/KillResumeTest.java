package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vaelab.cli.CliProcess.assertAllJsonParses;
import static org.vaelab.cli.CliProcess.assertEpochPrefix;
import static org.vaelab.cli.CliProcess.epochsByRun;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.tracking.Json;

/**
 * The "kill -9 at any moment" through the real command line: a 4-run sweep with two worker processes
 * is killed (parent and workers in one signal) at random moments, started again with the same command, killed
 * again, and so on, then allowed to finish. A reader polls every JSON file while the processes run and after
 * each kill. At the end every run must be completed with epochs 1..E exactly once, and its metrics, verdict
 * and log-likelihood must equal those of the same sweep run once without interruption in another folder.
 *
 * <p>The moments come from a seeded Random; the seed is printed, and {@code -Dvaelab.killSeed=S} replays the
 * choices ({@code -Dvaelab.kills=N} changes the number of kills); the machine's timing still varies. A JVM
 * start with ND4J takes several seconds on a loaded machine, longer than an epoch of this sweep, so a third of
 * the kills come at a uniform time up to the uninterrupted sweep's wall time (mostly start-up and planning)
 * and the rest within 1.5 epochs' time after the attempt's first finished epoch (training, checkpoints,
 * end-of-run diagnostics, pictures, the report). An attempt that finishes before two kills have landed sends
 * the following attempts to fresh folders, so that a lucky fast attempt cannot leave nothing to kill.
 */
@Tag("slow")
class KillResumeTest {
    private static final int RUNS = 4;
    private static final int EPOCHS = 4;
    /** A worker's line for a finished epoch, e.g. "[w1] run 1/3 latent_dim=2 epoch 1/4: train ...". */
    private static final Pattern EPOCH_LINE = Pattern.compile(" epoch \\d+/\\d+: train ");

    @TempDir
    Path tmp;

    @Test
    void killNineAtRandomMomentsThenTheSameCommandFinishesWithTheUninterruptedResults() throws Exception {
        long seed = Long.getLong("vaelab.killSeed", new Random().nextLong());
        int kills = Integer.getInteger("vaelab.kills", 8);
        System.out.println("KillResumeTest: seed " + seed + " (replay with -Dvaelab.killSeed=" + seed + "), "
                + kills + " kills");
        Random random = new Random(seed);

        Path data = CliProcess.writeData(tmp.resolve("idx"), 500, 100);
        Path spec = tmp.resolve("killed.yaml");
        Files.writeString(spec, """
                name: killed
                dataset: {name: idx, path: %s}
                model: {hidden: [32]}
                train: {epochs: %d, batch_size: 50}
                eval: {loglik_samples: 20, loglik_subset: 50}
                sweep:
                  grid: {model.latent_dim: [2, 3, 4, 5]}
                """.formatted(data, EPOCHS));
        Path logs = tmp.resolve("logs");

        // The uninterrupted sweep, in its own folders: the answer the killed one must reach.
        long t0 = System.nanoTime();
        CliProcess ref = CliProcess.start(logs, "reference", "run", spec.toString(), "--workers", "2",
                "--results", tmp.resolve("ref-results").toString(), "--reports", tmp.resolve("ref-reports").toString());
        assertEquals(ExitCodes.OK, ref.waitFor(900), ref.out() + ref.err());
        double wall = (System.nanoTime() - t0) / 1e9;
        Path refSweep = tmp.resolve("ref-results/killed");

        Path results = tmp.resolve("results");
        String[] command = killedCommand(spec, results, tmp.resolve("reports"));
        Path sweep = results.resolve("killed");
        int killed = 0;
        int fresh = 0;
        List<String> timeline = new ArrayList<>();
        double epochSeconds = meanEpochSeconds(refSweep);
        for (int i = 1; i <= kills; i++) {
            CliProcess p = CliProcess.start(logs, "attempt-" + i, command);
            AtomicReference<String> torn = new AtomicReference<>();
            Thread reader = pollWhileAlive(p, results, torn);
            long start = System.nanoTime();
            String when;
            boolean ended;
            if (random.nextInt(3) == 0) {
                // anywhere from start-up to near the end (the uninterrupted sweep's wall time includes a
                // cold start; a warm attempt can be faster, and a kill after its end tests nothing)
                double delay = 0.5 + random.nextDouble() * 0.8 * wall;
                ended = p.process.waitFor((long) (delay * 1000), TimeUnit.MILLISECONDS);
                when = String.format(Locale.ROOT, "%.1f s after start", delay);
            } else {
                // once this attempt trains (start-up alone takes several seconds here), within about an epoch:
                // inside an epoch, a checkpoint, the end-of-run diagnostics, pictures or the report
                ended = !waitForOutput(p, EPOCH_LINE);
                double delay = random.nextDouble() * 1.5 * epochSeconds;
                ended = ended || p.process.waitFor((long) (delay * 1000), TimeUnit.MILLISECONDS);
                when = String.format(Locale.ROOT, "%.1f s after its first epoch (%.1f s after start)", delay,
                        (System.nanoTime() - start) / 1e9);
            }
            if (!ended) {
                p.killGroup();
                killed++;
            }
            reader.join();
            int recorded = epochsByRun(sweep).values().stream().mapToInt(List::size).sum();
            timeline.add(String.format(Locale.ROOT, "attempt %d: %s, %d of %d epochs recorded", i,
                    ended ? "finished" : "killed " + when, recorded, RUNS * EPOCHS));
            assertNull(torn.get(), "a reader saw a torn file during attempt " + i);
            assertAllJsonParses(results, "after attempt " + i);
            for (Map.Entry<String, List<Integer>> e : epochsByRun(sweep).entrySet()) {
                assertEpochPrefix(e.getValue(), EPOCHS, "after attempt " + i + ", run " + e.getKey());
            }
            if (ended) {
                assertEquals(ExitCodes.OK, p.process.exitValue(), p.out() + p.err());
                if (i < kills && killed < 2) {
                    // The sweep finished before enough kills landed: later attempts would only find it done,
                    // so the rest start over in fresh folders (the final comparison uses the last ones).
                    fresh++;
                    results = tmp.resolve("results-" + fresh);
                    command = killedCommand(spec, results, tmp.resolve("reports-" + fresh));
                    sweep = results.resolve("killed");
                    timeline.add("(a fresh results folder from here on)");
                }
            }
        }
        System.out.println("KillResumeTest: uninterrupted sweep " + String.format(Locale.ROOT, "%.1f", wall)
                + " s; " + String.join("; ", timeline).replace("; ", "\n  "));
        assertTrue(killed >= 2, "attempts were killed before they finished: " + timeline);

        CliProcess last = CliProcess.start(logs, "final", command);
        assertEquals(ExitCodes.OK, last.waitFor(Math.max(180, (long) (5 * wall))), last.out() + last.err());
        assertFalse(last.err().contains("Exception"), last.err());

        Map<String, List<Integer>> epochs = epochsByRun(sweep);
        assertEquals(epochsByRun(refSweep).keySet(), epochs.keySet(), "the same runs");
        assertEquals(RUNS, epochs.size());
        for (Map.Entry<String, List<Integer>> e : epochs.entrySet()) {
            String id = e.getKey();
            assertEquals(List.of(1, 2, 3, 4), e.getValue(), "run " + id + ": each epoch exactly once, in order");
            assertEquals(timeless(refSweep.resolve(id)), timeless(sweep.resolve(id)),
                    "run " + id + ": the metrics of the uninterrupted run");
            JsonNode a = Json.mapper().readTree(refSweep.resolve(id).resolve("summary.json").toFile());
            JsonNode b = Json.mapper().readTree(sweep.resolve(id).resolve("summary.json").toFile());
            assertEquals("completed", b.get("status").asText());
            for (String k : List.of("status", "epochs_completed", "verdict", "active_units", "inactive_dims",
                    "timeline", "test_loglik")) {
                assertEquals(a.get(k), b.get(k), "run " + id + ": summary " + k);
            }
        }
        try (Stream<Path> s = Files.walk(results)) {
            List<Path> leftovers = s.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList();
            assertEquals(List.of(), leftovers, "temporary files of interrupted writes are cleaned up");
        }
    }

    private static String[] killedCommand(Path spec, Path results, Path reports) {
        return new String[] {"run", spec.toString(), "--workers", "2", "--results", results.toString(),
                "--reports", reports.toString()};
    }

    /** Waits until {@code p}'s output has a line matching {@code line}; false if it ended first. */
    private static boolean waitForOutput(CliProcess p, Pattern line) throws IOException, InterruptedException {
        while (true) {
            if (line.matcher(p.out()).find()) {
                return true;
            }
            if (!p.process.isAlive()) {
                return false;
            }
            Thread.sleep(20);
        }
    }

    private static double meanEpochSeconds(Path sweep) throws IOException {
        double sum = 0;
        int n = 0;
        try (Stream<Path> s = Files.list(sweep)) {
            for (Path d : s.filter(Files::isDirectory).toList()) {
                for (String line : Files.readAllLines(d.resolve("metrics.jsonl"), StandardCharsets.UTF_8)) {
                    sum += Json.mapper().readTree(line).get("epoch_seconds").asDouble();
                    n++;
                }
            }
        }
        return sum / n;
    }

    /** Reads every JSON file under {@code results} every 50 ms while {@code p} runs; the first torn one goes to torn. */
    private static Thread pollWhileAlive(CliProcess p, Path results, AtomicReference<String> torn) {
        Thread t = new Thread(() -> {
            while (p.process.isAlive() && torn.get() == null) {
                try {
                    assertAllJsonParses(results, "while running");
                    Thread.sleep(50);
                } catch (AssertionError e) {
                    torn.set(e.getMessage());
                } catch (IOException | RuntimeException e) {
                    // a folder appearing or vanishing mid-listing: not a torn file, look again
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "json-reader");
        t.start();
        return t;
    }

    /** metrics.jsonl without its wall-clock fields. */
    private static List<JsonNode> timeless(Path runDir) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"), StandardCharsets.UTF_8)) {
            ObjectNode n = (ObjectNode) Json.mapper().readTree(line);
            n.remove("epoch_seconds");
            n.remove("train_samples_per_second");
            n.remove("eval_seconds");
            n.remove("diagnostics_seconds");
            out.add(n);
        }
        return out;
    }
}
