package org.vaelab.diagnostics;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The latent diagnostics of one epoch, computed from the encoder's outputs on the evaluation set; one call per
 * epoch from the trainer, fields named as the {@code metrics.jsonl} keys they fill.
 *
 * @param activeUnits   number of units with A_u &gt; threshold ({@code active_units}; Burda et al. 2016)
 * @param unitActivity  A_u = Cov_x(E_q[z_u]) per unit ({@code unit_activity})
 * @param klPerDim      mean over examples of KL(q(z_u|x) || N(0,1)) per unit, nats ({@code kl_per_dim})
 * @param collapsedDims (epsilon, delta)-collapsed units, ascending ({@code collapsed_dims}; Lucas et al. 2019)
 * @param mutualInfo    estimate of I(x; z) under q, nats ({@code mutual_info}; He et al. 2019)
 */
public record EpochDiagnostics(int activeUnits, List<Double> unitActivity, List<Double> klPerDim,
                               List<Integer> collapsedDims, double mutualInfo) {

    public EpochDiagnostics {
        unitActivity = List.copyOf(unitActivity);
        klPerDim = List.copyOf(klPerDim);
        collapsedDims = List.copyOf(collapsedDims);
        if (unitActivity.size() != klPerDim.size()) {
            throw new IllegalArgumentException("unitActivity has " + unitActivity.size() + " units but klPerDim has "
                    + klPerDim.size() + "; both must have one entry per latent dimension");
        }
    }

    /**
     * All diagnostics with the documented defaults: (epsilon, delta) = ({@value KlPerDim#DEFAULT_EPSILON},
     * {@value KlPerDim#DEFAULT_DELTA}) and at most {@value MutualInformation#DEFAULT_MAX_EXAMPLES} examples
     * for the mutual information.
     *
     * @param mu                  posterior means on the evaluation set, n x d (n &gt;= 2)
     * @param logvar              posterior log-variances, n x d
     * @param activeUnitThreshold {@code eval.active_unit_threshold}
     * @param seed                seed of the mutual information's subset and noise (derive it per run and epoch)
     */
    public static EpochDiagnostics compute(double[][] mu, double[][] logvar, double activeUnitThreshold, long seed) {
        return compute(mu, logvar, activeUnitThreshold, KlPerDim.DEFAULT_EPSILON, KlPerDim.DEFAULT_DELTA,
                MutualInformation.DEFAULT_MAX_EXAMPLES, seed);
    }

    /**
     * All diagnostics with explicit settings.
     *
     * @param epsilon       KL level of (epsilon, delta)-collapse, nats
     * @param delta         fraction of examples a collapsed unit may still serve
     * @param miMaxExamples examples used by the O(N^2 d) mutual information estimate
     */
    public static EpochDiagnostics compute(double[][] mu, double[][] logvar, double activeUnitThreshold,
                                           double epsilon, double delta, int miMaxExamples, long seed) {
        ActiveUnits.Result au = ActiveUnits.compute(mu, activeUnitThreshold);
        KlPerDim.Summary kl = KlPerDim.summarize(mu, logvar, epsilon, delta);
        double mi = MutualInformation.estimate(mu, logvar, miMaxExamples, new SplittableRandom(seed));
        List<Double> klList = new ArrayList<>();
        for (double v : kl.meanPerDim()) {
            klList.add(v);
        }
        List<Integer> collapsed = new ArrayList<>();
        for (int u : kl.collapsedDims()) {
            collapsed.add(u);
        }
        return new EpochDiagnostics(au.count(), au.activity(), klList, collapsed, mi);
    }

    /** Number of latent dimensions. */
    public int latentDim() {
        return unitActivity.size();
    }

    /** Sum of {@link #klPerDim()}: the mean KL term of the ELBO on the evaluation set, nats. */
    public double totalKl() {
        double s = 0;
        for (double v : klPerDim) {
            s += v;
        }
        return s;
    }

    /** This epoch's activity as input to {@link RunVerdict#judge}. */
    public EpochActivity activity(int epoch) {
        return new EpochActivity(epoch, unitActivity, totalKl());
    }
}
