package org.vaelab.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vaelab.data.DataException;
import org.vaelab.spec.RunSpec;
import org.vaelab.tracking.DiskFullException;
import org.vaelab.tracking.RunLock;
import org.vaelab.tracking.RunStatus;
import org.vaelab.tracking.RunStore;
import org.vaelab.tracking.RunSummary;
import org.vaelab.train.RunExecution;

/**
 * One worker of a sweep (this process, or one child process): takes the sweep's unfinished runs one at a
 * time, each under its run lock, and executes it. Workers share nothing but the run store, so its per-run
 * locks are the whole coordination, with other workers and with another {@code vaelab run} alike.
 */
final class SweepWorker {
    private final List<RunSpec> runs;
    private final RunStore store;
    private final RunExecution execution;
    private final ProgressSink sink;
    /** When this worker started, as summaries stamp times (to the second). */
    private final java.time.Instant started =
            java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

    SweepWorker(List<RunSpec> runs, RunStore store, RunExecution execution, ProgressSink sink) {
        this.runs = List.copyOf(runs);
        this.store = store;
        this.execution = execution;
        this.sink = sink;
    }

    /** True if the store holds run {@code id} as needing no more training. */
    static boolean finished(RunStore store, String id) throws IOException {
        return store.readSummary(id).map(s -> s.status().finished()).orElse(false);
    }

    /**
     * Trains every run that is not finished. A run locked by another process (a second `vaelab run`, or
     * another worker) is passed over at first and waited for at the end: if that process finishes it, it is
     * skipped; if that process died, its lock is gone and this one resumes the run. So every run is finished
     * when this returns, and none is ever trained twice at once.
     *
     * @return BAD_INPUT if a run's data is unusable (training stops there), else OK
     */
    int trainAll() throws IOException {
        List<RunSpec> busy = new ArrayList<>();
        for (RunSpec run : runs) {
            if (StopSignals.requested()) {
                return ExitCodes.OK; // a clean stop: no further run; the runner says how to resume
            }
            if (finished(store, run.id())) {
                continue;
            }
            Optional<RunLock> lock = store.tryLock(run.id());
            if (lock.isEmpty()) {
                sink.event("skip " + run.name() + " for now: being trained by another process" + holder(run));
                busy.add(run);
                continue;
            }
            if (!trainLocked(run, lock.get())) {
                return ExitCodes.BAD_INPUT;
            }
        }
        for (RunSpec run : busy) {
            if (StopSignals.requested()) {
                return ExitCodes.OK;
            }
            if (finished(store, run.id())) {
                continue;
            }
            Optional<RunLock> lock = store.tryLock(run.id());
            if (lock.isEmpty()) {
                sink.event("waiting for " + run.name() + ": being trained by another process" + holder(run));
                lock = Optional.of(store.lock(run.id()));
            }
            if (!trainLocked(run, lock.get())) {
                return ExitCodes.BAD_INPUT;
            }
        }
        return ExitCodes.OK;
    }

    /**
     * Trains the run at {@code index} alone (one Slurm array task): waits for another process that holds it,
     * skips it when finished.
     *
     * @return OK if the run ends completed, RUNS_FAILED if it failed or diverged, BAD_INPUT if its data is unusable
     */
    int trainOne(int index) throws IOException {
        RunSpec run = runs.get(index);
        if (!finished(store, run.id())) {
            Optional<RunLock> lock = store.tryLock(run.id());
            if (lock.isEmpty()) {
                sink.event("waiting for " + run.name() + ": being trained by another process" + holder(run));
                lock = Optional.of(store.lock(run.id()));
            }
            if (!trainLocked(run, lock.get())) {
                return ExitCodes.BAD_INPUT;
            }
        } else {
            sink.event(run.name() + ": already " + store.readSummary(run.id()).get().status());
        }
        return store.readSummary(run.id()).map(s -> s.status() == RunStatus.COMPLETED).orElse(false)
                ? ExitCodes.OK : ExitCodes.RUNS_FAILED;
    }

    private String holder(RunSpec run) {
        return store.lockHolder(run.id()).map(pid -> " (pid " + pid + ")").orElse("");
    }

    /** Trains {@code run} under {@code lock} unless it was finished meanwhile; false if the data is unusable. */
    private boolean trainLocked(RunSpec run, RunLock lock) throws IOException {
        try (lock) {
            // Checked again under the lock: another process may have finished the run since the first look.
            if (finished(store, run.id())) {
                return true;
            }
            requireSpaceLeft(run);
            Optional<String> veto = sink.claim(run.id());
            if (veto.isPresent()) {
                giveUp(run, veto.get());
                return true;
            }
            RunProgress progress = new RunProgress(run, runs.size(), sink);
            RunSummary end = execution.execute(run, store, progress);
            progress.ended(end, run.config().model().latentDim());
        } catch (DataException e) {
            sink.event("error: " + e.getMessage());
            return false;
        }
        sink.done(run.name());
        releaseMemory();
        return true;
    }

    /**
     * Skips a run the sweep's parent gave up in this sweep (its worker died on it, or it failed): it stays
     * failed with the parent's cause, which the parent could not write itself while this worker held the lock.
     */
    private void giveUp(RunSpec run, String cause) throws IOException {
        Optional<RunSummary> now = store.readSummary(run.id());
        if (now.isEmpty() || now.get().status() != RunStatus.FAILED) {
            recordFailed(store, run, cause);
            sink.event("skip " + run.name() + ": " + cause);
        }
    }

    /** Records {@code run} as failed with {@code cause}; the caller holds the run's lock. */
    static void recordFailed(RunStore store, RunSpec run, String cause) throws IOException {
        java.util.Map<String, Object> tree = org.vaelab.spec.ConfigTree.toTree(run.config());
        org.vaelab.tracking.RunRecorder rec = store.open(run, tree, org.vaelab.spec.yaml.SpecYaml.write(tree));
        String now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        rec.updateSummary(s -> s.withEnd(RunStatus.FAILED, cause, now, s.seconds()));
    }

    /**
     * Stops this worker when another one has just failed {@code run} on a full disk (since this worker
     * started): the disk is shared, so training it again now would fail the same way, and would overwrite the
     * cause. On a later `vaelab run` the run is resumed as any failed run is.
     */
    private void requireSpaceLeft(RunSpec run) throws IOException {
        Optional<RunSummary> s = store.readSummary(run.id());
        if (s.isPresent() && s.get().status() == RunStatus.FAILED && DiskFullException.isCause(s.get().cause())
                && s.get().finished() != null && !java.time.Instant.parse(s.get().finished()).isBefore(started)) {
            throw DiskFullException.reported(null);
        }
    }

    /**
     * A full GC between runs. The native memory behind ND4J arrays that were not closed explicitly (SameDiff's
     * intermediates, small temporaries) is freed only when the GC collects their Java handles, and the
     * launcher turns off JavaCPP's own GC trigger for speed; meanwhile the heap grows lazily. Without this a
     * one-worker sweep's resident memory climbed run after run (README "What vaelab guarantees today",
     * Memory: 1.66 to 2.62 GB over 12 runs); with it, it stays flat. Costs well under a second per run.
     */
    private static void releaseMemory() {
        System.gc();
    }
}
