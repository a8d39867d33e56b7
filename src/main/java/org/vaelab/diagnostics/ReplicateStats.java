package org.vaelab.diagnostics;

import org.apache.commons.math3.distribution.TDistribution;

/**
 * What replicate runs (the same configuration, different seeds) say about a number: its mean, standard
 * deviation and a Student-t confidence interval for the mean, and the difference between two conditions'
 * means with its interval: paired by seed when both conditions ran the same seeds (the seed fixes the
 * initialisation and data order, so the per-seed differences cancel that share of the noise), Welch's
 * unequal-variance interval otherwise (Welch 1947, "The generalization of 'Student's' problem when several
 * different population variances are involved"). The intervals assume roughly normal run-to-run noise; with
 * the 3-5 seeds a sweep can afford they are wide, which is the honest answer.
 */
public final class ReplicateStats {
    /** The interval's coverage everywhere in vaelab's reports. */
    public static final double LEVEL = 0.95;

    private ReplicateStats() {
    }

    /**
     * A mean over replicates with its spread.
     *
     * @param n    number of values
     * @param mean their mean
     * @param sd   sample standard deviation (n - 1), NaN when n &lt; 2
     * @param lo   lower end of the {@link #LEVEL} t interval for the mean, NaN when n &lt; 2
     * @param hi   upper end, NaN when n &lt; 2
     * @param min  smallest value
     * @param max  largest value
     */
    public record Estimate(int n, double mean, double sd, double lo, double hi, double min, double max) {
        /** Half the interval's width (the "±" of mean ± t·sd/√n), NaN when n &lt; 2. */
        public double halfWidth() {
            return (hi - lo) / 2;
        }
    }

    /** How a difference of means was estimated. */
    public enum Pairing {
        /** Mean and t interval of the per-seed differences (the seeds of both sides match). */
        PAIRED,
        /** Welch's interval with Welch–Satterthwaite degrees of freedom (seeds differ or do not match up). */
        WELCH
    }

    /**
     * The difference a − b of two conditions' means.
     *
     * @param pairing how it was estimated
     * @param n       pairs (paired) or the smaller side's count (Welch)
     * @param mean    mean of a minus mean of b (paired: the mean per-seed difference, the same number)
     * @param lo      lower end of the {@link #LEVEL} interval, NaN when it cannot be formed (fewer than 2 values)
     * @param hi      upper end
     * @param df      degrees of freedom of the t quantile used
     */
    public record Difference(Pairing pairing, int n, double mean, double lo, double hi, double df) {
        /** True when the interval includes 0 (or cannot be formed): the data do not tell the two apart. */
        public boolean coversZero() {
            return !(lo > 0 || hi < 0);
        }
    }

    /** Mean, sd and the 95% t interval of {@code xs} (at least one value; NaN values are the caller's to drop). */
    public static Estimate of(double[] xs) {
        require(xs.length > 0, "ReplicateStats.of needs at least one value");
        int n = xs.length;
        double mean = mean(xs);
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double x : xs) {
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        if (n < 2) {
            return new Estimate(1, mean, Double.NaN, Double.NaN, Double.NaN, min, max);
        }
        double sd = Math.sqrt(variance(xs, mean));
        double half = t(n - 1) * sd / Math.sqrt(n);
        return new Estimate(n, mean, sd, mean - half, mean + half, min, max);
    }

    /**
     * a − b paired by position: {@code a[i]} and {@code b[i]} ran with the same seed. The interval is the
     * one-sample t interval of the differences, with n − 1 degrees of freedom.
     */
    public static Difference paired(double[] a, double[] b) {
        require(a.length == b.length && a.length > 0, "paired differences need two equally long, non-empty"
                + " arrays, got " + a.length + " and " + b.length);
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        Estimate e = of(d);
        return new Difference(Pairing.PAIRED, a.length, e.mean(), e.lo(), e.hi(), a.length - 1);
    }

    /**
     * a − b of independent samples by Welch's t interval: standard error √(s_a²/n_a + s_b²/n_b), degrees of
     * freedom by Welch–Satterthwaite. When both samples have no spread the interval is the point itself.
     */
    public static Difference welch(double[] a, double[] b) {
        require(a.length > 0 && b.length > 0, "a difference needs values on both sides");
        double ma = mean(a);
        double mb = mean(b);
        double diff = ma - mb;
        int n = Math.min(a.length, b.length);
        if (a.length < 2 || b.length < 2) {
            return new Difference(Pairing.WELCH, n, diff, Double.NaN, Double.NaN, Double.NaN);
        }
        double va = variance(a, ma) / a.length;
        double vb = variance(b, mb) / b.length;
        double se = Math.sqrt(va + vb);
        if (se == 0) {
            return new Difference(Pairing.WELCH, n, diff, diff, diff, Double.POSITIVE_INFINITY);
        }
        double df = (va + vb) * (va + vb) / (va * va / (a.length - 1) + vb * vb / (b.length - 1));
        double half = t(df) * se;
        return new Difference(Pairing.WELCH, n, diff, diff - half, diff + half, df);
    }

    /** The two-sided {@link #LEVEL} quantile of Student's t with {@code df} degrees of freedom. */
    static double t(double df) {
        return new TDistribution(null, df).inverseCumulativeProbability(0.5 + LEVEL / 2);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    private static double mean(double[] xs) {
        double s = 0;
        for (double x : xs) {
            s += x;
        }
        return s / xs.length;
    }

    private static double variance(double[] xs, double mean) {
        double s = 0;
        for (double x : xs) {
            s += (x - mean) * (x - mean);
        }
        return s / (xs.length - 1);
    }
}
