package org.vaelab.train;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import org.vaelab.data.DataException;
import org.vaelab.data.DataLoader;
import org.vaelab.data.DataSplit;
import org.vaelab.model.VaeArchitecture;
import org.vaelab.model.VaeModel;
import org.vaelab.spec.ConfigTree;
import org.vaelab.spec.RunSpec;
import org.vaelab.spec.yaml.SpecYaml;
import org.vaelab.tracking.DiskFullException;
import org.vaelab.tracking.Provenance;
import org.vaelab.tracking.RunRecorder;
import org.vaelab.tracking.RunStatus;
import org.vaelab.tracking.RunStore;
import org.vaelab.tracking.RunSummary;

/**
 * One run's life cycle in the run store, end to end: load its data, mark it running, write its provenance,
 * train it (resuming from its checkpoint), keep a failure's cause instead of throwing, write its pictures,
 * judge its latent code and estimate its log-likelihood, and record how it ended. The sweep runner and the
 * speed benchmark both train through here, so every trained run has a status and a provenance.
 *
 * <p>The caller holds the run's lock (see {@link RunStore#tryLock}); this class does not take it.
 */
public final class RunExecution {
    /** What the caller hears while a run executes: training progress plus one-line notes. */
    public interface Listener extends TrainingListener {
        /** Ignores everything. */
        Listener NONE = new Listener() {
        };

        /**
         * A line worth showing once (where the pictures went, the log-likelihood, a warning): never the
         * run's outcome, which {@link #execute} returns.
         */
        default void onNote(String message) {
        }
    }

    private final Path dataRoot;
    private final boolean extras;

    private RunExecution(Path dataRoot, boolean extras) {
        this.dataRoot = dataRoot;
        this.extras = extras;
    }

    /**
     * Everything a sweep records: per-epoch latent diagnostics, the pictures, the verdict and the
     * log-likelihood.
     *
     * @param dataRoot where data sets are found and fetched ({@code --data})
     */
    public static RunExecution full(Path dataRoot) {
        return new RunExecution(dataRoot, true);
    }

    /**
     * Status, provenance, failure capture and end time around training alone: for measurements (bench)
     * whose time and memory the diagnostics and pictures would disturb.
     */
    public static RunExecution trainingOnly(Path dataRoot) {
        return new RunExecution(dataRoot, false);
    }

    /**
     * Executes {@code run} into {@code store}. A run that throws while training is recorded as failed with
     * its cause and returned, so the caller can go on to the next run.
     *
     * @return the run's summary as recorded at the end: completed, diverged, failed, or interrupted when the
     *         listener threw {@link RunInterruptedException}
     * @throws DataException before anything is written when the run's data is missing or unusable (bad
     *                       input: the run is not marked running)
     * @throws IOException   when the run folder cannot be written or its checkpoint is unreadable
     * @throws DiskFullException when the disk is full: the run is recorded as failed with the file it was
     *                       writing if that can still be written
     */
    public RunSummary execute(RunSpec run, RunStore store, Listener listener) throws IOException, DataException {
        // Data first: a missing or corrupt data set is bad input and must not leave a run marked running.
        DataSplit data = DataLoader.load(run.config().dataset(), dataRoot, run.config().train().seed());
        Map<String, Object> tree = ConfigTree.toTree(run.config());
        RunRecorder rec = store.open(run, tree, SpecYaml.write(tree));
        try {
            return executeOpen(run, data, rec, listener);
        } catch (IOException e) {
            throw failedForNoSpace(rec, e);
        }
    }

    /** {@link #execute(RunSpec, RunStore, Listener)} once the run's folder is open. */
    private RunSummary executeOpen(RunSpec run, DataSplit data, RunRecorder rec, Listener listener)
            throws IOException {
        Instant started = Instant.now();
        // Time of earlier attempts: the summary's sum, or, after a kill -9 that left no end time, at least the
        // time of the epochs recorded, so a resumed run's seconds cover all of its training.
        double before = Math.max(rec.summary().seconds(),
                rec.epochs().stream().mapToDouble(e -> e.epochSeconds()).filter(Double::isFinite).sum());
        rec.updateSummary(s -> s.withStart(stamp(started)));
        rec.writeProvenance(Provenance.collect(Path.of("."), provenance(run, started, data)));
        TrainResult result;
        try {
            Trainer trainer = extras ? new Trainer(new LatentDiagnostics(run.config())) : new Trainer();
            result = trainer.train(run, data, rec, listener);
        } catch (RunInterruptedException e) {
            // A clean stop: the last checkpoint holds every recorded epoch, the one in progress is discarded.
            String cause = "interrupted by " + e.getMessage() + " after " + rec.summary().epochsCompleted()
                    + " epoch(s); resumes from its last checkpoint";
            double secs = before + secondsSince(started);
            rec.updateSummary(s -> s.withEnd(RunStatus.INTERRUPTED, cause, null, secs));
            return rec.summary();
        } catch (RuntimeException e) {
            String cause = e.getClass().getSimpleName() + ": " + e.getMessage();
            double secs = before + secondsSince(started);
            rec.updateSummary(s -> s.withEnd(RunStatus.FAILED, cause, stamp(Instant.now()), secs));
            return rec.summary();
        }
        try (result) {
            if (extras) {
                finish(run, data, rec, result, listener);
            }
        }
        double secs = before + secondsSince(started);
        rec.updateSummary(s -> s.withEnd(result.status(), result.cause(), stamp(Instant.now()), secs));
        return rec.summary();
    }

    /**
     * A full disk stops the run, and the sweep (every later run would meet it too): the run is recorded as
     * failed with the file it was writing, if summary.json can still be written, and the fault is handed on. If
     * it cannot, the previous summary stays whole (atomic writes) and the run reads as interrupted once its lock
     * is released; either way it resumes from its last checkpoint. Any other error is returned as it was.
     */
    private static IOException failedForNoSpace(RunRecorder rec, IOException e) {
        java.util.Optional<DiskFullException> full = DiskFullException.find(e);
        if (full.isEmpty()) {
            return e;
        }
        String cause = full.get().getMessage();
        try {
            rec.updateSummary(s -> s.withEnd(RunStatus.FAILED, cause, stamp(Instant.now()), s.seconds()));
        } catch (IOException | RuntimeException stillFull) {
            full.get().addSuppressed(stillFull);
        }
        return full.get();
    }

    /** Pictures, verdict and log-likelihood: their failures are notes, never the run's failure. */
    private static void finish(RunSpec run, DataSplit data, RunRecorder rec, TrainResult result, Listener listener)
            throws IOException {
        String label = run.name();
        if (result.completed()) {
            listener.onNote(label + ": " + pictures(result, run, data, rec));
        }
        try {
            String loglik = RunFinisher.finish(result, run.config(), data, rec);
            if (loglik != null) {
                listener.onNote(label + ": " + loglik);
            }
        } catch (RuntimeException e) {
            // The run itself is done and recorded; a failing end-of-run diagnostic must not lose it.
            listener.onNote("warning: " + label + ": verdict/log-likelihood not computed: " + e.getMessage());
        }
    }

    /** Writes the run's pictures; a failure is a warning, never the run's failure (the metrics are what count). */
    private static String pictures(TrainResult result, RunSpec run, DataSplit data, RunRecorder rec)
            throws DiskFullException {
        try {
            return RunVisualsBuilder.write(result, run.config(), data.test(), rec);
        } catch (DiskFullException e) {
            throw e; // not a picture's problem: the next write would fail too
        } catch (IOException | RuntimeException e) {
            return "warning: pictures not written (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
        }
    }

    /**
     * The provenance facts only this stage knows: backend, training step, the model as built for the data's
     * image size (a layer list by its layers), seed, start, command line.
     */
    private static Map<String, Object> provenance(RunSpec run, Instant started, DataSplit data) {
        Map<String, Object> extra = new LinkedHashMap<>(Devices.describe());
        extra.put("training_step", VaeModel.engine(run.config().model()));
        extra.put("architecture", VaeArchitecture.of(run.config().model(), data.train().rows(), data.train().cols())
                .describe());
        extra.put("seed", run.config().train().seed());
        extra.put("started", stamp(started));
        extra.put("command", ProcessHandle.current().info().commandLine().orElse("?"));
        return extra;
    }

    private static double secondsSince(Instant t) {
        return Duration.between(t, Instant.now()).toMillis() / 1000.0;
    }

    /** Times in summaries and provenance: ISO-8601 to the second (nanoseconds only clutter the report). */
    static String stamp(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
