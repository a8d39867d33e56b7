package org.vaelab.train;

import org.vaelab.tracking.EpochMetrics;

/** Progress callbacks of a training run (for progress bars and logs); called on the training thread. */
public interface TrainingListener {
    /** Ignores everything. */
    TrainingListener NONE = new TrainingListener() {
    };

    /**
     * Training starts (or resumes) at {@code firstEpoch}.
     *
     * @param firstEpoch      1 for a fresh run, later when resuming from a checkpoint
     * @param epochs          last epoch of the run
     * @param batchesPerEpoch optimisation steps per epoch
     */
    default void onStart(int firstEpoch, int epochs, int batchesPerEpoch) {
    }

    /** After training step {@code batch} (1-based) of {@code batches} in {@code epoch}; loss of that batch. */
    default void onBatch(int epoch, int batch, int batches, double loss) {
    }

    /** After an epoch was evaluated, checkpointed and recorded. */
    default void onEpoch(EpochMetrics metrics) {
    }
}
