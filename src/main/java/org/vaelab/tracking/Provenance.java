package org.vaelab.tracking;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * What produced a run's numbers (Tribuo's ModelProvenance habit): vaelab version and git commit, Java, OS,
 * host, thread settings, the Slurm job and node where there is one. The ND4J backend and seeds are added by the caller that knows them.
 */
public final class Provenance {
    private Provenance() {
    }

    /** The machine and build facts, plus {@code extra} (backend, seeds, times), as a sorted map. */
    public static Map<String, Object> collect(Path workDir, Map<String, Object> extra) {
        Map<String, Object> p = new TreeMap<>();
        Package pkg = Provenance.class.getPackage();
        p.put("vaelab_version", pkg != null && pkg.getImplementationVersion() != null
                ? pkg.getImplementationVersion() : "dev");
        p.put("git_commit", git(workDir, "rev-parse", "HEAD"));
        String dirty = git(workDir, "status", "--porcelain", "--untracked-files=no");
        p.put("git_dirty", dirty == null ? null : !dirty.isEmpty());
        p.put("java_version", System.getProperty("java.version"));
        p.put("java_vendor", System.getProperty("java.vendor"));
        p.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        p.put("arch", System.getProperty("os.arch"));
        p.put("cores", Runtime.getRuntime().availableProcessors());
        p.put("max_heap_mb", Runtime.getRuntime().maxMemory() >> 20);
        // where the heap's size came from: VAELAB_HEAP, the run's memory estimate (a sweep's workers), or the
        // launcher's default; "jvm" when vaelab was started without the launcher
        p.put("heap_source", System.getProperty("vaelab.heap.source", "jvm"));
        p.put("heap_env", System.getenv("VAELAB_HEAP"));
        p.put("host", host());
        Map<String, Object> env = new LinkedHashMap<>();
        for (String k : new String[] {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"}) {
            env.put(k, System.getenv(k));
        }
        p.put("thread_env", env);
        Map<String, Object> slurm = slurm(System.getenv());
        if (!slurm.isEmpty()) {
            p.put("slurm", slurm);
        }
        p.putAll(extra);
        return p;
    }

    /**
     * The Slurm job, array task, node and attempt a run was trained in, from the variables Slurm sets in a
     * job's environment; empty outside Slurm. A requeued or resubmitted run records its latest attempt.
     */
    static Map<String, Object> slurm(Map<String, String> env) {
        Map<String, Object> s = new TreeMap<>();
        if (env.get("SLURM_JOB_ID") == null) {
            return s;
        }
        s.put("job_id", env.get("SLURM_JOB_ID"));
        s.put("array_job_id", env.get("SLURM_ARRAY_JOB_ID"));
        s.put("array_task_id", env.get("SLURM_ARRAY_TASK_ID"));
        s.put("node", env.get("SLURMD_NODENAME"));
        s.put("cluster", env.get("SLURM_CLUSTER_NAME"));
        String restarts = env.getOrDefault("SLURM_RESTART_COUNT", "0");
        s.put("restart_count", restarts.matches("\\d+") ? Integer.parseInt(restarts) : 0);
        return s;
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** First line of a git command's output in {@code dir}, "" for no output, or null if git is unavailable. */
    private static String git(Path dir, String... args) {
        try {
            String[] cmd = new String[args.length + 3];
            cmd[0] = "git";
            cmd[1] = "-C";
            cmd[2] = dir.toString();
            System.arraycopy(args, 0, cmd, 3, args.length);
            Process pr = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String line;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(pr.getInputStream(), StandardCharsets.UTF_8))) {
                line = r.readLine();
            }
            if (!pr.waitFor(5, TimeUnit.SECONDS) || pr.exitValue() != 0) {
                pr.destroyForcibly();
                return null;
            }
            return line == null ? "" : line.trim();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
