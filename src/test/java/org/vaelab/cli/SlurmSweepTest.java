package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.slurm.Submission;
import org.vaelab.slurm.SubmissionStore;
import org.vaelab.tracking.Json;

/**
 * {@code vaelab submit} against a real Slurm (never a mock): the single-node cluster {@code .ci/slurm-up}
 * starts on this machine (CI starts it before the slow tests). Each test submits from a separate JVM with the
 * test class path, so the batch scripts start the tasks the same way; data is synthetic IDX, as in the other
 * slow command-line tests. Jobs a test leaves behind are cancelled after it.
 */
@Tag("slow")
class SlurmSweepTest {
    private static final Pattern ARRAY = Pattern.compile("job array (\\d+) \\(tasks [^)]*\\), report job (\\d+)");

    @TempDir
    Path tmp;

    @BeforeEach
    void needsTheLocalCluster() throws Exception {
        String state = command(List.of("sinfo", "-h", "-o", "%T"));
        if (state == null || !(state.contains("idle") || state.contains("mixed") || state.contains("allocated"))) {
            fail("no Slurm node ready (sinfo says '" + state + "'); start the local cluster with .ci/slurm-up (as"
                    + " root) and stop it afterwards with .ci/slurm-down");
        }
    }

    @AfterEach
    void cancelWhatIsLeft() throws Exception {
        try (Stream<Path> s = Files.walk(tmp)) {
            for (Path f : s.filter(p -> p.getFileName().toString().equals("submissions.jsonl")).toList()) {
                for (Submission sub : new SubmissionStore(f.getParent()).read()) {
                    command(List.of("scancel", sub.arrayJob(), sub.reportJob()));
                }
            }
        }
        // a task's files must not be written into a temporary folder JUnit is deleting
        Thread.sleep(1000);
    }

    @Test
    void aSubmittedSweepTrainsEveryRunOnceWithTheMetricsOfRunAndItsReport() throws Exception {
        Path data = CliProcess.writeData(tmp.resolve("idx"), 500, 100);
        Path spec = tmp.resolve("four.yaml");
        Files.writeString(spec, """
                name: four
                dataset: {name: idx, path: %s}
                model: {hidden: [32]}
                train: {epochs: 2, batch_size: 50}
                eval: {loglik_samples: 20, loglik_subset: 50}
                sweep:
                  grid: {model.latent_dim: [2, 3, 4, 5]}
                """.formatted(data));
        Path logs = tmp.resolve("logs");
        CliProcess ref = CliProcess.start(logs, "run", "run", spec.toString(), "--workers", "2", "--results",
                tmp.resolve("ref-results").toString(), "--reports", tmp.resolve("ref-reports").toString());
        assertEquals(ExitCodes.OK, ref.waitFor(600), ref.out() + ref.err());

        Path results = tmp.resolve("results");
        String[] submit = {"submit", spec.toString(), "--results", results.toString(), "--reports",
                tmp.resolve("reports").toString(), "--max-parallel", "2", "--mem-per-run", "2G", "--time", "00:10:00",
                "--wait"};
        CliProcess p = CliProcess.start(logs, "submit", submit);
        assertEquals(ExitCodes.OK, p.waitFor(900), p.out() + p.err());
        assertFalse(p.err().contains("Exception"), p.err());
        Matcher m = ARRAY.matcher(p.out());
        assertTrue(m.find(), p.out());
        String arrayJob = m.group(1);

        Path sweep = results.resolve("four");
        Path refSweep = tmp.resolve("ref-results/four");
        Map<String, List<Integer>> epochs = epochsByRun(sweep);
        assertEquals(epochsByRun(refSweep).keySet(), epochs.keySet(), "the same runs as run");
        assertEquals(4, epochs.size());
        for (String id : epochs.keySet()) {
            assertEquals(List.of(1, 2), epochs.get(id), "run " + id + ": each epoch once");
            assertEquals(timeless(refSweep.resolve(id)), timeless(sweep.resolve(id)), "run " + id + ": run's metrics");
            JsonNode a = Json.mapper().readTree(refSweep.resolve(id).resolve("summary.json").toFile());
            JsonNode b = Json.mapper().readTree(sweep.resolve(id).resolve("summary.json").toFile());
            for (String k : List.of("status", "epochs_completed", "verdict", "active_units", "test_loglik")) {
                assertEquals(a.get(k), b.get(k), "run " + id + ": summary " + k);
            }
            assertEquals("completed", b.get("status").asText());
            JsonNode slurm = Json.mapper().readTree(sweep.resolve(id).resolve("provenance.json").toFile()).get("slurm");
            assertNotNull(slurm, "run " + id + ": provenance names its Slurm job");
            assertEquals(arrayJob, slurm.get("array_job_id").asText());
            assertEquals(b.get("index").asText(), slurm.get("array_task_id").asText(), "task id = run index");
            assertFalse(slurm.get("node").asText().isBlank());
            Path log = sweep.resolve("slurm/logs/" + arrayJob + "_" + b.get("index").asInt() + ".log");
            assertTrue(Files.readString(log).contains("completed "), "the task's log: " + log);
        }
        assertTrue(Files.exists(tmp.resolve("reports/four/index.html")), "the report job rendered the report");
        assertTrue(Files.exists(sweep.resolve("slurm/train.sbatch")));
        assertTrue(Files.exists(sweep.resolve("slurm/report.sbatch")));
        List<Submission> subs = new SubmissionStore(sweep.resolve("slurm")).read();
        assertEquals(1, subs.size());
        assertEquals(List.of(0, 1, 2, 3), subs.get(0).indices());

        String status = CliTest.vaelab("status", sweep.toString()).out();
        assertTrue(status.startsWith("sweep four: 4 runs: 4 completed"), status);
        for (int i = 0; i < 4; i++) {
            assertTrue(status.contains(arrayJob + "_" + i + " COMPLETED"), status);
        }

        // Submitting a finished sweep again submits nothing.
        CliProcess again = CliProcess.start(logs, "again", submit);
        assertEquals(ExitCodes.OK, again.waitFor(300), again.out() + again.err());
        assertTrue(again.out().contains("all 4 runs are finished"), again.out());
        assertEquals(1, new SubmissionStore(sweep.resolve("slurm")).read().size());
    }

    @Test
    void tasksCancelledMidRunAreShownInterruptedAndASecondSubmitFinishesEachEpochOnce() throws Exception {
        Path data = CliProcess.writeData(tmp.resolve("idx"), 4000, 200, 28);
        Path spec = tmp.resolve("cancelled.yaml");
        Files.writeString(spec, """
                name: cancelled
                dataset: {name: idx, path: %s}
                model: {hidden: [128]}
                train: {epochs: 8, batch_size: 50}
                eval: {loglik_samples: 10, loglik_subset: 50}
                sweep:
                  grid: {model.latent_dim: [2, 3]}
                """.formatted(data));
        Path logs = tmp.resolve("logs");
        Path results = tmp.resolve("results");
        Path sweep = results.resolve("cancelled");
        // One task at a time, so that both runs still have a live task when the sweep is submitted again.
        String[] submit = {"submit", spec.toString(), "--results", results.toString(), "--reports",
                tmp.resolve("reports").toString(), "--mem-per-run", "2G", "--max-parallel", "1"};
        CliProcess first = CliProcess.start(logs, "first", submit);
        assertEquals(ExitCodes.OK, first.waitFor(300), first.out() + first.err());
        Matcher m = ARRAY.matcher(first.out());
        assertTrue(m.find(), first.out());
        String arrayJob = m.group(1);

        // While the tasks live, submitting again submits nothing: each run has its task.
        CliProcess twice = CliProcess.start(logs, "twice", submit);
        assertEquals(ExitCodes.OK, twice.waitFor(300), twice.out() + twice.err());
        assertTrue(Pattern.compile("[12] runs still have a task of an earlier submission").matcher(twice.out()).find(),
                twice.out());
        assertTrue(twice.out().contains("nothing new to submit"), twice.out());
        assertEquals(1, new SubmissionStore(sweep.resolve("slurm")).read().size());

        // scancel once some run has recorded two epochs and is not finished
        long until = System.nanoTime() + 600_000_000_000L;
        while (epochsByRun(sweep).values().stream().noneMatch(e -> e.size() >= 2 && e.size() < 8)) {
            if (System.nanoTime() > until) {
                fail("no run reached epoch 2 within 10 min: " + epochsByRun(sweep));
            }
            Thread.sleep(100);
        }
        command(List.of("scancel", arrayJob));
        until = System.nanoTime() + 120_000_000_000L;
        while (!String.valueOf(command(List.of("squeue", "-h", "-j", arrayJob, "-o", "%T"))).isBlank()
                && command(List.of("squeue", "-h", "-j", arrayJob, "-o", "%T")) != null) {
            if (System.nanoTime() > until) {
                fail("tasks of " + arrayJob + " still alive 2 min after scancel");
            }
            Thread.sleep(500);
        }
        Map<String, List<Integer>> before = epochsByRun(sweep);
        String status = CliTest.vaelab("status", sweep.toString()).out();
        assertTrue(status.contains("interrupted"), "a cancelled run is shown as interrupted:\n" + status);
        assertFalse(status.contains(" running "), "no run is shown as running after its task died:\n" + status);
        assertTrue(status.contains("CANCELLED"), status);

        List<String> withWait = new ArrayList<>(List.of(submit));
        withWait.add("--wait");
        CliProcess second = CliProcess.start(logs, "second", withWait.toArray(String[]::new));
        assertEquals(ExitCodes.OK, second.waitFor(900), second.out() + second.err());
        Map<String, List<Integer>> after = epochsByRun(sweep);
        assertEquals(2, after.size());
        for (Map.Entry<String, List<Integer>> e : after.entrySet()) {
            assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8), e.getValue(), "run " + e.getKey() + ": each epoch once");
            JsonNode s = Json.mapper().readTree(sweep.resolve(e.getKey()).resolve("summary.json").toFile());
            assertEquals("completed", s.get("status").asText());
        }
        List<Submission> subs = new SubmissionStore(sweep.resolve("slurm")).read();
        assertEquals(2, subs.size());
        long doneBefore = before.values().stream().filter(e -> e.size() == 8).count();
        assertEquals(2 - doneBefore, subs.get(1).indices().size(), "the second submit skips completed runs: "
                + before);
        System.out.println("SlurmSweepTest: epochs recorded when the array was cancelled: " + before);
    }

    @Test
    void aRunLongerThanItsTimeLimitFinishesAcrossRequeuesWithEachEpochOnce() throws Exception {
        // About three minutes of training on one core of the shared 2-core machine (36 epochs of 24,000
        // images measured 75 s; this is twice that), against a one-minute limit.
        int epochs = 36;
        Path data = CliProcess.writeData(tmp.resolve("idx"), 48000, 200, 28);
        Path spec = tmp.resolve("long.yaml");
        Files.writeString(spec, """
                name: long
                dataset: {name: idx, path: %s}
                model: {hidden: [256], latent_dim: 4}
                train: {epochs: %d, batch_size: 100}
                eval: {loglik_samples: 10, loglik_subset: 50}
                """.formatted(data, epochs));
        Path results = tmp.resolve("results");
        CliProcess p = CliProcess.start(tmp.resolve("logs"), "submit", "submit", spec.toString(), "--results",
                results.toString(), "--reports", tmp.resolve("reports").toString(), "--time", "00:01:00",
                "--max-requeues", "40", "--mem-per-run", "2G", "--wait");
        assertEquals(ExitCodes.OK, p.waitFor(1800), p.out() + p.err());
        Path sweep = results.resolve("long");
        Map<String, List<Integer>> e = epochsByRun(sweep);
        assertEquals(1, e.size());
        String id = e.keySet().iterator().next();
        List<Integer> expected = new ArrayList<>();
        for (int i = 1; i <= epochs; i++) {
            expected.add(i);
        }
        assertEquals(expected, e.get(id), "each epoch once, across the requeues");
        JsonNode prov = Json.mapper().readTree(sweep.resolve(id).resolve("provenance.json").toFile());
        int restarts = prov.get("slurm").get("restart_count").asInt();
        assertTrue(restarts >= 2, "the task was requeued at least twice (restart_count " + restarts + ")");
        String log;
        try (Stream<Path> s = Files.list(sweep.resolve("slurm/logs"))) {
            Path f = s.filter(x -> x.getFileName().toString().endsWith("_0.log")).findFirst().orElseThrow();
            log = Files.readString(f);
        }
        assertEquals(restarts, Pattern.compile("requeueing it").matcher(log).results().count(), log);
        assertTrue(log.contains("stopped after epoch"), log);
        assertEquals("completed", Json.mapper().readTree(sweep.resolve(id).resolve("summary.json").toFile())
                .get("status").asText());
        double epochSeconds = 0;
        for (String line : Files.readAllLines(sweep.resolve(id).resolve("metrics.jsonl"))) {
            epochSeconds += Json.mapper().readTree(line).get("epoch_seconds").asDouble();
        }
        System.out.printf("SlurmSweepTest: %d epochs, %.0f s of training, %d requeues%n", epochs, epochSeconds,
                restarts);
    }

    /** Run id to its epochs in metrics.jsonl, in file order (folders other than runs, like slurm/, left out). */
    static Map<String, List<Integer>> epochsByRun(Path sweepDir) throws IOException {
        Map<String, List<Integer>> out = new TreeMap<>(CliProcess.epochsByRun(sweepDir));
        out.keySet().removeIf(k -> !Files.exists(sweepDir.resolve(k).resolve("summary.json")));
        return out;
    }

    /** metrics.jsonl without its wall-clock fields. */
    static List<JsonNode> timeless(Path runDir) throws IOException {
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

    /** A command's stdout, or null if it could not run or failed. */
    static String command(List<String> cmd) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            return out;
        } catch (IOException e) {
            return null;
        }
    }
}
