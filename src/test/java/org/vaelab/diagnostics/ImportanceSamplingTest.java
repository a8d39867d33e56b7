package org.vaelab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.apache.commons.math3.distribution.MultivariateNormalDistribution;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;
import org.apache.commons.math3.random.Well19937c;
import org.junit.jupiter.api.Test;

class ImportanceSamplingTest {

    @Test
    void logMeanExpIsStable() {
        assertEquals(1000.0, ImportanceSampling.logMeanExp(new double[] {1000, 1000}), 1e-12);
        assertEquals(-1000 + Math.log(2), ImportanceSampling.logMeanExp(new double[] {-1000, -1000 + Math.log(3)}),
                1e-12);
        double[] moderate = {0.3, -1.2, 2.5};
        double naive = Math.log((Math.exp(0.3) + Math.exp(-1.2) + Math.exp(2.5)) / 3);
        assertEquals(naive, ImportanceSampling.logMeanExp(moderate), 1e-14);
        // Zero weights (log w = -Infinity) are allowed.
        assertEquals(Math.log(0.5), ImportanceSampling.logMeanExp(new double[] {0, Double.NEGATIVE_INFINITY}), 1e-15);
        assertEquals(Double.NEGATIVE_INFINITY,
                ImportanceSampling.logMeanExp(new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY}));
    }

    /**
     * Linear-Gaussian model: z ~ N(0, I_2), x | z ~ N(W z + b, s^2 I_3). Then p(x) = N(b, W W^T + s^2 I) in
     * closed form, and the posterior is N(m, C) with C = (I + W^T W / s^2)^-1, m = C W^T (x - b) / s^2.
     */
    private static final RealMatrix W = MatrixUtils.createRealMatrix(new double[][] {{1.0, -0.5}, {0.3, 0.8}, {-0.7, 0.2}});
    private static final RealVector B = MatrixUtils.createRealVector(new double[] {0.1, -0.2, 0.4});
    private static final double S = 0.5;
    private static final RealMatrix POST_COV = MatrixUtils.inverse(
            MatrixUtils.createRealIdentityMatrix(2).add(W.transpose().multiply(W).scalarMultiply(1 / (S * S))));

    private static double logNormalDiag(double[] x, double[] mean, double[] sd) {
        double s = 0;
        for (int k = 0; k < x.length; k++) {
            double e = (x[k] - mean[k]) / sd[k];
            s += -0.5 * e * e - Math.log(sd[k]) - 0.5 * Math.log(2 * Math.PI);
        }
        return s;
    }

    private static double trueLogPx(double[] x) {
        RealMatrix cov = W.multiply(W.transpose()).add(MatrixUtils.createRealIdentityMatrix(3).scalarMultiply(S * S));
        return Math.log(new MultivariateNormalDistribution(B.toArray(), cov.getData()).density(x));
    }

    private static double[] posteriorMean(double[] x) {
        return POST_COV.multiply(W.transpose()).operate(MatrixUtils.createRealVector(x).subtract(B))
                .mapDivide(S * S).toArray();
    }

    /** log p(x|z) + log p(z). */
    private static double logJoint(double[] x, double[] z) {
        double[] mean = W.operate(MatrixUtils.createRealVector(z)).add(B).toArray();
        return logNormalDiag(x, mean, new double[] {S, S, S}) + logNormalDiag(z, new double[2], new double[] {1, 1});
    }

    /**
     * Log-weights under a deliberately imperfect diagonal proposal: the posterior mean shifted by 0.3 and the
     * posterior marginal sd inflated 1.5x (wider than the posterior, so the weights have finite variance).
     */
    private static double[][] imperfectLogWeights(double[][] xs, int samples, long seed) {
        Well19937c rng = new Well19937c(seed);
        double[][] lw = new double[xs.length][samples];
        double[] sd = {1.5 * Math.sqrt(POST_COV.getEntry(0, 0)), 1.5 * Math.sqrt(POST_COV.getEntry(1, 1))};
        for (int i = 0; i < xs.length; i++) {
            double[] m = posteriorMean(xs[i]);
            double[] qm = {m[0] + 0.3, m[1] + 0.3};
            for (int s = 0; s < samples; s++) {
                double[] z = {qm[0] + sd[0] * rng.nextGaussian(), qm[1] + sd[1] * rng.nextGaussian()};
                lw[i][s] = logJoint(xs[i], z) - logNormalDiag(z, qm, sd);
            }
        }
        return lw;
    }

    private static double[][] dataFromModel(int n) {
        Well19937c rng = new Well19937c(17);
        double[][] xs = new double[n][];
        for (int i = 0; i < n; i++) {
            double[] z = {rng.nextGaussian(), rng.nextGaussian()};
            double[] mean = W.operate(MatrixUtils.createRealVector(z)).add(B).toArray();
            xs[i] = new double[] {mean[0] + S * rng.nextGaussian(), mean[1] + S * rng.nextGaussian(),
                mean[2] + S * rng.nextGaussian()};
        }
        return xs;
    }

    private static double meanAbsError(double[][] xs, int samples) {
        double[] ll = ImportanceSampling.estimate(imperfectLogWeights(xs, samples, 99)).logLikelihood();
        double err = 0;
        for (int i = 0; i < xs.length; i++) {
            err += Math.abs(ll[i] - trueLogPx(xs[i]));
        }
        return err / xs.length;
    }

    @Test
    void convergesToTheClosedFormLogLikelihoodAsSamplesGrow() {
        double[][] xs = dataFromModel(20);
        double e1 = meanAbsError(xs, 1);
        double e10 = meanAbsError(xs, 10);
        double e100 = meanAbsError(xs, 100);
        double e10k = meanAbsError(xs, 10_000);
        // Measured: 1.07, 0.27, 0.089, 0.014 (and 0.0036 at S = 100k): about 1/sqrt(S) once S is large.
        assertTrue(e1 > e10 && e10 > e100 && e100 > e10k, e1 + " " + e10 + " " + e100 + " " + e10k);
        assertTrue(e1 > 0.5, "the proposal should be imperfect enough to matter, S=1 error " + e1);
        assertTrue(e10k < 0.03, "S=10000 error " + e10k);
    }

    @Test
    void biasedLowAtSmallSampleCountsAndWithinItsStandardErrorAtLarge() {
        // E[log p_hat] is the IWAE bound L_S: below log p(x) and rising with S. Measured mean signed errors on
        // these 400 examples: -0.92 (S=1, the ELBO's gap), -0.38 (2), -0.13 (5), -0.053 (10), -0.008 (100).
        double[][] many = dataFromModel(400);
        double[] bias = new double[3];
        int[] counts = {1, 2, 5};
        for (int c = 0; c < counts.length; c++) {
            double[] l = ImportanceSampling.estimate(imperfectLogWeights(many, counts[c], 3)).logLikelihood();
            for (int i = 0; i < many.length; i++) {
                bias[c] += (l[i] - trueLogPx(many[i])) / many.length;
            }
        }
        assertTrue(bias[0] < bias[1] && bias[1] < bias[2] && bias[2] < 0, Arrays.toString(bias));
        assertTrue(bias[1] < -0.2, Arrays.toString(bias));

        double[][] xs = dataFromModel(20);
        int samples = 10_000;
        double[][] lw = imperfectLogWeights(xs, samples, 4);
        double[] ll = ImportanceSampling.estimate(lw).logLikelihood();
        for (int i = 0; i < xs.length; i++) {
            // Delta method: sd(log mean w) ~ sd(w) / (sqrt(S) mean(w)), from the weights themselves.
            double max = Double.NEGATIVE_INFINITY;
            for (double v : lw[i]) {
                max = Math.max(max, v);
            }
            double m = 0;
            double m2 = 0;
            for (double v : lw[i]) {
                double w = Math.exp(v - max);
                m += w / samples;
                m2 += w * w / samples;
            }
            double se = Math.sqrt((m2 - m * m) / samples) / m;
            assertEquals(trueLogPx(xs[i]), ll[i], 4 * se + 1e-12, "example " + i + ", standard error " + se);
        }
    }

    @Test
    void neverBelowTheElboOnTheSameWeights() {
        double[][] xs = dataFromModel(20);
        for (int samples : new int[] {1, 5, 100}) {
            ImportanceSampling.Result r = ImportanceSampling.estimate(imperfectLogWeights(xs, samples, 5));
            double[] ll = r.logLikelihood();
            double[] elbo = r.elbo();
            for (int i = 0; i < xs.length; i++) {
                assertTrue(ll[i] >= elbo[i], "S=" + samples + " example " + i);
                if (samples == 1) {
                    assertEquals(ll[i], elbo[i], 1e-12);
                }
            }
            assertTrue(r.meanLogLikelihood() >= r.meanElbo());
        }
        // With many samples the ELBO sits clearly below the truth (the proposal is not the posterior)
        // and the log-likelihood estimate does not.
        ImportanceSampling.Result big = ImportanceSampling.estimate(imperfectLogWeights(xs, 5000, 6));
        double truth = 0;
        for (double[] x : xs) {
            truth += trueLogPx(x) / xs.length;
        }
        assertTrue(big.meanElbo() < truth - 0.05, big.meanElbo() + " vs " + truth);
        assertEquals(truth, big.meanLogLikelihood(), 0.02);
    }

    @Test
    void exactWithTheTruePosteriorAsProposal() {
        // q(z|x) = p(z|x) makes every weight equal to p(x): one sample suffices and the ELBO is tight.
        double[][] xs = dataFromModel(5);
        double[][] lw = new double[5][3];
        for (int i = 0; i < 5; i++) {
            MultivariateNormalDistribution post = new MultivariateNormalDistribution(new Well19937c(i),
                    posteriorMean(xs[i]), POST_COV.getData());
            for (int s = 0; s < 3; s++) {
                double[] z = post.sample();
                lw[i][s] = logJoint(xs[i], z) - Math.log(post.density(z));
            }
        }
        ImportanceSampling.Result r = ImportanceSampling.estimate(lw);
        for (int i = 0; i < 5; i++) {
            assertEquals(trueLogPx(xs[i]), r.logLikelihood()[i], 1e-9);
            assertEquals(trueLogPx(xs[i]), r.elbo()[i], 1e-9);
        }
    }

    @Test
    void badWeightsAreNamed() {
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> ImportanceSampling.estimate(new double[][] {{0, 1}, {2, Double.NaN}}));
        assertTrue(nan.getMessage().startsWith("logWeights[1][1] = NaN"), nan.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ImportanceSampling.estimate(new double[][] {{}}));
        assertThrows(IllegalArgumentException.class, () -> ImportanceSampling.estimate(new double[0][]));
        assertThrows(IllegalArgumentException.class,
                () -> ImportanceSampling.estimate(new double[][] {{Double.POSITIVE_INFINITY}}));
    }
}
