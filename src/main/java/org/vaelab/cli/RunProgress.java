package org.vaelab.cli;

import java.util.Locale;
import org.vaelab.spec.RunSpec;
import org.vaelab.tracking.EpochMetrics;
import org.vaelab.tracking.RunStatus;
import org.vaelab.tracking.RunSummary;
import org.vaelab.train.RunExecution;
import org.vaelab.train.RunInterruptedException;

/**
 * What a sweep shows of one executing run: a batch line with its ETA, one line per epoch, the run's notes,
 * and the line saying how it ended. Turns {@link RunExecution}'s callbacks into {@link ProgressSink} calls.
 */
final class RunProgress implements RunExecution.Listener {
    private final ProgressSink sink;
    private final String label;
    private final int runNo;
    private final int total;
    private final int epochs;
    private final long t0 = System.nanoTime();
    private int firstEpoch = -1;

    RunProgress(RunSpec run, int total, ProgressSink sink) {
        this.sink = sink;
        this.label = run.name();
        this.runNo = run.index() + 1;
        this.total = total;
        this.epochs = run.config().train().epochs();
    }

    @Override
    public void onBatch(int epoch, int batch, int batches, double loss) {
        if (StopSignals.requested()) {
            throw new RunInterruptedException(StopSignals.signal());
        }
        if (firstEpoch < 0) {
            firstEpoch = epoch;
        }
        // The ETA counts only what this attempt trained: a resumed run's earlier epochs took no time here.
        double done = (epoch - firstEpoch) * (double) batches + batch;
        double left = (epochs - epoch) * (double) batches + (batches - batch);
        double eta = done <= 0 ? Double.NaN : (System.nanoTime() - t0) / 1e9 / done * left;
        sink.batch(new BatchProgress(label, runNo, total, epoch, epochs, batch, batches, loss, eta));
    }

    @Override
    public void onEpoch(EpochMetrics m) {
        sink.event(String.format(Locale.ROOT,
                "run %d/%d %s epoch %d/%d: train %.2f | test -ELBO %.2f (recon %.2f, KL %.2f)%s | %.1f s",
                runNo, total, label, m.epoch(), epochs, m.trainLoss(), m.testLoss(), m.testRecon(),
                m.testKl(), m.activeUnits() == null ? "" : " | active " + m.activeUnits(),
                m.epochSeconds()));
    }

    @Override
    public void onNote(String message) {
        sink.event(message);
    }

    /** The line that says how the run ended, from its final summary. */
    void ended(RunSummary s, int latentDim) {
        if (s.status() == RunStatus.FAILED) {
            sink.event("FAILED " + label + ": " + s.cause());
            return;
        }
        if (s.status() == RunStatus.INTERRUPTED) {
            sink.event("interrupted " + label + ": " + s.cause());
            return;
        }
        EpochMetrics last = s.finalMetrics();
        sink.event(String.format(Locale.ROOT, "%s %s: %s%s in %s", s.status().json(), label,
                last == null ? "no epoch finished" : String.format(Locale.ROOT, "test -ELBO %.2f, KL %.2f",
                        last.testLoss(), last.testKl()),
                s.verdict() == null ? "" : ", " + s.verdict().json() + (s.activeUnits() == null ? ""
                        : " (" + s.activeUnits() + "/" + latentDim + " active)"),
                ProgressBoard.clock(s.seconds())));
    }
}
