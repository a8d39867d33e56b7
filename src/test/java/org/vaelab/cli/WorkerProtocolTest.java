package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a worker writes, its parent reads back as the same calls. */
class WorkerProtocolTest {
    /** Every call a sink received, as comparable values. */
    private static final class Recorder implements ProgressSink {
        final List<Object> calls = new ArrayList<>();

        @Override
        public void batch(BatchProgress progress) {
            calls.add(progress);
        }

        @Override
        public void event(String message) {
            calls.add("event:" + message);
        }

        @Override
        public void done(String run) {
            calls.add("done:" + run);
        }

        @Override
        public java.util.Optional<String> claim(String runId) {
            calls.add("claim:" + runId);
            return java.util.Optional.empty();
        }
    }

    private static List<Object> roundTrip(java.util.function.Consumer<ProgressSink> calls) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        calls.accept(WorkerProtocol.writer(out));
        Recorder back = new Recorder();
        for (String line : bytes.toString(StandardCharsets.UTF_8).lines().toList()) {
            assertTrue(WorkerProtocol.read(line, back), "every written line is protocol: " + line);
        }
        return back.calls;
    }

    @Test
    void batchesEventsAndDoneSurviveTheTrip() {
        BatchProgress first = new BatchProgress("latent_dim=8,beta=4", 3, 12, 2, 10, 469, 469, 123.456789012345,
                Double.NaN);
        BatchProgress exact = new BatchProgress("b", 1, 1, 1, 1, 1, 1, 0.1 + 0.2, 1e-300);
        List<Object> got = roundTrip(sink -> {
            sink.batch(first);
            sink.event("run 3/12 latent_dim=8,beta=4 epoch 2/10: train 1.23 | test -ELBO 4.56");
            sink.batch(exact);
            sink.done("latent_dim=8,beta=4");
        });
        assertEquals(List.of(first, "event:run 3/12 latent_dim=8,beta=4 epoch 2/10: train 1.23 | test -ELBO 4.56",
                exact, "done:latent_dim=8,beta=4"), got, "doubles to the last bit, NaN ETA included");
    }

    @Test
    void lineBreaksAndTabsBecomeSpacesAndNothingElseChanges() {
        List<Object> got = roundTrip(sink -> {
            sink.event("warning: two\nlines\r\nand a\ttab");
            sink.batch(new BatchProgress("odd\tname\n", 1, 2, 1, 1, 5, 5, 1.0, 2.0));
        });
        assertEquals(List.of("event:warning: two lines  and a\ttab",
                new BatchProgress("odd name ", 1, 2, 1, 1, 5, 5, 1.0, 2.0)), got);
    }

    @Test
    void batchesAreThrottledButAnEpochsLastBatchAlwaysGoesThrough() {
        List<Object> got = roundTrip(sink -> {
            for (int b = 1; b <= 100; b++) {
                sink.batch(new BatchProgress("r", 1, 1, 1, 2, b, 100, b, 0));
            }
        });
        // 100 calls in far less than 250 ms: the first and the last of the epoch (and, on a machine that
        // stalls mid-loop, perhaps one more).
        List<Integer> batches = got.stream().map(c -> ((BatchProgress) c).batch()).toList();
        assertEquals(1, batches.get(0));
        assertEquals(100, batches.get(batches.size() - 1));
        assertTrue(batches.size() <= 4, "throttled: " + batches);
    }

    @Test
    void otherLinesAreLeftToTheCallerAndGarbledOnesAreRefused() {
        Recorder r = new Recorder();
        assertFalse(WorkerProtocol.read(WorkerProcesses.INCUBATOR_NOTICE, r));
        assertFalse(WorkerProtocol.read("Exception in thread \"main\" java.lang.OutOfMemoryError", r));
        assertEquals(List.of(), r.calls);
        assertThrows(IllegalArgumentException.class, () -> WorkerProtocol.read("@@batch\trun\t1\t2", r));
        assertThrows(IllegalArgumentException.class,
                () -> WorkerProtocol.read("@@batch\trun\tx\t1\t1\t1\t1\t1\t1.0\t1.0", r));
    }

    @Test
    void aClaimWaitsForTheParentsAnswerForThatRun() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        // answers for other runs (a stale one) are passed over; the skip's cause survives the trip
        String answers = WorkerProtocol.answer("other", java.util.Optional.of("x")) + "\n"
                + WorkerProtocol.answer("abc123", java.util.Optional.of("the JVM crashed in native code (SIGSEGV)"))
                + "\n" + WorkerProtocol.answer("def456", java.util.Optional.empty()) + "\n";
        ProgressSink worker = WorkerProtocol.writer(out, new java.io.BufferedReader(new java.io.StringReader(answers)));
        assertEquals(java.util.Optional.of("the JVM crashed in native code (SIGSEGV)"), worker.claim("abc123"));
        assertEquals(java.util.Optional.empty(), worker.claim("def456"));
        // no parent answering (end of input): the worker goes ahead, as one without a parent always did
        assertEquals(java.util.Optional.empty(), worker.claim("ghi789"));
        Recorder parent = new Recorder();
        for (String line : bytes.toString(StandardCharsets.UTF_8).lines().toList()) {
            assertTrue(WorkerProtocol.read(line, parent), line);
        }
        assertEquals(List.of("claim:abc123", "claim:def456", "claim:ghi789"), parent.calls);
    }
}
