package org.vaelab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The aggregate posterior's moments on encodings whose answers are known. */
class AggregatePosteriorTest {
    @Test
    void posteriorMeanMomentsAreExactAndTheirVarianceIsTheActivity() {
        // unit 0: mu = 1, 2, 3, 6 (mean 3, sample sd sqrt(14/3)); unit 1: constant 0.5
        double[][] mu = {{1, 0.5}, {2, 0.5}, {3, 0.5}, {6, 0.5}};
        double[][] logvar = {{0, -20}, {0, -20}, {0, -20}, {0, -20}};
        AggregatePosterior a = AggregatePosterior.of(mu, logvar, 7);
        assertEquals(3.0, a.muMean().get(0), 1e-12);
        assertEquals(Math.sqrt(14.0 / 3), a.muStd().get(0), 1e-12);
        assertEquals(0.5, a.muMean().get(1), 1e-12);
        assertEquals(0.0, a.muStd().get(1), 1e-12);
        double activity = ActiveUnits.compute(mu, 0.01).activity().get(0);
        assertEquals(activity, a.muStd().get(0) * a.muStd().get(0), 1e-12, "Var_x mu_u is A_u");
        // sigma = exp(-10) ~ 4.5e-5: the sampled z of unit 1 sits on mu
        assertEquals(0.5, a.zMean().get(1), 1e-3);
        assertEquals(0.0, a.zStd().get(1), 1e-3);
    }

    @Test
    void sampledMomentsFollowTheLawOfTotalVariance() {
        // mu_u(x) ~ N(0.3, 0.6^2) over x, sigma_u = 0.8 for all x: q(z_u) has mean 0.3, sd sqrt(0.36 + 0.64) = 1
        int n = 20000;
        SplittableRandom r = new SplittableRandom(3);
        double[][] mu = new double[n][1];
        double[][] logvar = new double[n][1];
        for (int i = 0; i < n; i++) {
            double g = Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
            mu[i][0] = 0.3 + 0.6 * g;
            logvar[i][0] = Math.log(0.64);
        }
        AggregatePosterior a = AggregatePosterior.of(mu, logvar, 11);
        // standard errors at n = 20000: mean 1/sqrt(n) = 0.007, sd about 0.005; 4 of them as tolerance
        assertEquals(0.3, a.zMean().get(0), 0.03);
        assertEquals(1.0, a.zStd().get(0), 0.02);
        assertEquals(0.6, a.muStd().get(0), 0.02);
        assertEquals(a, AggregatePosterior.of(mu, logvar, 11), "the same seed gives the same numbers");
    }

    @Test
    void refusesMismatchedShapesAndSingleExamples() {
        assertThrows(IllegalArgumentException.class, () -> AggregatePosterior.of(new double[][] {{1}},
                new double[][] {{0}}, 1));
        assertThrows(IllegalArgumentException.class, () -> AggregatePosterior.of(new double[][] {{1}, {2}},
                new double[][] {{0, 0}, {0, 0}}, 1));
    }

    @Test
    void theDrawsAreTheBoxMullerDrawsOfTheSeed() {
        // The reference draws each z one at a time with Math's functions in the same order of uniforms, as the
        // class does (its draws are scalar so that they never depend on the JIT: DiagnosticsDeterminismTest); the
        // moments' sums are taken in another order, so they agree to rounding.
        for (int d : new int[] {1, 13, 128}) {
            java.util.Random r = new java.util.Random(d);
            int n = 50;
            double[][] mu = new double[n][d];
            double[][] lv = new double[n][d];
            for (int i = 0; i < n; i++) {
                for (int u = 0; u < d; u++) {
                    mu[i][u] = r.nextGaussian() * 2;
                    lv[i][u] = r.nextGaussian() * 3;
                }
            }
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
            double[] zSum = new double[d];
            double[][] z = new double[n][d];
            for (int i = 0; i < n; i++) {
                for (int u = 0; u < d; u++) {
                    double u1 = 1.0 - rnd.nextDouble();
                    double u2 = rnd.nextDouble();
                    z[i][u] = mu[i][u] + Math.exp(0.5 * lv[i][u]) * Math.sqrt(-2 * Math.log(u1))
                            * Math.cos(2 * Math.PI * u2);
                    zSum[u] += z[i][u];
                }
            }
            AggregatePosterior a = AggregatePosterior.of(mu, lv, 5);
            for (int u = 0; u < d; u++) {
                double mean = zSum[u] / n;
                double ss = 0;
                for (int i = 0; i < n; i++) {
                    ss += (z[i][u] - mean) * (z[i][u] - mean);
                }
                assertEquals(mean, a.zMean().get(u), 1e-12 * Math.max(1, Math.abs(mean)), "d " + d + " unit " + u);
                assertEquals(Math.sqrt(ss / (n - 1)), a.zStd().get(u), 1e-12 * Math.max(1, Math.sqrt(ss / (n - 1))),
                        "d " + d + " unit " + u);
            }
        }
    }
}
