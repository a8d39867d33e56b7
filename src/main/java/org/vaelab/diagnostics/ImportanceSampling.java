package org.vaelab.diagnostics;

/**
 * Log-likelihood log p(x) estimated by importance sampling with the encoder as proposal, and the ELBO on the
 * same samples (Burda, Grosse and Salakhutdinov 2016, "Importance Weighted Autoencoders", eq. 8; the
 * evaluation protocol of Rezende et al. 2014 and of most VAE papers since).
 *
 * <p>For example x and S samples z_s ~ q(z|x), the caller computes the log-weights
 * <pre>
 *   log w_s = log p(x|z_s) + log p(z_s) - log q(z_s|x)
 * </pre>
 * and this class returns
 * <pre>
 *   log p_hat(x) = log (1/S sum_s w_s)     (stable log-mean-exp)
 *   ELBO_hat(x)  = 1/S sum_s log w_s
 * </pre>
 * log p_hat(x) &gt;= ELBO_hat(x) for every example and every sample (Jensen: the log of a mean is at least the
 * mean of the logs). E[log p_hat] is itself the IWAE bound L_S: below log p(x), rising to it as S grows,
 * so with finite S the estimate is biased low (by roughly Var(w)/(2 S E[w]^2)); a proposal close to the true
 * posterior needs fewer samples. The reported number is the mean over examples, in nats.
 */
public final class ImportanceSampling {
    private ImportanceSampling() {
    }

    /**
     * Per-example and mean estimates from one matrix of log-weights.
     *
     * @param logLikelihood log p_hat(x) per example, nats
     * @param elbo          ELBO on the same samples per example, nats
     */
    public record Result(double[] logLikelihood, double[] elbo) {
        public Result {
            logLikelihood = logLikelihood.clone();
            elbo = elbo.clone();
        }

        @Override
        public double[] logLikelihood() {
            return logLikelihood.clone();
        }

        @Override
        public double[] elbo() {
            return elbo.clone();
        }

        /** Mean of log p_hat(x) over examples ({@code test_loglik}), nats. */
        public double meanLogLikelihood() {
            return mean(logLikelihood);
        }

        /** Mean ELBO over examples on the same samples, nats. */
        public double meanElbo() {
            return mean(elbo);
        }

        private static double mean(double[] v) {
            double s = 0;
            for (double x : v) {
                s += x;
            }
            return s / v.length;
        }
    }

    /**
     * log(1/S sum_s exp(v_s)) without overflow or underflow: the maximum is factored out. Entries of
     * -Infinity (zero weights) are allowed; if all are, the result is -Infinity.
     */
    public static double logMeanExp(double[] values) {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException("values: need at least one log-weight");
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            if (v > max) {
                max = v;
            }
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double sum = 0;
        for (double v : values) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum / values.length);
    }

    /**
     * log p_hat(x) and the ELBO for each example.
     *
     * @param logWeights n x S log importance weights, one row per example; S &gt;= 1. NaN or +Infinity is an
     *                   error (a broken decoder or proposal); -Infinity is a zero weight.
     */
    public static Result estimate(double[][] logWeights) {
        if (logWeights == null || logWeights.length == 0) {
            throw new IllegalArgumentException("logWeights: need at least one example (row), got none");
        }
        int n = logWeights.length;
        double[] ll = new double[n];
        double[] elbo = new double[n];
        for (int i = 0; i < n; i++) {
            double[] row = logWeights[i];
            if (row == null || row.length == 0) {
                throw new IllegalArgumentException("logWeights: row " + i + " has no samples; need S >= 1");
            }
            double s = 0;
            for (int k = 0; k < row.length; k++) {
                double v = row[k];
                if (Double.isNaN(v) || v == Double.POSITIVE_INFINITY) {
                    throw new IllegalArgumentException("logWeights[" + i + "][" + k + "] = " + v
                            + ": log-weights must be finite or -Infinity; check log p(x|z), log p(z), log q(z|x)");
                }
                s += v;
            }
            ll[i] = logMeanExp(row);
            elbo[i] = s / row.length;
        }
        return new Result(ll, elbo);
    }
}
