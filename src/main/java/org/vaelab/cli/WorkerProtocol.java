package org.vaelab.cli;

import java.io.PrintStream;

/**
 * The lines a worker process prints on stdout for its parent, written and read here and nowhere else: one
 * line per call, a tag, then tab-separated fields. Batches are throttled to 4 lines per second (the last
 * batch of an epoch always goes through); an event's line breaks and a run name's tabs and line breaks
 * become spaces, which is all that does not survive the trip.
 *
 * <pre>
 * {@literal @@batch} run runIndex runs epoch epochs batch batches loss eta   (9 fields, tab-separated)
 * {@literal @@event} message
 * {@literal @@done} run
 * </pre>
 * Any other line (a JVM warning, a library's print) is not protocol: the reader leaves it to the caller.
 */
final class WorkerProtocol {
    private static final String BATCH = "@@batch\t";
    private static final String EVENT = "@@event\t";
    private static final String DONE = "@@done\t";
    private static final long BATCH_INTERVAL_NANOS = 250_000_000L;

    private WorkerProtocol() {
    }

    /** The worker's side: a sink that prints the protocol to {@code out}. */
    static ProgressSink writer(PrintStream out) {
        return new Writer(out);
    }

    /**
     * The parent's side: hands {@code line} to {@code sink} if it is a protocol line.
     *
     * @return false if the line is not protocol (the caller decides what to do with it)
     * @throws IllegalArgumentException for a protocol line whose fields do not parse
     */
    static boolean read(String line, ProgressSink sink) {
        if (line.startsWith(BATCH)) {
            String[] f = line.substring(BATCH.length()).split("\t", -1);
            if (f.length != 9) {
                throw new IllegalArgumentException("batch line with " + f.length + " fields, expected 9: " + line);
            }
            sink.batch(new BatchProgress(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                    Integer.parseInt(f[3]), Integer.parseInt(f[4]), Integer.parseInt(f[5]), Integer.parseInt(f[6]),
                    Double.parseDouble(f[7]), Double.parseDouble(f[8])));
            return true;
        }
        if (line.startsWith(EVENT)) {
            sink.event(line.substring(EVENT.length()));
            return true;
        }
        if (line.startsWith(DONE)) {
            sink.done(line.substring(DONE.length()));
            return true;
        }
        return false;
    }

    private static String oneLine(String s) {
        return s.replace('\r', ' ').replace('\n', ' ');
    }

    private static final class Writer implements ProgressSink {
        private final PrintStream out;
        private long last;

        Writer(PrintStream out) {
            this.out = out;
        }

        @Override
        public void batch(BatchProgress p) {
            long now = System.nanoTime();
            if (now - last < BATCH_INTERVAL_NANOS && !p.lastOfEpoch()) {
                return;
            }
            last = now;
            out.println(BATCH + String.join("\t", oneLine(p.run()).replace('\t', ' '), "" + p.runIndex(),
                    "" + p.runs(), "" + p.epoch(), "" + p.epochs(), "" + p.batch(), "" + p.batches(),
                    Double.toString(p.loss()), Double.toString(p.eta())));
        }

        @Override
        public void event(String message) {
            out.println(EVENT + oneLine(message));
        }

        @Override
        public void done(String run) {
            out.println(DONE + oneLine(run));
        }
    }
}
