package org.vaelab.spec;

/**
 * Evaluation and diagnostics settings.
 *
 * @param activeUnitThreshold a latent unit is active when Cov_x(E_q[z_u]) exceeds this (Burda et al. 2016)
 * @param loglikSamples       importance samples per example for the final log p(x) estimate; 0 disables it
 * @param loglikSubset        number of test examples the log-likelihood is estimated on
 */
public record EvalSpec(double activeUnitThreshold, int loglikSamples, int loglikSubset) {
    public static final EvalSpec DEFAULT = new EvalSpec(0.01, 1000, 1000);

    public EvalSpec {
        SpecKeys.require("eval.active_unit_threshold", activeUnitThreshold);
        SpecKeys.require("eval.loglik_samples", loglikSamples);
        SpecKeys.require("eval.loglik_subset", loglikSubset);
    }
}
