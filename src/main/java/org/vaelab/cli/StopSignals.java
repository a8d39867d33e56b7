package org.vaelab.cli;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
    private static final State STATE = new State();
    private static final List<Runnable> ON_STOP = new CopyOnWriteArrayList<>();
    private static boolean installed;

    /** What a stop signal or a parent's stop line does. */
    enum Action {
        /** The first stop: set the flag and tell the listeners. */
        STOP,
        /** The same signal from the user a second time: stop at once. */
        HALT,
        /** Part of a stop already under way. */
        IGNORE
    }

    /**
     * Which stop came, and from where. A worker in the terminal's process group gets Ctrl-C's SIGINT itself and
     * its parent's stop line for it, in either order (the parent's line can come first on a busy machine), and
     * then perhaps its parent's SIGTERM: one stop. Only a signal this process already got itself, sent again,
     * means "now".
     */
    static final class State {
        private String received;
        private int exitCode;
        private final Set<String> ownSignals = new HashSet<>();

        /** This process got {@code signal} ("SIGINT" or "SIGTERM"; exit code {@code code}) itself. */
        synchronized Action signalled(String signal, int code) {
            if (!ownSignals.add(signal)) {
                return Action.HALT;
            }
            return first(signal, code);
        }

        /** The parent passed its stop by {@code signal} on. */
        synchronized Action fromParent(String signal) {
            boolean sigint = signal.equals("SIGINT");
            return first(sigint ? "SIGINT" : "SIGTERM", sigint ? 130 : 143);
        }

        private Action first(String signal, int code) {
            if (received != null) {
                return Action.IGNORE;
            }
            received = signal;
            exitCode = code;
            return Action.STOP;
        }

        synchronized String received() {
            return received;
        }

        synchronized int exitCode() {
            return exitCode;
        }
    }

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
            switch (STATE.signalled("SIG" + name, code)) {
                case HALT -> Runtime.getRuntime().halt(STATE.exitCode());
                case STOP -> ON_STOP.forEach(Runnable::run);
                case IGNORE -> { }
            }
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
     * through the terminal too) is not a second one, nor is the terminal's signal arriving after this line: neither
     * stops at once.
     */
    static void stopFromParent(String signal) {
        if (STATE.fromParent(signal) == Action.STOP) {
            ON_STOP.forEach(Runnable::run);
        }
    }

    /** Runs {@code action} when the first stop signal arrives (e.g. pass it on to worker processes). */
    static void onStop(Runnable action) {
        ON_STOP.add(action);
    }

    /** True once SIGINT or SIGTERM arrived. */
    static boolean requested() {
        return STATE.received() != null;
    }

    /** "SIGINT" or "SIGTERM", or null. */
    static String signal() {
        return STATE.received();
    }

    /** 130 after SIGINT, 143 after SIGTERM (128 + the signal's number, as shells report it). */
    static int exitCode() {
        return STATE.exitCode();
    }
}
