package org.vaelab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class MutualInformationTest {

    /**
     * A Gaussian channel per dimension: x ~ N(0, s^2), q(z|x) = N(x, sigma^2), so mu = x and
     * logvar = log sigma^2; then I(x; z) = d/2 log(1 + s^2 / sigma^2).
     */
    private static double[][][] channel(int n, int d, double s, double sigma, long seed) {
        Random r = new Random(seed);
        double[][] mu = new double[n][d];
        double[][] lv = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < d; k++) {
                mu[i][k] = s * r.nextGaussian();
                lv[i][k] = Math.log(sigma * sigma);
            }
        }
        return new double[][][] {mu, lv};
    }

    private static double meanEstimate(int n, int d, double s, double sigma, int repeats) {
        double sum = 0;
        for (int r = 0; r < repeats; r++) {
            double[][][] c = channel(n, d, s, sigma, 1000 + r);
            sum += MutualInformation.estimate(c[0], c[1], 1000, new SplittableRandom(r));
        }
        return sum / repeats;
    }

    @Test
    void recoversTheMutualInformationOfAGaussianChannel() {
        // Tolerance 0.1 nats on a mean of 5 estimates: the single-estimate sd is 0.05 at I = 1.39
        // (0.02 for the mean) and the finite-N bias is below 0.02 here (see the class Javadoc).
        double truth4 = 4 * 0.5 * Math.log(2);
        assertEquals(truth4, meanEstimate(1000, 4, 1.0, 1.0, 5), 0.1);
        double truth1 = 0.5 * Math.log(1 + 4);
        assertEquals(truth1, meanEstimate(1000, 1, 2.0, 1.0, 5), 0.1);
    }

    @Test
    void isZeroWhenTheEncoderIgnoresX() {
        // Every example gets the same posterior: z carries nothing about x. The sampled log q(z_i|x_i)
        // cancels against the mixture exactly, at any d.
        int n = 500;
        int d = 128;
        double[][] mu = new double[n][d];
        double[][] lv = new double[n][d];
        Random r = new Random(3);
        double[] m = new double[d];
        double[] v = new double[d];
        for (int k = 0; k < d; k++) {
            m[k] = r.nextGaussian();
            v[k] = r.nextGaussian();
        }
        for (int i = 0; i < n; i++) {
            mu[i] = m.clone();
            lv[i] = v.clone();
        }
        assertEquals(0.0, MutualInformation.estimate(mu, lv, 1000, 11L), 1e-9);
    }

    @Test
    void nearZeroForAWeaklyInformativeChannel() {
        // s / sigma = 0.01: I = 0.5 log(1 + 1e-4) = 5e-5 nats per dimension.
        double estimate = meanEstimate(1000, 8, 0.01, 1.0, 3);
        assertEquals(8 * 0.5 * Math.log1p(1e-4), estimate, 0.01);
    }

    @Test
    void neverExceedsLogN() {
        // I = 16/2 log(1 + 100) = 36.9 nats: far beyond log N, so the estimate saturates just below log N.
        for (int n : new int[] {50, 400}) {
            double[][][] c = channel(n, 16, 1.0, 0.1, 5);
            double mi = MutualInformation.estimate(c[0], c[1], 1000, 5L);
            assertTrue(mi <= Math.log(n) + 1e-12, "n=" + n + ": " + mi);
            assertTrue(mi > Math.log(n) - 0.05, "n=" + n + ": " + mi);
        }
    }

    @Test
    void usesAtMostMaxExamplesAndIsSeeded() {
        double[][][] c = channel(5000, 16, 1.0, 0.1, 9);
        double a = MutualInformation.estimate(c[0], c[1], 300, 42L);
        assertTrue(a <= Math.log(300) + 1e-12, "subset of 300 must cap the estimate at log 300, got " + a);
        assertTrue(a > Math.log(300) - 0.05, "got " + a);
        assertEquals(a, MutualInformation.estimate(c[0], c[1], 300, 42L));
        double[][][] low = channel(5000, 2, 1.0, 1.0, 9);
        assertNotEquals(MutualInformation.estimate(low[0], low[1], 300, 42L),
                MutualInformation.estimate(low[0], low[1], 300, 43L));
    }

    @Test
    void badInputIsNamed() {
        double[][] a = {{0, 0}, {1, 1}};
        assertThrows(IllegalArgumentException.class, () -> MutualInformation.estimate(a, a, 0, 1L));
        assertThrows(IllegalArgumentException.class,
                () -> MutualInformation.estimate(a, a, 10, (SplittableRandom) null));
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> MutualInformation.estimate(a, new double[][] {{0, 0}, {Double.NaN, 0}}, 10, 1L));
        assertTrue(nan.getMessage().startsWith("logvar[1][0] = NaN"), nan.getMessage());
    }

    /**
     * The estimator written as its formula, one (i, j) pair at a time with Math.log of a plain sum: the
     * SIMD distances and the blocked rows must give the same number up to the order of the additions.
     */
    private static double reference(double[][] mu, double[][] lv, int max, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n0 = mu.length;
        int[] idx = new int[n0];
        for (int i = 0; i < n0; i++) {
            idx[i] = i;
        }
        int n = Math.min(n0, max);
        if (n0 > max) {
            for (int i = 0; i < max; i++) {
                int j = i + rng.nextInt(n0 - i);
                int t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
            }
        }
        int d = mu[0].length;
        double[][] z = new double[n][d];
        for (int j = 0; j < n; j++) {
            for (int k = 0; k < d; k++) {
                z[j][k] = mu[idx[j]][k] + Math.exp(0.5 * lv[idx[j]][k]) * rng.nextGaussian();
            }
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            double[] logq = new double[n];
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < d; k++) {
                    double m = mu[idx[j]][k];
                    double v = lv[idx[j]][k];
                    s += -0.5 * (Math.log(2 * Math.PI) + v + (z[i][k] - m) * (z[i][k] - m) / Math.exp(v));
                }
                logq[j] = s;
            }
            double max2 = Double.NEGATIVE_INFINITY;
            for (double v : logq) {
                max2 = Math.max(max2, v);
            }
            double sum = 0;
            for (double v : logq) {
                sum += Math.exp(v - max2);
            }
            total += logq[i] - (max2 + Math.log(sum) - Math.log(n));
        }
        return total / n;
    }

    @Test
    void matchesTheFormulaComputedPairByPair() {
        // d = 128 and 13 cover whole SIMD vectors and a scalar tail; n = 203 and 1003 leave a remainder of
        // rows outside the blocks of four; 1003 > 1000 also draws a subset. Tolerance: the two differ only in
        // the order of additions (a few ulps per distance), far below the estimator's noise (0.02-0.07 nats).
        int[][] cases = {{203, 128}, {1003, 13}, {64, 2}, {5, 1}};
        for (int[] c : cases) {
            double[][][] ch = channel(c[0], c[1], 1.5, 0.4, 77 + c[1]);
            // posterior widths that vary by example and unit, as a trained encoder's do
            Random r = new Random(c[0]);
            for (double[] row : ch[1]) {
                for (int k = 0; k < row.length; k++) {
                    row[k] += 2 * r.nextGaussian();
                }
            }
            double want = reference(ch[0], ch[1], 1000, 9L);
            double got = MutualInformation.estimate(ch[0], ch[1], 1000, 9L);
            assertEquals(want, got, 1e-9 * Math.max(1, Math.abs(want)), "n " + c[0] + ", d " + c[1]);
        }
    }
}
