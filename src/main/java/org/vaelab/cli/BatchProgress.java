package org.vaelab.cli;

/**
 * Where a worker is within its sweep after one training batch: what the live progress line shows.
 *
 * @param run      the run's name
 * @param runIndex 1-based position of the run in the sweep
 * @param runs     runs in the sweep
 * @param epoch    current epoch, 1-based
 * @param epochs   epochs of the run
 * @param batch    batches done in this epoch
 * @param batches  batches per epoch
 * @param loss     loss of the last batch
 * @param eta      seconds left in this run (NaN while unknown)
 */
record BatchProgress(String run, int runIndex, int runs, int epoch, int epochs, int batch, int batches, double loss,
                     double eta) {
    /** True for the epoch's last batch, which a throttled writer never drops. */
    boolean lastOfEpoch() {
        return batch == batches;
    }
}
