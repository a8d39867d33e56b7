package org.vaelab.train;

import org.vaelab.tracking.EpochMetrics;

/**
 * Fills the diagnostic fields of an epoch's metrics (active units, unit activity, collapsed dims, mutual
 * information) from the test-set posterior. The trainer calls it once per epoch, before the checkpoint.
 */
@FunctionalInterface
public interface EpochDiagnostics {
    /** Leaves the diagnostic fields null. */
    EpochDiagnostics NONE = (metrics, evaluation) -> metrics;

    /** {@code metrics} with the diagnostic fields computed from {@code evaluation}. */
    EpochMetrics apply(EpochMetrics metrics, TestEvaluation evaluation);
}
