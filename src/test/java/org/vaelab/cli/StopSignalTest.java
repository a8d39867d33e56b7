package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vaelab.tracking.Json;

/**
 * SIGINT (to the process, and to its group as Ctrl-C sends it) and SIGTERM through the real command line (issue 14): a clean stop that records the run in progress
 * as interrupted in summary.json and index.json alike, says how to resume, exits 130/143, and the same command
 * then resumes the run with times that cover all of its training.
 */
@Tag("slow")
class StopSignalTest {
    private static final int EPOCHS = 60;

    @TempDir
    Path tmp;

    /**
     * @param group the signal goes to the whole process group, as Ctrl-C in a terminal sends it (the workers get
     *              it too, and then their parent's SIGTERM), else to the `vaelab run` process alone
     */
    @ParameterizedTest(name = "{0} with {1} worker(s), to the group: {3}")
    @CsvSource({"INT, 1, 130, false", "INT, 2, 130, true", "TERM, 2, 143, false"})
    void aStopSignalRecordsTheRunAsInterruptedSaysHowToResumeAndExits(String signal, int workers, int code,
                                                                       boolean group) throws Exception {
        Path data = CliProcess.writeData(tmp.resolve("idx"), 300, 50);
        Path spec = tmp.resolve("stopped.yaml");
        Files.writeString(spec, """
                name: stopped
                dataset: {name: idx, path: %s}
                model: {hidden: [32]}
                train: {epochs: %d, batch_size: 20}
                eval: {loglik_samples: 5, loglik_subset: 20}
                sweep:
                  grid: {model.latent_dim: [2, 3]}
                """.formatted(data, EPOCHS));
        Path results = tmp.resolve("results");
        String[] args = {"run", spec.toString(), "--workers", Integer.toString(workers), "--results",
                results.toString(), "--reports", tmp.resolve("reports").toString()};
        Path sweep = results.resolve("stopped");
        CliProcess p = CliProcess.start(tmp.resolve("logs"), "first", args);
        // Wait until some run has two epochs recorded, then signal the `vaelab run` process alone.
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (CliProcess.epochsByRun(sweep).values().stream().noneMatch(e -> e.size() >= 2)) {
            if (System.nanoTime() > deadline || !p.process.isAlive()) {
                p.killGroup();
                fail("no run reached epoch 2: " + p.out() + p.err());
            }
            Thread.sleep(100);
        }
        new ProcessBuilder("kill", "-" + signal, "--", (group ? "-" : "") + p.pid()).start().waitFor();
        assertEquals(code, p.waitFor(120), p.out() + p.err());
        String out = p.out();
        assertTrue(out.contains("stopped by SIG" + signal), out);
        assertTrue(out.contains("resume from their last checkpoint with: vaelab run " + spec), out);
        assertFalse(p.err().contains("Exception"), p.err());

        // One truth: each run's summary and its index.json entry agree, and some run is interrupted.
        JsonNode index = Json.mapper().readTree(sweep.resolve("index.json").toFile());
        int interrupted = 0;
        for (JsonNode r : index.get("runs")) {
            JsonNode s = Json.mapper().readTree(sweep.resolve(r.get("id").asText()).resolve("summary.json").toFile());
            assertEquals(s.get("status").asText(), r.get("status").asText(), r.toString());
            assertEquals(s.path("epochs_completed").asInt(), r.get("epochs_completed").asInt(), r.toString());
            assertTrue(List.of("interrupted", "pending", "completed").contains(s.get("status").asText()),
                    s.toString());
            if (s.get("status").asText().equals("interrupted")) {
                interrupted++;
                // A worker signalled with its whole group gets the terminal's signal and its parent's SIGTERM;
                // it records whichever came first (seen both ways on CI).
                String cause = s.get("cause").asText();
                assertTrue(cause.contains("SIG" + signal) || (group && cause.contains("SIGTERM")), s.toString());
                assertTrue(s.get("seconds").asDouble() > 0, s.toString());
            }
        }
        assertTrue(interrupted >= 1, index.toString());
        Map<String, List<Integer>> before = CliProcess.epochsByRun(sweep);
        Map<String, JsonNode> firstSummaries = new java.util.HashMap<>();
        for (String id : before.keySet()) {
            firstSummaries.put(id, Json.mapper().readTree(sweep.resolve(id).resolve("summary.json").toFile()));
        }

        // The same command resumes and finishes; a resumed run's times cover its first attempt too.
        CliProcess again = CliProcess.start(tmp.resolve("logs"), "again", args);
        assertEquals(ExitCodes.OK, again.waitFor(600), again.out() + again.err());
        for (Map.Entry<String, List<Integer>> e : CliProcess.epochsByRun(sweep).entrySet()) {
            CliProcess.assertEpochPrefix(e.getValue(), EPOCHS, e.getKey());
            assertEquals(EPOCHS, e.getValue().size(), e.getKey());
            JsonNode first = firstSummaries.get(e.getKey());
            if (first != null && first.get("status").asText().equals("interrupted")) {
                JsonNode end = Json.mapper().readTree(sweep.resolve(e.getKey()).resolve("summary.json").toFile());
                assertEquals("completed", end.get("status").asText());
                assertEquals(first.get("started").asText(), end.get("started").asText(), "first start kept");
                assertTrue(end.get("seconds").asDouble() > first.get("seconds").asDouble(), end.toString());
                double spanned = java.time.Duration.between(Instant.parse(end.get("started").asText()),
                        Instant.parse(end.get("finished").asText())).toMillis() / 1000.0;
                assertTrue(spanned + 1 >= end.get("seconds").asDouble(), "started..finished covers the training");
            }
        }
    }
}
