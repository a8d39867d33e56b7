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

    private ExitCodes() {
    }
}
