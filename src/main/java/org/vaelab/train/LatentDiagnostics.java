package org.vaelab.train;

import org.vaelab.diagnostics.AggregatePosterior;
import org.vaelab.diagnostics.EpochDiagnostics;
import org.vaelab.spec.RunConfig;
import org.vaelab.tracking.EpochMetrics;

/**
 * The per-epoch diagnostics of a run (active units, unit activity, collapsed dimensions, mutual information,
 * the aggregate posterior's moments per unit),
 * computed from the test-set posterior the trainer already evaluated, so they cost no extra model pass.
 */
public final class LatentDiagnostics implements EpochDiagnoser {
    private final double threshold;
    private final RunSeeds seeds;

    /** Diagnostics with the run's active-unit threshold and seeds. */
    public LatentDiagnostics(RunConfig cfg) {
        this.threshold = cfg.eval().activeUnitThreshold();
        this.seeds = new RunSeeds(cfg.train().seed());
    }

    @Override
    public EpochMetrics apply(EpochMetrics m, TestEvaluation ev) {
        if (ev.mu().length < 2) {
            return m;
        }
        EpochDiagnostics d = EpochDiagnostics.compute(ev.mu(), ev.logvar(), threshold, seeds.diagnostics(m.epoch()));
        // Notebook 000's view, kept per epoch: q(z) per unit against N(0, 1), one O(n d) pass.
        AggregatePosterior q = AggregatePosterior.of(ev.mu(), ev.logvar(), seeds.latentSample(m.epoch()));
        return m.toBuilder().diagnostics(d.activeUnits(), d.unitActivity(), d.collapsedDims(), d.mutualInfo())
                .latentMoments(q.muMean(), q.muStd(), q.zMean(), q.zStd()).build();
    }
}
