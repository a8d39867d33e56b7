package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vaelab.tracking.Json;

/**
 * A worker that dies, through the real command line (issue 13, point 2): a 3-run sweep whose second run's
 * worker process is killed from outside (SIGKILL: retried once, completes), crashes in native code (a real
 * SIGSEGV: failed with the JVM's crash file in its folder, the other runs complete, exit 1), or exhausts its
 * Java heap (failed with the heap and the fix). One worker, as {@code --workers 1} trains in a child process
 * too, so the sweep survives it.
 */
@Tag("slow")
class WorkerDeathsTest {
    @TempDir
    Path tmp;

    private Path spec(String name, String model, String train) throws IOException {
        Path data = CliProcess.writeData(tmp.resolve("idx"), 2000, 200);
        Path f = tmp.resolve(name + ".yaml");
        Files.writeString(f, """
                name: %s
                dataset: {name: idx, path: %s}
                model: %s
                train: %s
                eval: {loglik_samples: 5, loglik_subset: 20}
                sweep:
                  grid: {model.latent_dim: [2, 3, 4]}
                """.formatted(name, data, model, train));
        return f;
    }

    private String[] command(Path spec, int workers) {
        return new String[] {"run", spec.toString(), "--workers", Integer.toString(workers), "--results",
            tmp.resolve("results").toString(), "--reports", tmp.resolve("reports").toString()};
    }

    /** Summaries of the sweep by run index. */
    private Map<Integer, JsonNode> summaries(String sweep) throws IOException {
        Map<Integer, JsonNode> out = new TreeMap<>();
        Path dir = tmp.resolve("results").resolve(sweep);
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path d : s.filter(Files::isDirectory).toList()) {
                Path f = d.resolve("summary.json");
                if (Files.exists(f)) {
                    try {
                        JsonNode n = Json.mapper().readTree(f.toFile());
                        out.put(n.get("index").asInt(), n);
                    } catch (IOException e) {
                        // replaced meanwhile: look again next time
                    }
                }
            }
        }
        return out;
    }

    private Path runDir(String sweep, int index) throws IOException {
        return tmp.resolve("results").resolve(sweep).resolve(summaries(sweep).get(index).get("id").asText());
    }

    /**
     * Waits until run {@code index} is training (its summary says running and its lock names {@code p} or a
     * live worker of it) and an epoch of it is recorded, then sends {@code signal} to that worker; returns its pid.
     */
    private long signalWorkerOf(CliProcess p, String sweep, int index, String signal) throws Exception {
        return signalWorkerOf(p, sweep, index, signal, -1);
    }

    /** As above, but never process {@code notPid} (a worker signalled before, perhaps not yet reaped). */
    private long signalWorkerOf(CliProcess p, String sweep, int index, String signal, long notPid)
            throws Exception {
        long until = System.nanoTime() + 300_000_000_000L;
        while (System.nanoTime() < until) {
            if (!p.process.isAlive()) {
                fail("vaelab ended before run " + index + " trained: " + p.out() + p.err());
            }
            JsonNode s = summaries(sweep).get(index);
            if (s != null && s.get("status").asText().equals("running") && s.get("epochs_completed").asInt() >= 1) {
                Path dir = runDir(sweep, index);
                // a worker taking the lock writes its pid just after creating the file: read again until it is there
                String held = Files.exists(dir.resolve("run.lock")) ? Files.readString(dir.resolve("run.lock")).strip()
                        : "";
                if (!held.matches("[0-9]+")) {
                    Thread.sleep(20);
                    continue;
                }
                long pid = Long.parseLong(held);
                // vaelab itself counts: a sweep that trained in its own process would die with its run
                // (until a worker died: then vaelab itself takes the lock for a moment to record the death)
                boolean ours = pid != notPid && (pid == p.pid() && notPid < 0
                        || p.process.descendants().anyMatch(h -> h.pid() == pid && h.isAlive()));
                if (ours) {
                    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
                    assertEquals(0, kill.waitFor(), "kill -" + signal + " " + pid);
                    return pid;
                }
            }
            Thread.sleep(20);
        }
        fail("run " + index + " never trained: " + p.out());
        return -1;
    }

    @Test
    void aWorkerKilledFromOutsideHasItsRunRetriedOnceInAFreshWorkerAndTheSweepCompletes() throws Exception {
        Path spec = spec("killed", "{hidden: [64]}", "{epochs: 4, batch_size: 50}");
        CliProcess p = CliProcess.start(tmp.resolve("logs"), "killed", command(spec, 1));
        long pid = signalWorkerOf(p, "killed", 1, "KILL");
        assertEquals(ExitCodes.OK, p.waitFor(600), p.out() + p.err());
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        for (JsonNode s : summaries("killed").values()) {
            assertEquals("completed", s.get("status").asText(), s.toString());
            assertEquals(4, s.get("epochs_completed").asInt());
        }
        assertTrue(p.out().contains("the worker was stopped by SIGKILL from outside vaelab; retrying it in a fresh"
                + " worker"), p.out());
        assertTrue(p.out().contains("3 of 3 runs completed"), p.out());
    }

    @Test
    void aRunWhoseWorkerIsKilledAgainAfterItsRetryFailsAndTheSweepGoesOn() throws Exception {
        // enough epochs that the retry trains for seconds after the replacement worker's start
        Path spec = spec("twice", "{hidden: [64]}", "{epochs: 20, batch_size: 50}");
        CliProcess p = CliProcess.start(tmp.resolve("logs"), "twice", command(spec, 1));
        long first = signalWorkerOf(p, "twice", 1, "KILL");
        signalWorkerOf(p, "twice", 1, "KILL", first); // the replacement, once it resumed the run
        assertEquals(ExitCodes.RUNS_FAILED, p.waitFor(600), p.out() + p.err());
        Map<Integer, JsonNode> runs = summaries("twice");
        assertEquals("completed", runs.get(0).get("status").asText());
        assertEquals("completed", runs.get(2).get("status").asText(), "the sweep went on");
        assertEquals("failed", runs.get(1).get("status").asText(), runs.get(1).toString());
        assertEquals("the worker was stopped by SIGKILL from outside vaelab again after a retry; not retried a"
                + " second time", runs.get(1).get("cause").asText());
    }

    /**
     * With two workers, the other worker (or the replacement) reaches the crashed run too, as soon as the
     * kernel frees its lock: the parent's veto keeps it from being trained again in this sweep.
     */
    @ParameterizedTest(name = "{0} worker(s)")
    @ValueSource(ints = {1, 2})
    void aNativeCrashFailsItsRunWithTheCrashFileInItsFolderAndTheOtherRunsComplete(int workers) throws Exception {
        Path spec = spec("crashed", "{hidden: [64]}", "{epochs: 4, batch_size: 50}");
        List<Path> before = hsErrFiles();
        CliProcess p = CliProcess.start(tmp.resolve("logs"), "crashed", command(spec, workers));
        long pid = signalWorkerOf(p, "crashed", 1, "SEGV");
        assertEquals(ExitCodes.RUNS_FAILED, p.waitFor(600), p.out() + p.err());

        Map<Integer, JsonNode> runs = summaries("crashed");
        assertEquals("completed", runs.get(0).get("status").asText());
        assertEquals("completed", runs.get(2).get("status").asText(), "the sweep went on after the crash");
        JsonNode crashed = runs.get(1);
        assertEquals("failed", crashed.get("status").asText(), "never left running, and not retried: " + crashed);
        Path crashLog = runDir("crashed", 1).resolve(WorkerProcesses.CRASH_LOG);
        assertEquals("the JVM crashed in native code (SIGSEGV in libc.so.6); details in " + crashLog,
                crashed.get("cause").asText());
        assertTrue(Files.readString(crashLog).contains("pid=" + pid), "the dead worker's own crash file");
        assertTrue(p.out().contains("latent_dim=3 failed: the JVM crashed in native code (SIGSEGV"), p.out());
        assertEquals(before, hsErrFiles(), "no crash file in the working directory");
        try (Stream<Path> s = Files.list(tmp.resolve("results/crashed"))) {
            assertEquals(List.of(), s.filter(f -> f.getFileName().toString().startsWith(".crash-")).toList(),
                    "the crash file was moved, not copied");
        }
    }

    @Test
    void aWorkerOutOfJavaHeapFailsItsRunWithTheHeapAndTheFix() throws Exception {
        // latent_dim 3 only: a batch of 2000 with a 200000-wide latent code needs 1.6 GB of float buffers on
        // the heap, far beyond the 160 MB a worker gets here, while the other two runs fit.
        Path spec = spec("heap", "{hidden: [16]}", "{epochs: 1, batch_size: 50}");
        Files.writeString(spec, Files.readString(spec).replace("grid: {model.latent_dim: [2, 3, 4]}",
                "grid: {model.latent_dim: [2, 200000, 4]}"));
        CliProcess p = CliProcess.start(tmp.resolve("logs"), "heap",
                List.of("-Xmx1g", "-D" + WorkerProcesses.WORKER_JVM_ARGS + "=-Xmx160m"), command(spec, 1));
        assertEquals(ExitCodes.RUNS_FAILED, p.waitFor(600), p.out() + p.err());
        Map<Integer, JsonNode> runs = summaries("heap");
        assertEquals("completed", runs.get(0).get("status").asText());
        assertEquals("completed", runs.get(2).get("status").asText());
        assertEquals("failed", runs.get(1).get("status").asText());
        assertEquals("the worker ran out of Java heap (160 MB); set VAELAB_HEAP=1g",
                runs.get(1).get("cause").asText());
        assertFalse(p.out().contains("internal error") || p.err().contains("internal error"), p.out() + p.err());
    }

    private static List<Path> hsErrFiles() throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("."))) {
            s.filter(f -> f.getFileName().toString().startsWith("hs_err_pid")).sorted().forEach(out::add);
        }
        return out;
    }
}
