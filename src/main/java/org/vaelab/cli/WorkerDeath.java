package org.vaelab.cli;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why a sweep's worker process ended, said from what its parent saw (exit code or signal, the JVM's crash
 * file, the worker's last error line), and whether the run it was training gets another try in this sweep.
 *
 * <p>The rule (docs/guarantees.md, "A worker that dies"): a worker stopped from outside vaelab (SIGKILL,
 * SIGTERM, SIGINT, SIGHUP while the sweep itself is not stopping) is not its run's fault, so the run is
 * retried once in a fresh worker; a second death of the same run fails it. A crash (a JVM crash file, SIGSEGV,
 * SIGABRT, SIGBUS, ...), an exhausted Java heap, the kernel's out-of-memory killer or any other exit would
 * most likely happen again, so the run is failed at once; the next `vaelab run` tries it again, as it does
 * every failed run.
 *
 * @param cause one line for summary.json and the terminal
 * @param retry whether the run is trained again in this sweep
 */
record WorkerDeath(String cause, boolean retry) {
    /** Exit code of a JVM run with -XX:+ExitOnOutOfMemoryError when its heap is exhausted. */
    static final int OOM_EXIT = 3;
    private static final Pattern CRASH_SIGNAL = Pattern.compile("#\\s+(SIG[A-Z]+) \\(0x[0-9a-f]+\\)");
    private static final Pattern CRASH_FRAME = Pattern.compile("#\\s+[CV]\\s+\\[([^+\\]]+)");
    private static final String[] SIGNALS = {"", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
        "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM"};
    /** Signals another process (a user, a scheduler, a shutdown) sends to stop a process: not the run's fault. */
    private static final List<String> FROM_OUTSIDE = List.of("SIGHUP", "SIGINT", "SIGKILL", "SIGTERM");

    /**
     * Classifies one worker's end.
     *
     * @param exitCode    the worker's exit code as Java reports it (128 + n for a process ended by signal n)
     * @param output      the worker's last lines that were not protocol, oldest first
     * @param crashLog    the JVM's crash file's text, if it wrote one
     * @param crashShown  where that file is now, as the user should look for it
     * @param heapBytes   the worker's maximum heap
     * @param oomKiller   whether the kernel's out-of-memory killer killed a process while the worker ran
     * @param retriedOnce whether the run was already retried once in this sweep
     */
    static WorkerDeath of(int exitCode, List<String> output, Optional<String> crashLog, String crashShown,
                          long heapBytes, boolean oomKiller, boolean retriedOnce) {
        WorkerDeath d = classify(exitCode, output, crashLog, crashShown, heapBytes, oomKiller);
        if (d.retry && retriedOnce) {
            return new WorkerDeath(d.cause + " again after a retry; not retried a second time", false);
        }
        return d;
    }

    private static WorkerDeath classify(int exitCode, List<String> output, Optional<String> crashLog,
                                        String crashShown, long heapBytes, boolean oomKiller) {
        String signal = signalName(exitCode);
        if (crashLog.isPresent()) {
            String log = crashLog.get();
            if (log.contains("There is insufficient memory for the Java Runtime Environment to continue")) {
                return new WorkerDeath("the JVM ran out of native memory; details in " + crashShown, false);
            }
            Matcher m = CRASH_SIGNAL.matcher(log);
            String sig = m.find() ? m.group(1) : signal != null ? signal : "exit code " + exitCode;
            Matcher frame = CRASH_FRAME.matcher(log);
            String where = frame.find() ? " in " + frame.group(1).strip() : "";
            return new WorkerDeath("the JVM crashed in native code (" + sig + where + "); details in "
                    + crashShown, false);
        }
        Optional<String> oom = output.stream().filter(l -> l.contains("java.lang.OutOfMemoryError")).findFirst();
        if (oom.isPresent()) {
            return new WorkerDeath("the worker " + Faults.outOfMemory(oom.get().substring(oom.get().indexOf("java.lang."
                    + "OutOfMemoryError") + "java.lang.OutOfMemoryError".length()).replaceFirst("^:\\s*", ""),
                    heapBytes), false);
        }
        if (signal != null) {
            if (signal.equals("SIGKILL") && oomKiller) {
                return new WorkerDeath("the worker was killed by the kernel's out-of-memory killer (the machine"
                        + " ran out of memory); train fewer runs at once (--workers 1) or smaller models", false);
            }
            if (FROM_OUTSIDE.contains(signal)) {
                return new WorkerDeath("the worker was stopped by " + signal + " from outside vaelab", true);
            }
            return new WorkerDeath("the worker crashed (" + signal + ")" + lastLine(output).map(l -> ": " + l)
                    .orElse(""), false);
        }
        return new WorkerDeath("the worker exited with code " + exitCode + lastLine(output).map(l -> ": " + l)
                .orElse(""), false);
    }

    /** "SIGKILL" for 137 (128 + 9), the way Java reports a process ended by a signal; null for other codes. */
    static String signalName(int exitCode) {
        int n = exitCode - 128;
        if (n <= 0 || n > 64) {
            return null;
        }
        return n < SIGNALS.length ? SIGNALS[n] : String.format(Locale.ROOT, "signal %d", n);
    }

    /**
     * The line that best says what went wrong: the last one that is not part of a stack trace, without
     * vaelab's own prefix.
     */
    static Optional<String> lastLine(List<String> output) {
        for (int i = output.size() - 1; i >= 0; i--) {
            String l = output.get(i).strip();
            if (l.isEmpty() || l.startsWith("at ") || l.matches("\\.\\.\\. \\d+ more") || l.startsWith("#")) {
                continue;
            }
            return Optional.of(l.startsWith("vaelab: ") ? l.substring("vaelab: ".length()) : l);
        }
        return Optional.empty();
    }
}
