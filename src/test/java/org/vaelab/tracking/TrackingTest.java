package org.vaelab.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.spec.RunConfig;
import org.vaelab.spec.RunSpec;

class TrackingTest {
    @TempDir
    Path tmp;

    static EpochMetrics epoch(int e, double loss) {
        return EpochMetrics.builder(e).train(loss, loss - 10, 10).test(loss + 1, loss - 9, 10).beta(1.0)
                .klPerDim(List.of(0.5, 0.25)).gradNorm(3.0).learningRate(1e-3).epochSeconds(2.0)
                .trainSamplesPerSecond(5000.0).build();
    }

    static RunSpec run(String id) {
        return new RunSpec(id, "latent_dim=2", "s", 0, Map.of("model.latent_dim", 2), RunConfig.DEFAULT);
    }

    @Test
    void atomicWriteReplacesWholeFileAndLeavesNoTempFiles() throws IOException {
        Path f = tmp.resolve("a/b/x.json");
        AtomicFiles.writeString(f, "first");
        AtomicFiles.writeString(f, "second, longer");
        assertEquals("second, longer", Files.readString(f));
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        try (Stream<Path> s = Files.list(f.getParent())) {
            assertEquals(List.of(f), s.toList(), "temporary files must be gone");
        }
    }

    @Test
    void failedAtomicWriteKeepsPreviousVersion() throws IOException {
        Path f = tmp.resolve("x.json");
        AtomicFiles.writeString(f, "previous");
        Path dirAsTarget = tmp.resolve("d");
        Files.createDirectories(dirAsTarget.resolve("child"));
        // Replacing a non-empty directory cannot succeed: the write must fail without leaving debris.
        assertThrows(IOException.class, () -> AtomicFiles.writeString(dirAsTarget, "new"));
        assertEquals("previous", Files.readString(f));
        try (Stream<Path> s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")));
        }
    }

    @Test
    void metricsRoundTripWithSortedSnakeCaseKeys() throws IOException {
        RunStore store = new RunStore(tmp, "sweep-1");
        RunRecorder rec = store.open(run("abc123"), Map.of("model", Map.of("latent_dim", 2)), "model:\n  latent_dim: 2\n");
        rec.recordEpoch(epoch(1, 200));
        rec.recordEpoch(epoch(2, 150));
        List<String> lines = Files.readAllLines(rec.dir().resolve("metrics.jsonl"));
        assertEquals(2, lines.size());
        String first = lines.get(0);
        assertTrue(first.startsWith("{\"beta\":1.0,\"epoch\":1,\"epoch_seconds\":2.0,\"grad_norm\":3.0,"), first);
        assertFalse(first.contains("null"), "null diagnostics are left out");
        assertEquals(List.of(epoch(1, 200), epoch(2, 150)), store.readMetrics("abc123"));
        assertEquals(2, store.readSummary("abc123").orElseThrow().epochsCompleted());
    }

    @Test
    void resumeKeepsEpochsAndTruncateDropsLaterOnes() throws IOException {
        RunStore store = new RunStore(tmp, "s");
        RunRecorder rec = store.open(run("r1"), Map.of(), "");
        for (int e = 1; e <= 3; e++) {
            rec.recordEpoch(epoch(e, 100 - e));
        }
        RunRecorder again = store.open(run("r1"), Map.of(), "");
        assertEquals(3, again.epochs().size());
        again.truncateTo(1);
        again.recordEpoch(epoch(2, 42));
        assertEquals(List.of(1, 2), store.readMetrics("r1").stream().map(EpochMetrics::epoch).toList());
        assertEquals(42, store.readMetrics("r1").get(1).trainLoss());
    }

    /** A kill between recordEpoch's two writes (metrics.jsonl has the epoch, summary.json not yet) is repaired on resume. */
    @Test
    void resumeBringsASummaryLeftOneEpochBehindInLineWithTheMetrics() throws IOException {
        RunStore store = new RunStore(tmp, "s");
        RunRecorder rec = store.open(run("r2"), Map.of(), "");
        rec.recordEpoch(epoch(1, 99));
        rec.recordEpoch(epoch(2, 98));
        Path summary = rec.dir().resolve("summary.json");
        String behind = Files.readString(summary);
        rec.recordEpoch(epoch(3, 97));
        Files.writeString(summary, behind); // as if killed after metrics.jsonl, before summary.json
        assertEquals(2, store.readSummary("r2").orElseThrow().epochsCompleted());

        RunRecorder again = store.open(run("r2"), Map.of(), "");
        again.truncateTo(3); // the last checkpoint is epoch 3: nothing to drop, nothing to train again
        RunSummary s = store.readSummary("r2").orElseThrow();
        assertEquals(3, s.epochsCompleted());
        assertEquals(epoch(3, 97), s.finalMetrics());
        again.truncateTo(1);
        assertEquals(1, store.readSummary("r2").orElseThrow().epochsCompleted(), "and after dropping epochs");
    }

    @Test
    void runLockIsExclusiveAndReleased() throws IOException {
        RunStore store = new RunStore(tmp, "s");
        Optional<RunLock> first = store.tryLock("r1");
        assertTrue(first.isPresent());
        assertTrue(store.tryLock("r1").isEmpty(), "a held run cannot be locked twice");
        first.get().close();
        Optional<RunLock> again = store.tryLock("r1");
        assertTrue(again.isPresent());
        again.get().close();
    }

    @Test
    void namesThatCouldEscapeResultsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RunStore(tmp, "../evil"));
        assertThrows(IllegalArgumentException.class, () -> new RunStore(tmp, "a/b"));
        assertThrows(IllegalArgumentException.class, () -> new RunStore(tmp, ".hidden"));
        assertThrows(IllegalArgumentException.class, () -> new RunStore(tmp, "ok").runDir(".."));
    }

    @Test
    void indexListsEveryRunInExpansionOrder() throws IOException {
        RunStore store = new RunStore(tmp, "s");
        store.plan(new RunSpec("bbb", "b", "s", 1, Map.of(), RunConfig.DEFAULT), Map.of());
        store.plan(new RunSpec("aaa", "a", "s", 0, Map.of(), RunConfig.DEFAULT), Map.of());
        store.writeIndex();
        String index = Files.readString(store.sweepDir().resolve("index.json"));
        assertTrue(index.indexOf("\"aaa\"") < index.indexOf("\"bbb\""), index);
        assertEquals(2, store.summaries().size());
        assertEquals(RunStatus.PENDING, store.summaries().get(0).status());
    }

    @Test
    void planningLeavesARunBeingTrainedToItsHolder() throws IOException {
        RunStore store = new RunStore(tmp, "s");
        // Another process holds the run (it is training it, and will write the summary itself): planning must
        // not write a pending summary that could land over the holder's completed one.
        try (RunLock held = store.tryLock("r1").orElseThrow()) {
            store.plan(run("r1"), Map.of());
            assertTrue(store.readSummary("r1").isEmpty(), "no summary written under someone else's lock");
        }
        store.plan(run("r1"), Map.of());
        assertEquals(RunStatus.PENDING, store.readSummary("r1").orElseThrow().status());
    }

    @Test
    void openingARunRemovesWhatKilledWritesLeftBehind() throws IOException {
        RunStore store = new RunStore(tmp, "s");
        Path dir = store.open(run("r1"), Map.of(), "").dir();
        Path ck = Files.createDirectories(dir.resolve("checkpoints"));
        // what a kill -9 inside AtomicFiles.write leaves: its temporary file
        Files.writeString(dir.resolve(".summary.json.8271.tmp"), "{\"half");
        Files.writeString(ck.resolve(".last.ckpt.1234.tmp"), "half");
        Files.writeString(dir.resolve("notes.tmp"), "a user's file, not ours");
        store.open(run("r1"), Map.of(), "");
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".summary.json.")));
        }
        try (Stream<Path> s = Files.list(ck)) {
            assertEquals(0, s.count());
        }
        assertTrue(Files.exists(dir.resolve("notes.tmp")));
    }
}
