package org.vaelab.train;

import org.vaelab.tracking.EpochMetrics;

/**
 * Fills the diagnostic fields of an epoch's metrics (active units, unit activity, collapsed dims, mutual
 * information) from the test-set posterior. The trainer calls it once per epoch, before the checkpoint.
 * The numbers themselves are {@link org.vaelab.diagnostics.EpochDiagnostics}; this is the trainer's hook
 * that decides whether and how to compute them.
 */
@FunctionalInterface
public interface EpochDiagnoser {
    /** Leaves the diagnostic fields null. */
    EpochDiagnoser NONE = (metrics, evaluation) -> metrics;

    /** {@code metrics} with the diagnostic fields computed from {@code evaluation}. */
    EpochMetrics apply(EpochMetrics metrics, TestEvaluation evaluation);
}
