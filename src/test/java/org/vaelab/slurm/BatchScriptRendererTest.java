package org.vaelab.slurm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch scripts: what they ask Slurm for, and (run by bash here, without Slurm) that the task's command
 * line reaches vaelab word for word, and that a run stopping for its time limit, or warned with USR1, gets its
 * task requeued at most --max-requeues times. The real scheduler is exercised by SlurmSweepTest.
 */
class BatchScriptRendererTest {
    @TempDir
    Path tmp;

    BatchJob job(List<String> launch, SlurmOptions o) {
        Path slurm = tmp.resolve("results/sw/slurm");
        return new BatchJob("sw", launch, slurm.resolve("spec.yaml"),
                List.of("model.hidden=[64, 64]", "name: it's"), tmp.resolve("results"), tmp.resolve("reports"),
                tmp.resolve("data dir"), tmp, slurm, List.of(0, 1, 2, 5), o, Map.of("OPENBLAS_CORETYPE", "SkylakeX"),
                false, "2026-01-01T00:00:00Z");
    }

    static SlurmOptions options(String time, int gpus, Integer parallel, int maxRequeues) {
        return new SlurmOptions("gpu", time, 2, "6G", gpus, parallel, maxRequeues, List.of("--account=proj"));
    }

    @Test
    void theArrayScriptAsksForOneTaskPerRunWithItsResourcesLogsSignalAndRequeue() {
        String s = BatchScriptRenderer.train(job(List.of("java", "-cp", "/x/vaelab.jar", "org.vaelab.cli.Main"),
                options("00:01:00", 1, 2, 10)));
        for (String line : List.of("#SBATCH --array=0-2,5%2", "#SBATCH --partition=gpu", "#SBATCH --time=00:01:00",
                "#SBATCH --cpus-per-task=2", "#SBATCH --mem=6G", "#SBATCH --gres=gpu:1", "#SBATCH --account=proj",
                "#SBATCH --output=" + tmp.resolve("results/sw/slurm/logs/%A_%a.log"), "#SBATCH --open-mode=append",
                "#SBATCH --requeue", "#SBATCH --signal=B:USR1@30", "#SBATCH --chdir=" + tmp,
                "export OPENBLAS_CORETYPE=SkylakeX", "max_requeues=10", "#   vaelab:         /x/vaelab.jar")) {
            assertTrue(s.lines().anyMatch(line::equals), "missing line '" + line + "' in\n" + s);
        }
        assertTrue(s.startsWith("#!/bin/bash\n"));
        String noGpu = BatchScriptRenderer.train(job(List.of("java"), options(null, 0, null, 10)));
        assertFalse(noGpu.contains("--gres"), noGpu);
        assertTrue(noGpu.contains("#SBATCH --array=0-2,5\n"), noGpu);
        assertTrue(noGpu.contains("#SBATCH --signal=B:USR1@180\n"), "no --time: the default warning\n" + noGpu);
    }

    @Test
    void theReportScriptRendersTheSweepWithoutGpus() {
        String s = BatchScriptRenderer.report(job(List.of("java", "-cp", "/x/vaelab.jar", "org.vaelab.cli.Main"),
                options("00:01:00", 2, 2, 10)));
        assertTrue(s.contains("#SBATCH --cpus-per-task=1\n"), s);
        assertFalse(s.contains("--gres"), s);
        assertFalse(s.contains("--array"), s);
        assertTrue(s.contains("exec java -cp /x/vaelab.jar org.vaelab.cli.Main report " + tmp.resolve("results/sw")
                + " --reports " + tmp.resolve("reports") + "\n"), s);
    }

    @Test
    void bothScriptsAreValidBash() throws Exception {
        SlurmOptions o = options("1-00:00:00", 1, 4, 3);
        List<String> launch = List.of("/usr/bin/java", "-Dx=a b", "-cp", "/x/it's.jar", "org.vaelab.cli.Main");
        for (String text : List.of(BatchScriptRenderer.train(job(launch, o)), BatchScriptRenderer.report(job(launch, o)))) {
            Path f = tmp.resolve("check.sh");
            Files.writeString(f, text);
            Process p = new ProcessBuilder("bash", "-n", f.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), out + "\n" + text);
        }
    }

    @Test
    void theTaskCommandReachesVaelabWordForWord() throws Exception {
        Path argsOut = tmp.resolve("args.txt");
        // "vaelab" here prints its arguments one per line
        List<String> launch = List.of("/bin/sh", "-c", "printf '%s\\n' \"$@\" > '" + argsOut + "'", "sh");
        Result r = runScript(BatchScriptRenderer.train(job(launch, options("00:10:00", 0, null, 10))), Map.of(), null);
        assertEquals(0, r.code, r.log);
        assertEquals(List.of("slurm-task", tmp.resolve("results/sw/slurm/spec.yaml").toString(), "--index", "5",
                "--set", "model.hidden=[64, 64]", "--set", "name: it's", "--results", tmp.resolve("results").toString(),
                "--reports", tmp.resolve("reports").toString(), "--data", tmp.resolve("data dir").toString(),
                "--signal-seconds", "300"), Files.readAllLines(argsOut));
        assertTrue(r.log.contains("vaelab: task 7_5 (job 9) on "), r.log);
        assertFalse(Files.exists(tmp.resolve("scontrol.args")), "a run that ends does not requeue");
    }

    @Test
    void aRunStoppedForItsTimeLimitRequeuesItsTaskUpToTheBound() throws Exception {
        List<String> launch = List.of("/bin/sh", "-c", "exit 3", "sh");
        String script = BatchScriptRenderer.train(job(launch, options("00:10:00", 0, null, 2)));
        Result r = runScript(script, Map.of("SLURM_RESTART_COUNT", "1"), null);
        assertEquals(0, r.code, r.log);
        assertEquals("requeue 7_5", Files.readString(tmp.resolve("scontrol.args")).strip());
        Files.delete(tmp.resolve("scontrol.args"));
        // a run killed by the warning itself (it came before the JVM could handle it) is requeued the same way
        String killedByWarning = BatchScriptRenderer.train(job(List.of("/bin/sh", "-c", "kill -USR1 $$", "sh"),
                options("00:10:00", 0, null, 2)));
        r = runScript(killedByWarning, Map.of(), null);
        assertEquals(0, r.code, r.log);
        assertEquals("requeue 7_5", Files.readString(tmp.resolve("scontrol.args")).strip());
        Files.delete(tmp.resolve("scontrol.args"));
        r = runScript(script, Map.of("SLURM_RESTART_COUNT", "2"), null);
        assertEquals(3, r.code, "past --max-requeues the task ends with the run's code\n" + r.log);
        assertFalse(Files.exists(tmp.resolve("scontrol.args")));
        assertTrue(r.log.contains("requeued 2 times already"), r.log);
    }

    @Test
    void slurmsWarningReachesTheRunWhichEndsForARequeue() throws Exception {
        // The run stops with the requeue code when it gets USR1; the batch shell must pass the signal on and
        // keep waiting for the run rather than end when the trap interrupts 'wait'.
        List<String> launch = List.of("/bin/sh", "-c",
                "trap 'sleep 0.5; exit 3' USR1; while :; do sleep 0.05; done", "sh");
        Result r = runScript(BatchScriptRenderer.train(job(launch, options("00:10:00", 0, null, 10))), Map.of(),
                "USR1");
        assertEquals(0, r.code, r.log);
        assertEquals("requeue 7_5", Files.readString(tmp.resolve("scontrol.args")).strip(), r.log);
    }

    record Result(int code, String log) {
    }

    /**
     * Runs a batch script as slurmd would start array task 7_5 (job 9), with a stand-in scontrol on the PATH
     * that records its arguments; sends {@code signal} to the batch shell once the task has started.
     */
    private Result runScript(String text, Map<String, String> env, String signal) throws IOException, InterruptedException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path scontrol = bin.resolve("scontrol");
        Files.writeString(scontrol, "#!/bin/sh\necho \"$@\" > '" + tmp.resolve("scontrol.args") + "'\n");
        Files.setPosixFilePermissions(scontrol, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path script = tmp.resolve("task.sh");
        Files.writeString(script, text);
        Path log = tmp.resolve("task.log");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().put("SLURM_ARRAY_JOB_ID", "7");
        pb.environment().put("SLURM_ARRAY_TASK_ID", "5");
        pb.environment().put("SLURM_JOB_ID", "9");
        pb.environment().remove("SLURM_RESTART_COUNT");
        pb.environment().putAll(env);
        Process p = pb.start();
        if (signal != null) {
            long until = System.nanoTime() + 10_000_000_000L;
            while (!Files.readString(log).contains("vaelab: task ") && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            Thread.sleep(300);
            new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor();
        }
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the script did not end: " + Files.readString(log));
        }
        return new Result(p.exitValue(), Files.readString(log));
    }
}
