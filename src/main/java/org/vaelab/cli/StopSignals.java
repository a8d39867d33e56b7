package org.vaelab.cli;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * SIGINT (Ctrl-C) and SIGTERM as a clean stop: the first one sets a flag that training checks at every batch
 * (the run in progress is recorded as interrupted and resumes from its last checkpoint), workers take no
 * further run, and the command exits 130 or 143 after writing the index and the report. The same signal a
 * second time stops at once: every file is replaced atomically, so that loses at most the epoch in progress.
 *
 * <p>The JVM's own handling would run shutdown hooks while training threads go on writing, with no way to
 * tell the two signals apart; {@code sun.misc.Signal} (module jdk.unsupported, exported for this use) lets the
 * command finish its books first.
 */
final class StopSignals {
    private static volatile String received;
    private static volatile int exitCode;
    private static final List<Runnable> ON_STOP = new CopyOnWriteArrayList<>();
    private static boolean installed;

    private StopSignals() {
    }

    /** Handles SIGINT and SIGTERM in this process from now on (idempotent). */
    static synchronized void install() {
        if (installed) {
            return;
        }
        installed = true;
        handle("INT", 130);
        handle("TERM", 143);
    }

    private static void handle(String name, int code) {
        Runnable onSignal = () -> {
            if (received != null) {
                // The same signal again (Ctrl-C twice) means "now". Another one is not: after Ctrl-C, a
                // worker gets the terminal's SIGINT and then its parent's SIGTERM for the same stop.
                if (received.equals("SIG" + name)) {
                    Runtime.getRuntime().halt(exitCode);
                }
                return;
            }
            exitCode = code;
            received = "SIG" + name;
            ON_STOP.forEach(Runnable::run);
        };
        try {
            // sun.misc.Signal.handle(new Signal(name), handler), reflectively: javac warns on every direct use
            // of sun.misc and cannot be told not to.
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object proxy = java.lang.reflect.Proxy.newProxyInstance(StopSignals.class.getClassLoader(),
                    new Class<?>[] {handler}, (self, method, args) -> {
                        if (method.getName().equals("handle")) {
                            onSignal.run();
                            return null;
                        }
                        return switch (method.getName()) {
                            case "hashCode" -> System.identityHashCode(self);
                            case "equals" -> self == args[0];
                            default -> "StopSignals(SIG" + name + ")";
                        };
                    });
            signal.getMethod("handle", signal, handler)
                    .invoke(null, signal.getConstructor(String.class).newInstance(name), proxy);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // The signal cannot be handled here (a JVM run with -Xrs, no jdk.unsupported): the default stays.
        }
    }

    /**
     * In a worker: the sweep's parent got {@code signal} ("SIGINT" or "SIGTERM") and passes the stop on, so the
     * interrupted run names the signal the user sent. A stop that already arrived (Ctrl-C reaches the workers
     * through the terminal too) is not a second one: it never stops at once.
     */
    static synchronized void stopFromParent(String signal) {
        if (received != null) {
            return;
        }
        exitCode = signal.equals("SIGINT") ? 130 : 143;
        received = signal.equals("SIGINT") ? "SIGINT" : "SIGTERM";
        ON_STOP.forEach(Runnable::run);
    }

    /** Runs {@code action} when the first stop signal arrives (e.g. pass it on to worker processes). */
    static void onStop(Runnable action) {
        ON_STOP.add(action);
    }

    /** True once SIGINT or SIGTERM arrived. */
    static boolean requested() {
        return received != null;
    }

    /** "SIGINT" or "SIGTERM", or null. */
    static String signal() {
        return received;
    }

    /** 130 after SIGINT, 143 after SIGTERM (128 + the signal's number, as shells report it). */
    static int exitCode() {
        return exitCode;
    }
}
