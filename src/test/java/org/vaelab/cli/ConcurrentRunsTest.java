package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.tracking.Json;

/**
 * Someone starts the same sweep twice: two `vaelab run` processes on one results folder at the same moment.
 * Both must end with exit code 0 and every run completed, and no run may be trained twice: every "epoch k/E"
 * line of every run appears exactly once across the two processes' output. And a worker process whose
 * `vaelab run` parent is killed alone stops too, instead of training on unseen.
 */
@Tag("slow")
class ConcurrentRunsTest {
    /** The single-worker progress line of a finished epoch: "run 2/4 latent_dim=3 epoch 1/2: train ...". */
    private static final Pattern EPOCH = Pattern.compile("run \\d+/\\d+ (\\S+) epoch (\\d+)/(\\d+): train ");

    @TempDir
    Path tmp;

    private Path spec(String name, int epochs) throws IOException {
        Path data = CliProcess.writeData(tmp.resolve("idx"), 300, 100);
        Path f = tmp.resolve(name + ".yaml");
        Files.writeString(f, """
                name: %s
                dataset: {name: idx, path: %s}
                model: {hidden: [16]}
                train: {epochs: %d, batch_size: 50}
                eval: {loglik_samples: 5, loglik_subset: 20}
                sweep:
                  grid: {model.latent_dim: [2, 3, 4, 5]}
                """.formatted(name, data, epochs));
        return f;
    }

    @Test
    void twoRunCommandsOnOneResultsFolderTrainEveryRunOnce() throws Exception {
        Path spec = spec("twice", 2);
        String[] command = {"run", spec.toString(), "--workers", "1", "--results", tmp.resolve("results").toString(),
                "--reports", tmp.resolve("reports").toString()};
        CliProcess a = CliProcess.start(tmp.resolve("logs"), "a", command);
        CliProcess b = CliProcess.start(tmp.resolve("logs"), "b", command);
        int codeA = a.waitFor(600);
        int codeB = b.waitFor(600);
        String both = a.out() + b.out();
        assertEquals(ExitCodes.OK, codeA, a.out() + a.err());
        assertEquals(ExitCodes.OK, codeB, b.out() + b.err());

        // (run name, epoch) -> how many times it was trained, over both processes
        Map<String, Integer> trained = new TreeMap<>();
        Map<String, Integer> byProcess = new TreeMap<>();
        for (CliProcess p : List.of(a, b)) {
            Matcher m = EPOCH.matcher(p.out());
            while (m.find()) {
                trained.merge(m.group(1) + " epoch " + m.group(2), 1, Integer::sum);
                byProcess.merge(p == a ? "a" : "b", 1, Integer::sum);
            }
        }
        assertEquals(8, trained.size(), "4 runs x 2 epochs trained: " + trained + "\n" + both);
        for (Map.Entry<String, Integer> e : trained.entrySet()) {
            assertEquals(1, e.getValue(), e.getKey() + " trained more than once:\n" + both);
        }
        assertTrue(both.contains("being trained by another process"),
                "the two processes met on a run (otherwise this test proved nothing):\n" + both);
        System.out.println("ConcurrentRunsTest: epochs trained by each process " + byProcess);

        Path sweep = tmp.resolve("results/twice");
        JsonNode index = Json.mapper().readTree(sweep.resolve("index.json").toFile());
        assertEquals(4, index.get("runs").size());
        for (JsonNode r : index.get("runs")) {
            assertEquals("completed", r.get("status").asText(), r.toString());
        }
        for (Map.Entry<String, List<Integer>> e : CliProcess.epochsByRun(sweep).entrySet()) {
            assertEquals(List.of(1, 2), e.getValue(), "run " + e.getKey());
        }
        CliProcess.assertAllJsonParses(tmp.resolve("results"), "after both finished");
    }

    @Test
    void workersStopWhenTheirParentIsKilledAlone() throws Exception {
        Path spec = spec("orphans", 200); // long enough to be running when the parent dies
        CliProcess p = CliProcess.start(tmp.resolve("logs"), "parent", "run", spec.toString(), "--workers", "2",
                "--results", tmp.resolve("results").toString(), "--reports", tmp.resolve("reports").toString());
        try {
            // wait until both workers train
            long until = System.nanoTime() + 300_000_000_000L;
            while (!(p.out().contains("[w1] run ") && p.out().contains("[w2] run "))) {
                if (!p.process.isAlive() || System.nanoTime() > until) {
                    fail("workers did not start:\n" + p.out() + p.err());
                }
                Thread.sleep(100);
            }
            List<ProcessHandle> workers = p.process.toHandle().children().toList();
            assertEquals(2, workers.size(), "two worker processes");
            p.process.destroyForcibly(); // kill -9 of the parent only
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (workers.stream().anyMatch(ProcessHandle::isAlive)) {
                if (System.nanoTime() > deadline) {
                    fail("workers still alive 10 s after their parent was killed: " + workers);
                }
                Thread.sleep(100);
            }
            assertFalse(p.process.isAlive());
        } finally {
            p.killGroup();
        }
    }
}
