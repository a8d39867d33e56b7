package org.vaelab.diagnostics;

import java.util.ArrayList;
import java.util.List;

import org.apache.commons.math3.stat.descriptive.moment.Variance;

/**
 * Active units of a Gaussian encoder (Burda, Grosse and Salakhutdinov 2016, "Importance Weighted
 * Autoencoders", section 5.2).
 *
 * <p>The activity of latent unit u is the variance across examples of its posterior mean,
 * <pre>
 *   A_u = Cov_x( E_{q(z|x)}[z_u] ) = 1/(n-1) * sum_i (mu_iu - mean_i mu_iu)^2
 * </pre>
 * and the unit is <em>active</em> when A_u &gt; threshold (Burda et al. use 0.01). A unit whose posterior mean
 * does not move with x carries no information about x, whatever its posterior variance. The unbiased (n - 1)
 * estimator is used, as in Burda et al.'s and He et al.'s code; for the thousands of examples a test set
 * gives, the choice is immaterial next to the threshold.
 */
public final class ActiveUnits {
    /** Burda et al.'s threshold on A_u; also {@code eval.active_unit_threshold}'s default. */
    public static final double DEFAULT_THRESHOLD = 0.01;

    private ActiveUnits() {
    }

    /**
     * Per-unit activity and the count of active units.
     *
     * @param activity  A_u for each latent unit
     * @param count     number of units with A_u &gt; threshold
     * @param threshold the threshold used
     */
    public record Result(List<Double> activity, int count, double threshold) {
        public Result {
            activity = List.copyOf(activity);
        }

        /** Whether unit u is active (A_u &gt; threshold). */
        public boolean active(int u) {
            return activity.get(u) > threshold;
        }

        /** Indices of the inactive units, ascending. */
        public List<Integer> inactiveDims() {
            List<Integer> out = new ArrayList<>();
            for (int u = 0; u < activity.size(); u++) {
                if (!active(u)) {
                    out.add(u);
                }
            }
            return List.copyOf(out);
        }
    }

    /**
     * A_u for each column of {@code mu}.
     *
     * @param mu posterior means, one row per example (n &gt;= 2), one column per latent unit
     * @return a new array of length d
     */
    public static double[] activity(double[][] mu) {
        int d = Checks.finiteMatrix("mu", mu);
        if (mu.length < 2) {
            throw new IllegalArgumentException("mu: the activity of a unit is a variance over examples and needs"
                    + " at least 2 rows, got " + mu.length);
        }
        int n = mu.length;
        // Commons Math's Variance is the corrected two-pass algorithm: exact for constant columns (a dead
        // unit gives exactly 0, not rounding noise that could cross a tiny threshold).
        Variance variance = new Variance(true);
        double[] column = new double[n];
        double[] out = new double[d];
        for (int u = 0; u < d; u++) {
            for (int i = 0; i < n; i++) {
                column[i] = mu[i][u];
            }
            out[u] = variance.evaluate(column);
        }
        return out;
    }

    /** Number of entries of {@code activity} strictly above {@code threshold}. */
    public static int count(double[] activity, double threshold) {
        int c = 0;
        for (double a : activity) {
            if (a > threshold) {
                c++;
            }
        }
        return c;
    }

    /**
     * Activity and active count of the posterior means {@code mu}.
     *
     * @param mu        posterior means (n x d, n &gt;= 2)
     * @param threshold activity above which a unit counts as active, &gt;= 0
     */
    public static Result compute(double[][] mu, double threshold) {
        Checks.finiteNonNegative("activeUnitThreshold", threshold);
        double[] a = activity(mu);
        List<Double> list = new ArrayList<>(a.length);
        for (double v : a) {
            list.add(v);
        }
        return new Result(list, count(a, threshold), threshold);
    }
}
