package org.vaelab.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Shows what every worker is doing. On a terminal: one live line per worker (run i/n, epoch, batch, loss,
 * ETA), redrawn in place. Elsewhere (CI logs, pipes): plain lines, at most one per worker every
 * {@code plainEverySeconds}, plus one line per finished epoch and run. Finished-run summaries scroll
 * above the live lines. Hand-written because the progress-bar libraries draw a single bar, and a sweep
 * with several workers needs several.
 */
final class ProgressBoard {
    private final PrintStream out;
    private final boolean tty;
    private final double plainEverySeconds;
    private final List<String> lines = new ArrayList<>();
    private final List<Long> lastPlain = new ArrayList<>();
    private int drawn;

    ProgressBoard(PrintStream out, boolean tty, int workers, double plainEverySeconds) {
        this.out = out;
        this.tty = tty;
        this.plainEverySeconds = plainEverySeconds;
        for (int i = 0; i < workers; i++) {
            lines.add("");
            lastPlain.add(0L);
        }
    }

    /** Progress of one training step batch. */
    synchronized void batch(int worker, BatchProgress p) {
        String line = String.format(Locale.ROOT, "%srun %d/%d %s | epoch %d/%d %s %d/%d | loss %.2f | ETA %s",
                prefix(worker), p.runIndex(), p.runs(), p.run(), p.epoch(), p.epochs(), bar(p.batch(), p.batches(), 20),
                p.batch(), p.batches(), p.loss(), clock(p.eta()));
        lines.set(worker, line);
        if (tty) {
            redraw();
        } else {
            long now = System.nanoTime();
            if ((now - lastPlain.get(worker)) / 1e9 >= plainEverySeconds) {
                lastPlain.set(worker, now);
                out.println(line);
            }
        }
    }

    /** A line that stays (an epoch or run finished, a skip, an error). */
    synchronized void event(int worker, String message) {
        if (tty) {
            clear();
            out.println(prefix(worker) + message);
            redraw();
        } else {
            out.println(prefix(worker) + message);
        }
    }

    /** Removes the live lines (at the end). */
    synchronized void close() {
        if (tty) {
            clear();
        }
        out.flush();
    }

    private String prefix(int worker) {
        return lines.size() > 1 ? "[w" + (worker + 1) + "] " : "";
    }

    private void clear() {
        for (int i = 0; i < drawn; i++) {
            out.print("\033[1A\033[2K");
        }
        out.print("\r");
        drawn = 0;
    }

    private void redraw() {
        clear();
        for (String l : lines) {
            if (!l.isEmpty()) {
                out.println(l);
                drawn++;
            }
        }
        out.flush();
    }

    static String bar(int done, int total, int width) {
        int filled = total <= 0 ? 0 : (int) Math.round((double) width * done / total);
        return "[" + "#".repeat(Math.max(0, Math.min(width, filled))) + ".".repeat(Math.max(0, width - filled)) + "]";
    }

    static String clock(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return "--:--";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
