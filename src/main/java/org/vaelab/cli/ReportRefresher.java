package org.vaelab.cli;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Refreshes a sweep's report while its workers train: after finished runs, on one background thread, so a
 * worker's output is never held up behind a render; runs that finish while a refresh is drawing or waiting
 * share the next one. A refresh starts at least {@link #GAP} after the previous one started: each draws the
 * whole sweep page, about half a second of a core the workers need (after every run, the beta sweep's 11
 * refreshes were a third of its parent's CPU). None is drawn once every run has ended, or after {@link #close}:
 * the final render follows at once. Closing waits only for a refresh already drawing, so the final render never
 * runs beside it.
 */
final class ReportRefresher implements AutoCloseable {
    /** Least time from one refresh's start to the next's. */
    static final Duration GAP = Duration.ofSeconds(30);

    private final Runnable render;
    private final BooleanSupplier allRunsEnded;
    private final long gapNanos;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "report-refresh");
        t.setDaemon(true); // a stop (System.exit) never waits for a picture; every file is replaced atomically
        return t;
    });
    private final AtomicBoolean queued = new AtomicBoolean();
    private final Object gate = new Object();
    private boolean closing; // guarded by gate
    private long lastStart; // System.nanoTime() of the last refresh's start; the refresh thread's alone
    private boolean drawn; // the refresh thread's alone

    /**
     * @param render       draws the report (its failures are its own business: it must not throw)
     * @param allRunsEnded whether every run of the sweep has ended, so that the final render is next
     * @param gap          least time from one refresh's start to the next's
     */
    ReportRefresher(Runnable render, BooleanSupplier allRunsEnded, Duration gap) {
        this.render = render;
        this.allRunsEnded = allRunsEnded;
        this.gapNanos = gap.toNanos();
    }

    /** A run has finished: refresh now, or when the gap since the last refresh has passed. */
    void request() {
        if (queued.compareAndSet(false, true)) {
            thread.execute(this::refreshWhenDue);
        }
    }

    private void refreshWhenDue() {
        synchronized (gate) {
            long wait;
            while (!closing && drawn && (wait = lastStart + gapNanos - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(gate, wait);
                } catch (InterruptedException e) {
                    return;
                }
            }
            if (closing) {
                return;
            }
        }
        queued.set(false); // a run finishing from here on asks for the next refresh
        if (allRunsEnded.getAsBoolean()) {
            return;
        }
        lastStart = System.nanoTime();
        drawn = true;
        render.run();
    }

    /** Drops a refresh still waiting for its turn and waits for one drawing (an interrupt stops the wait). */
    @Override
    public void close() {
        synchronized (gate) {
            closing = true;
            gate.notifyAll();
        }
        thread.shutdown();
        try {
            thread.awaitTermination(10, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
