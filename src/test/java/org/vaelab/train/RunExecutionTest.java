package org.vaelab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vaelab.train.TrainerFixtures.DATA;
import static org.vaelab.train.TrainerFixtures.tiny;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.data.DataException;
import org.vaelab.data.IdxFiles;
import org.vaelab.spec.Binarize;
import org.vaelab.spec.DatasetName;
import org.vaelab.spec.DatasetSpec;
import org.vaelab.spec.EvalSpec;
import org.vaelab.spec.RunConfig;
import org.vaelab.spec.RunSpec;
import org.vaelab.tracking.EpochMetrics;
import org.vaelab.tracking.Json;
import org.vaelab.tracking.RunStatus;
import org.vaelab.tracking.RunStore;
import org.vaelab.tracking.RunSummary;

/** One run's life cycle in the store: what a sweep and the bench both rely on. */
class RunExecutionTest {
    @TempDir
    Path tmp;

    /** The fixture data as IDX files, the way a spec's dataset.path names them. */
    private RunSpec run(String id) throws IOException {
        Path idx = tmp.resolve("idx");
        if (!Files.isDirectory(idx)) {
            IdxFiles.writeSet(idx, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", DATA.train(), false);
            IdxFiles.writeSet(idx, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", DATA.test(), false);
        }
        RunConfig t = tiny();
        RunConfig c = new RunConfig(new DatasetSpec(DatasetName.IDX, idx.toString(), null, null, null,
                Binarize.NONE, false), t.model(), t.loss(), t.train(), new EvalSpec(0.01, 4, 32));
        return new RunSpec(id, "run-" + id, "exec", 0, Map.of(), c);
    }

    private Map<String, Object> provenance(RunStore store, String id) throws IOException {
        return Json.mapper().readValue(store.runDir(id).resolve("provenance.json").toFile(), new TypeReference<>() { });
    }

    @Test
    void aFullRunEndsCompletedWithProvenanceVerdictPicturesAndNotes() throws Exception {
        RunStore store = new RunStore(tmp.resolve("results"), "exec");
        List<String> notes = new ArrayList<>();
        List<Integer> epochs = new ArrayList<>();
        RunSummary s = RunExecution.full(tmp).execute(run("full00000001"), store, new RunExecution.Listener() {
            @Override
            public void onEpoch(EpochMetrics m) {
                epochs.add(m.epoch());
            }

            @Override
            public void onNote(String message) {
                notes.add(message);
            }
        });
        assertEquals(RunStatus.COMPLETED, s.status());
        assertEquals(Json.pretty(s), Json.pretty(store.readSummary("full00000001").orElseThrow()),
                "what is returned is what is recorded");
        assertEquals(List.of(1, 2), epochs);
        assertEquals(2, s.epochsCompleted());
        assertNotNull(s.started());
        assertNotNull(s.finished());
        assertTrue(s.seconds() > 0);
        assertNotNull(s.verdict(), "judged");
        assertNotNull(s.testLoglik(), "log-likelihood estimated");
        assertNotNull(s.finalMetrics().activeUnits(), "per-epoch diagnostics");
        int d = s.finalMetrics().klPerDim().size();
        for (EpochMetrics m : store.readMetrics("full00000001")) {
            // the aggregate posterior's moments, every epoch, one number per unit; sampled z spreads more than mu
            assertEquals(d, m.muMean().size());
            assertEquals(d, m.zStd().size());
            for (int u = 0; u < d; u++) {
                assertTrue(m.zStd().get(u) > m.muStd().get(u), "unit " + u + " at epoch " + m.epoch());
            }
        }
        assertEquals("class-stratified random", s.extra().get("loglik_subset"), s.extra().toString());
        assertEquals((int) ImportanceWeights.SUBSET_SEED, ((Number) s.extra().get("loglik_subset_seed")).intValue());
        assertEquals(s.extra().get("loglik_examples"), ((List<?>) s.extra().get("loglik_subset_classes")).stream()
                .mapToInt(c -> ((Number) c).intValue()).sum());
        assertTrue(Files.exists(store.runDir("full00000001").resolve("visuals.json")), "pictures");
        assertEquals(2, notes.size(), notes.toString());
        assertTrue(notes.get(1).startsWith("run-full00000001: log p(x) ~ "), notes.get(1));
        Map<String, Object> p = provenance(store, "full00000001");
        assertEquals(7, p.get("seed"));
        assertEquals(s.started(), p.get("started"));
        assertNotNull(p.get("training_step"));
        assertTrue(String.valueOf(p.get("architecture")).contains(" -> "), String.valueOf(p.get("architecture")));
        assertNotNull(p.get("java_version"));
    }

    @Test
    void trainingOnlyKeepsTheLifeCycleWithoutTheExtras() throws Exception {
        RunStore store = new RunStore(tmp.resolve("results"), "exec");
        List<String> notes = new ArrayList<>();
        RunSummary s = RunExecution.trainingOnly(tmp).execute(run("bare00000001"), store, new RunExecution.Listener() {
            @Override
            public void onNote(String message) {
                notes.add(message);
            }
        });
        assertEquals(RunStatus.COMPLETED, s.status());
        assertNotNull(s.finished());
        assertNull(s.verdict());
        assertNull(s.testLoglik());
        assertNull(s.finalMetrics().activeUnits());
        assertFalse(Files.exists(store.runDir("bare00000001").resolve("visuals.json")));
        assertEquals(List.of(), notes);
        assertEquals(7, provenance(store, "bare00000001").get("seed"), "bench runs have a provenance too");
    }

    @Test
    void aRunThatThrowsIsRecordedAsFailedWithItsCause() throws Exception {
        RunStore store = new RunStore(tmp.resolve("results"), "exec");
        RunSummary s = RunExecution.full(tmp).execute(run("fail00000001"), store, new RunExecution.Listener() {
            @Override
            public void onBatch(int epoch, int batch, int batches, double loss) {
                if (epoch == 2 && batch == 3) {
                    throw new IllegalStateException("boom in epoch 2");
                }
            }
        });
        assertEquals(RunStatus.FAILED, s.status());
        assertEquals("IllegalStateException: boom in epoch 2", s.cause());
        assertEquals(1, s.epochsCompleted(), "the epoch before the failure stays recorded");
        assertNotNull(s.finished());
        assertEquals(Json.pretty(s), Json.pretty(store.readSummary("fail00000001").orElseThrow()));

        // Executing it again resumes from the checkpoint and clears the cause.
        RunSummary again = RunExecution.full(tmp).execute(run("fail00000001"), store, RunExecution.Listener.NONE);
        assertEquals(RunStatus.COMPLETED, again.status());
        assertNull(again.cause());
        assertTrue(again.seconds() > s.seconds(), "time adds up over attempts");
    }

    @Test
    void unusableDataIsThrownBeforeTheRunIsTouched() throws Exception {
        RunStore store = new RunStore(tmp.resolve("results"), "exec");
        RunSpec good = run("nodata000001");
        RunConfig c = good.config();
        RunSpec bad = new RunSpec(good.id(), good.name(), good.sweep(), 0, Map.of(), new RunConfig(
                new DatasetSpec(DatasetName.IDX, tmp.resolve("missing").toString(), null, null, null, Binarize.NONE,
                        false), c.model(), c.loss(), c.train(), c.eval()));
        assertThrows(DataException.class, () -> RunExecution.full(tmp).execute(bad, store, RunExecution.Listener.NONE));
        assertTrue(store.readSummary(bad.id()).isEmpty(), "not marked running");
    }
}
