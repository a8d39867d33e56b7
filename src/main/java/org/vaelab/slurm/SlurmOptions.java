package org.vaelab.slurm;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a sweep asks Slurm for, validated: every problem names the flag, the bad value, what is allowed and
 * the fix, and is thrown as an {@link IllegalArgumentException} before anything is written or submitted.
 *
 * @param partition   {@code --partition}, or null for the cluster's default
 * @param time        {@code --time} as the user wrote it, or null for the partition's default limit
 * @param cpusPerRun  cores per array task (and the BLAS/OpenMP threads of its run)
 * @param memPerRun   memory per array task in Slurm's syntax ({@code 4G}, {@code 3500M})
 * @param gpusPerRun  GPUs per array task ({@code --gres=gpu:N}); 0 for none
 * @param maxParallel array tasks running at once ({@code %N}), or null for no bound
 * @param maxRequeues how often a task stopped by its time limit requeues itself
 * @param sbatchArgs  further sbatch options, written into both batch scripts as they are
 */
public record SlurmOptions(String partition, String time, int cpusPerRun, String memPerRun, int gpusPerRun,
                           Integer maxParallel, int maxRequeues, List<String> sbatchArgs) {
    /** Memory per task when --mem-per-run is not given: the launcher's 2 GB heap plus ND4J's native buffers. */
    public static final String DEFAULT_MEM = "4G";
    /** Requeues of one task after time limits when --max-requeues is not given. */
    public static final int DEFAULT_MAX_REQUEUES = 10;
    /** Seconds of warning before the time limit when the limit is unknown (no --time). */
    static final int DEFAULT_SIGNAL_SECONDS = 180;

    private static final Pattern MEM = Pattern.compile("[1-9][0-9]*[KMGT]?");
    private static final Pattern PARTITION = Pattern.compile("[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*");
    // Slurm's time formats: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S
    private static final Pattern TIME = Pattern.compile(
            "(?:(\\d+)-(\\d+)(?::(\\d+)(?::(\\d+))?)?)|(?:(\\d+)(?::(\\d+)(?::(\\d+))?)?)");
    /** sbatch options vaelab writes itself; given again they would break the array, the logs or the requeue. */
    private static final List<String> OWN = List.of("--array", "-a", "--output", "-o", "--error", "-e",
            "--dependency", "-d", "--chdir", "-D", "--signal", "--requeue", "--no-requeue", "--open-mode",
            "--wrap", "--parsable", "--cpus-per-task", "-c", "--mem", "--gres", "--gpus", "-G", "--time", "-t",
            "--partition", "-p");

    public SlurmOptions {
        sbatchArgs = List.copyOf(sbatchArgs);
        List<String> problems = new ArrayList<>();
        if (partition != null && !PARTITION.matcher(partition).matches()) {
            problems.add("--partition: not a partition name: '" + partition
                    + "'; use the name sinfo shows (letters, digits, '_', '-', '.', comma-separated)");
        }
        if (time != null && seconds(time) < 0) {
            problems.add("--time: not a Slurm time limit: '" + time
                    + "'; write HH:MM:SS (e.g. 02:00:00), MM, MM:SS, D-HH or D-HH:MM:SS");
        } else if (time != null && seconds(time) < 60) {
            problems.add("--time: " + time + " is under a minute, Slurm's smallest limit; give at least 00:01:00");
        }
        if (cpusPerRun < 1) {
            problems.add("--cpus-per-run must be at least 1 (got " + cpusPerRun + ")");
        }
        if (memPerRun == null || !MEM.matcher(memPerRun).matches()) {
            problems.add("--mem-per-run: not a memory size: '" + memPerRun
                    + "'; write a whole number with K, M, G or T (e.g. 4G, 3500M)");
        }
        if (gpusPerRun < 0) {
            problems.add("--gpus-per-run must be 0 or more (got " + gpusPerRun + ")");
        }
        if (maxParallel != null && maxParallel < 1) {
            problems.add("--max-parallel must be at least 1 (got " + maxParallel + ")");
        }
        if (maxRequeues < 0) {
            problems.add("--max-requeues must be 0 or more (got " + maxRequeues + ")");
        }
        for (String a : sbatchArgs) {
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (!a.startsWith("-")) {
                problems.add("--sbatch-arg: '" + a + "' is not an sbatch option; give one option per --sbatch-arg,"
                        + " with its value after '=' (--sbatch-arg=--account=proj)");
            } else if (OWN.contains(name)) {
                problems.add("--sbatch-arg: vaelab sets " + name + " itself; use vaelab's own flag (--time,"
                        + " --partition, --cpus-per-run, --mem-per-run, --gpus-per-run, --max-parallel) or drop it");
            } else if (a.contains("\n")) {
                problems.add("--sbatch-arg: a value may not contain a line break");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
    }

    /** The time limit in seconds, or -1 when {@code t} is not one of Slurm's time formats. */
    public static long seconds(String t) {
        Matcher m = TIME.matcher(t.strip());
        if (!m.matches()) {
            return -1;
        }
        if (m.group(1) != null) {
            long d = Long.parseLong(m.group(1));
            long h = Long.parseLong(m.group(2));
            long min = m.group(3) == null ? 0 : Long.parseLong(m.group(3));
            long s = m.group(4) == null ? 0 : Long.parseLong(m.group(4));
            return ((d * 24 + h) * 60 + min) * 60 + s;
        }
        long a = Long.parseLong(m.group(5));
        if (m.group(6) == null) {
            return a * 60; // minutes
        }
        long b = Long.parseLong(m.group(6));
        if (m.group(7) == null) {
            return a * 60 + b; // minutes:seconds
        }
        return (a * 60 + b) * 60 + Long.parseLong(m.group(7)); // hours:minutes:seconds
    }

    /**
     * How long before its time limit a task is warned (sbatch {@code --signal=B:USR1@S}): half the limit, at
     * most five minutes, so a one-minute limit still leaves half a minute to reach the next checkpoint.
     * Slurm may send the signal up to a minute early, which costs at most one partial epoch.
     */
    public int signalSeconds() {
        if (time == null) {
            return DEFAULT_SIGNAL_SECONDS;
        }
        return (int) Math.min(300, Math.max(10, seconds(time) / 2));
    }

    /** The options as sbatch lines for the array (one per option, without the {@code #SBATCH} prefix). */
    List<String> taskLines() {
        List<String> l = new ArrayList<>();
        if (partition != null) {
            l.add("--partition=" + partition);
        }
        if (time != null) {
            l.add("--time=" + time.strip());
        }
        l.add("--cpus-per-task=" + cpusPerRun);
        l.add("--mem=" + memPerRun);
        if (gpusPerRun > 0) {
            l.add(String.format(Locale.ROOT, "--gres=gpu:%d", gpusPerRun));
        }
        l.addAll(sbatchArgs);
        return l;
    }

    /** The options for the report job: same partition, time and extra arguments, one core, no GPU. */
    List<String> reportLines() {
        List<String> l = new ArrayList<>();
        if (partition != null) {
            l.add("--partition=" + partition);
        }
        if (time != null) {
            l.add("--time=" + time.strip());
        }
        l.add("--cpus-per-task=1");
        l.add("--mem=" + memPerRun);
        l.addAll(sbatchArgs);
        return l;
    }
}
