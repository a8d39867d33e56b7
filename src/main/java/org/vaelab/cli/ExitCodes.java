package org.vaelab.cli;

/** vaelab's exit codes. */
public final class ExitCodes {
    /** Every run completed (or nothing to do). */
    public static final int OK = 0;
    /** Some run failed or diverged, or an internal error. */
    public static final int RUNS_FAILED = 1;
    /**
     * Bad input: spec, data, flags or folders, or a machine this build cannot run on (the CUDA build without a
     * usable GPU). Nothing already written was damaged.
     */
    public static final int BAD_INPUT = 2;

    /**
     * Between a worker process and its parent only: the worker stopped because the disk is full, so the parent
     * starts no more runs and the sweep ends with {@link #RUNS_FAILED} and one line saying so. Not 3, which the
     * JVM exits with on an exhausted heap ({@code -XX:+ExitOnOutOfMemoryError}, {@link WorkerDeath#OOM_EXIT}):
     * 74 is sysexits' EX_IOERR, which neither the JVM nor a signal (128 + n) produces.
     */
    static final int WORKER_DISK_FULL = 74;

    private ExitCodes() {
    }
}
