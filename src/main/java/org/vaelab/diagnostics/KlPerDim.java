package org.vaelab.diagnostics;

/**
 * KL divergence of a diagonal Gaussian posterior from the standard normal prior, per example and latent
 * dimension, and (epsilon, delta)-collapse per dimension (Lucas, Tucker, Grosse and Norouzi 2019,
 * "Don't Blame the ELBO! A Linear VAE Perspective on Posterior Collapse", definition 1).
 *
 * <p>For q(z_u|x) = N(mu, exp(logvar)) and p(z_u) = N(0, 1), in nats (Kingma and Welling 2014, appendix B):
 * <pre>
 *   KL_u(x) = 0.5 * (mu^2 + exp(logvar) - 1 - logvar)
 * </pre>
 * Summed over u it is the KL term of the per-example ELBO; its mean over examples per u is {@code kl_per_dim}.
 *
 * <p>Dimension u is <em>(epsilon, delta)-collapsed</em> when P_x[ KL_u(x) &lt; epsilon ] &gt;= 1 - delta, the
 * probability taken over the evaluation examples. Unlike the mean KL, this is not fooled by a dimension that
 * is used by a handful of examples only (its mean KL can be small while it still encodes something for them).
 */
public final class KlPerDim {
    /**
     * Default epsilon: 0.01 nats. A dimension below it transmits at most about 0.01 nats (0.014 bits) per
     * example: a hundredth of what a unit that separates two classes needs (log 2 = 0.69 nats).
     */
    public static final double DEFAULT_EPSILON = 0.01;
    /** Default delta: a dimension used by fewer than 5% of the examples still counts as collapsed. */
    public static final double DEFAULT_DELTA = 0.05;

    // The fraction compared against 1 - delta is count / n; without a little slack, 95 of 100 against
    // 1 - 0.05 would be decided by how 0.95 rounds in binary.
    private static final double FRACTION_SLACK = 1e-12;

    private KlPerDim() {
    }

    /**
     * KL(N(mu, exp(logvar)) || N(0, 1)) for one coordinate, in nats.
     * expm1 keeps exp(logvar) - 1 - logvar accurate when logvar is near 0 (a nearly collapsed unit), where
     * the naive form cancels; rounding cannot make a KL negative, so it is clamped at 0.
     */
    public static double gaussianKl(double mu, double logvar) {
        return Math.max(0.0, 0.5 * (mu * mu + Math.expm1(logvar) - logvar));
    }

    /**
     * KL_u(x_i) for every example i and dimension u.
     *
     * @param mu     posterior means, n x d
     * @param logvar posterior log-variances, n x d
     * @return a new n x d matrix in nats
     */
    public static double[][] perExample(double[][] mu, double[][] logvar) {
        int d = Checks.sameShape(mu, logvar);
        double[][] out = new double[mu.length][d];
        for (int i = 0; i < mu.length; i++) {
            for (int u = 0; u < d; u++) {
                out[i][u] = gaussianKl(mu[i][u], logvar[i][u]);
            }
        }
        return out;
    }

    /**
     * Mean over examples of KL_u(x), per dimension ({@code kl_per_dim}); the entries sum to the mean KL term.
     *
     * @return a new array of length d, in nats
     */
    public static double[] meanPerDim(double[][] mu, double[][] logvar) {
        return summarize(mu, logvar, DEFAULT_EPSILON, DEFAULT_DELTA).meanPerDim();
    }

    /**
     * Fraction of examples with KL_u(x) &lt; epsilon, per dimension.
     *
     * @return a new array of length d with values in [0, 1]
     */
    public static double[] fractionBelow(double[][] mu, double[][] logvar, double epsilon) {
        return summarize(mu, logvar, epsilon, DEFAULT_DELTA).fractionBelow();
    }

    /**
     * Indices of the (epsilon, delta)-collapsed dimensions, ascending.
     *
     * @param epsilon KL level in nats below which an example does not use the dimension, &gt; 0
     * @param delta   fraction of examples allowed to use a collapsed dimension, in [0, 1]
     */
    public static int[] collapsedDims(double[][] mu, double[][] logvar, double epsilon, double delta) {
        return summarize(mu, logvar, epsilon, delta).collapsedDims();
    }

    /**
     * Mean KL per dimension, fraction of examples below epsilon and the collapsed dimensions.
     *
     * @param meanPerDim    mean over examples of KL_u(x), nats
     * @param fractionBelow fraction of examples with KL_u(x) &lt; epsilon
     * @param collapsedDims dimensions with fractionBelow &gt;= 1 - delta, ascending
     */
    public record Summary(double[] meanPerDim, double[] fractionBelow, int[] collapsedDims) {
        public Summary {
            meanPerDim = meanPerDim.clone();
            fractionBelow = fractionBelow.clone();
            collapsedDims = collapsedDims.clone();
        }

        @Override
        public double[] meanPerDim() {
            return meanPerDim.clone();
        }

        @Override
        public double[] fractionBelow() {
            return fractionBelow.clone();
        }

        @Override
        public int[] collapsedDims() {
            return collapsedDims.clone();
        }

        /** Sum of the per-dimension means: the mean KL term of the ELBO, in nats. */
        public double totalKl() {
            double s = 0;
            for (double v : meanPerDim) {
                s += v;
            }
            return s;
        }
    }

    /**
     * One pass over the examples computing everything this class offers, without the n x d matrix.
     *
     * @param epsilon KL level in nats, &gt; 0
     * @param delta   in [0, 1]
     */
    public static Summary summarize(double[][] mu, double[][] logvar, double epsilon, double delta) {
        if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon: must be a finite KL level > 0 nats, got " + epsilon
                    + " (Lucas et al. 2019; default " + DEFAULT_EPSILON + ")");
        }
        if (!(delta >= 0 && delta <= 1)) {
            throw new IllegalArgumentException("delta: must be a fraction in [0, 1], got " + delta
                    + " (default " + DEFAULT_DELTA + ")");
        }
        int d = Checks.sameShape(mu, logvar);
        int n = mu.length;
        double[] sum = new double[d];
        int[] below = new int[d];
        for (int i = 0; i < n; i++) {
            double[] m = mu[i];
            double[] lv = logvar[i];
            for (int u = 0; u < d; u++) {
                double kl = gaussianKl(m[u], lv[u]);
                sum[u] += kl;
                if (kl < epsilon) {
                    below[u]++;
                }
            }
        }
        double[] mean = new double[d];
        double[] frac = new double[d];
        int collapsedCount = 0;
        boolean[] collapsed = new boolean[d];
        for (int u = 0; u < d; u++) {
            mean[u] = sum[u] / n;
            frac[u] = (double) below[u] / n;
            collapsed[u] = frac[u] >= 1 - delta - FRACTION_SLACK;
            if (collapsed[u]) {
                collapsedCount++;
            }
        }
        int[] dims = new int[collapsedCount];
        for (int u = 0, k = 0; u < d; u++) {
            if (collapsed[u]) {
                dims[k++] = u;
            }
        }
        return new Summary(mean, frac, dims);
    }
}
