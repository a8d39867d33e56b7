package org.vaelab.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

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
 * {@literal @@claim} runId                 (then waits for the parent's answer on stdin)
 * </pre>
 * and the parent answers a claim on the worker's stdin:
 * <pre>
 * {@literal @@go} runId
 * {@literal @@skip} runId cause
 * {@literal @@stop} SIGINT|SIGTERM          (the parent was stopped: stop as if signalled)
 * </pre>
 * A claim says which run the worker is on (so the parent knows whose run a dead worker leaves behind) and
 * lets the parent veto a run it gave up in this sweep. Any other line (a JVM warning, a library's print) is
 * not protocol: the reader leaves it to the caller.
 */
final class WorkerProtocol {
    private static final String BATCH = "@@batch\t";
    private static final String EVENT = "@@event\t";
    private static final String DONE = "@@done\t";
    private static final String CLAIM = "@@claim\t";
    private static final String GO = "@@go\t";
    private static final String SKIP = "@@skip\t";
    private static final String STOP = "@@stop\t";
    private static final String END = "@@end-of-input";
    private static final long BATCH_INTERVAL_NANOS = 250_000_000L;

    private WorkerProtocol() {
    }

    /** The worker's side: a sink that prints the protocol to {@code out}; its claims always go ahead. */
    static ProgressSink writer(PrintStream out) {
        return new Writer(out, null);
    }

    /**
     * The worker's side with a parent that answers claims and passes stops on through {@code fromParent} (the
     * worker's stdin), read on a thread of its own from now on. A claim goes ahead when the input ends (no parent
     * listening).
     */
    static ProgressSink writer(PrintStream out, BufferedReader fromParent) {
        BlockingQueue<String> answers = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try {
                String line;
                while ((line = fromParent.readLine()) != null) {
                    if (line.startsWith(STOP)) {
                        StopSignals.stopFromParent(line.substring(STOP.length()));
                    } else {
                        answers.add(line);
                    }
                }
            } catch (IOException e) {
                // the parent is gone: as at the end of its input
            }
            answers.add(END);
        }, "parent-input");
        reader.setDaemon(true);
        reader.start();
        return new Writer(out, answers);
    }

    /** The parent's line that stops a worker as {@code signal} ("SIGINT" or "SIGTERM") would. */
    static String stop(String signal) {
        return STOP + signal;
    }

    /** The parent's answer to a claim of {@code runId}: go ahead when {@code veto} is empty, else skip it. */
    static String answer(String runId, Optional<String> veto) {
        return veto.map(cause -> SKIP + oneLine(runId) + "\t" + oneLine(cause)).orElse(GO + oneLine(runId));
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
        if (line.startsWith(CLAIM)) {
            // The sink (the parent's) answers on the worker's stdin itself, with answer().
            sink.claim(line.substring(CLAIM.length()));
            return true;
        }
        return false;
    }

    /** Takes answers until the one for {@code runId}: empty to go ahead, or the cause to skip it with. */
    private static Optional<String> awaitAnswer(BlockingQueue<String> in, String runId) throws InterruptedException {
        while (true) {
            String line = in.take();
            if (line.equals(END)) {
                in.add(END); // nobody answers: a worker without a parent decides alone, as before
                return Optional.empty();
            }
            if (line.equals(GO + runId)) {
                return Optional.empty();
            }
            if (line.startsWith(SKIP + runId + "\t")) {
                return Optional.of(line.substring(SKIP.length() + runId.length() + 1));
            }
        }
    }

    private static String oneLine(String s) {
        return s.replace('\r', ' ').replace('\n', ' ');
    }

    private static final class Writer implements ProgressSink {
        private final PrintStream out;
        private final BlockingQueue<String> answers;
        private long last;

        Writer(PrintStream out, BlockingQueue<String> answers) {
            this.out = out;
            this.answers = answers;
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

        @Override
        public Optional<String> claim(String runId) {
            out.println(CLAIM + oneLine(runId));
            out.flush();
            if (answers == null) {
                return Optional.empty();
            }
            try {
                return awaitAnswer(answers, oneLine(runId));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }
}
