package org.vaelab.diagnostics;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The aggregate posterior q(z) = E_x q(z|x) per latent unit against the prior N(0, 1), as the PyTorch VAE
 * notebook plots it epoch by epoch: the mean and standard deviation over the evaluation set of the posterior
 * means μ(x), and of one sampled z = μ(x) + σ(x)·ε per example. A VAE whose q(z) matches the prior has, per
 * unit, sampled-z mean 0 and sd 1 (Hoffman and Johnson 2016, "ELBO surgery": the gap KL(q(z) || p(z)) is part
 * of the KL term); μ(x)'s sd is √A_u (Burda et al.'s activity), below 1 by the posterior's own spread.
 * Standard deviations use n − 1, so μ(x)'s variance is exactly the activity A_u of {@link ActiveUnits}.
 *
 * @param muMean mean over examples of μ_u(x), per unit
 * @param muStd  standard deviation over examples of μ_u(x), per unit
 * @param zMean  mean of the sampled z_u, per unit
 * @param zStd   standard deviation of the sampled z_u, per unit (in expectation √(Var_x μ_u + E_x σ_u²))
 */
public record AggregatePosterior(List<Double> muMean, List<Double> muStd, List<Double> zMean, List<Double> zStd) {
    public AggregatePosterior {
        muMean = List.copyOf(muMean);
        muStd = List.copyOf(muStd);
        zMean = List.copyOf(zMean);
        zStd = List.copyOf(zStd);
    }

    /**
     * The moments from the evaluation set's posterior.
     *
     * @param mu     posterior means, n x d (n &gt;= 2)
     * @param logvar posterior log-variances, n x d
     * @param seed   seed of the one ε per example and unit (derive it per run and epoch)
     */
    public static AggregatePosterior of(double[][] mu, double[][] logvar, long seed) {
        int d = Checks.sameShape(mu, logvar);
        int n = mu.length;
        if (n < 2) {
            throw new IllegalArgumentException("the aggregate posterior needs at least 2 examples, got " + n);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] muSum = new double[d];
        double[] zSum = new double[d];
        double[][] z = new double[n][d];
        double[] u1 = new double[d];
        double[] u2 = new double[d];
        for (int i = 0; i < n; i++) {
            // the uniforms in the order one Box-Muller draw per unit takes them, then the transcendental
            // functions SIMD over the row (SVML: within an ulp or two of Math's, a sixth of the time at d = 128)
            for (int u = 0; u < d; u++) {
                u1[u] = 1.0 - rnd.nextDouble(); // in (0, 1]: log stays finite
                u2[u] = rnd.nextDouble();
            }
            sample(mu[i], logvar[i], u1, u2, z[i]);
            for (int u = 0; u < d; u++) {
                muSum[u] += mu[i][u];
                zSum[u] += z[i][u];
            }
        }
        double[] muSs = new double[d];
        double[] zSs = new double[d];
        for (int i = 0; i < n; i++) {
            for (int u = 0; u < d; u++) {
                double a = mu[i][u] - muSum[u] / n;
                double b = z[i][u] - zSum[u] / n;
                muSs[u] += a * a;
                zSs[u] += b * b;
            }
        }
        List<Double> muMean = new ArrayList<>(d);
        List<Double> muStd = new ArrayList<>(d);
        List<Double> zMean = new ArrayList<>(d);
        List<Double> zStd = new ArrayList<>(d);
        for (int u = 0; u < d; u++) {
            muMean.add(muSum[u] / n);
            muStd.add(Math.sqrt(muSs[u] / (n - 1)));
            zMean.add(zSum[u] / n);
            zStd.add(Math.sqrt(zSs[u] / (n - 1)));
        }
        return new AggregatePosterior(muMean, muStd, zMean, zStd);
    }

    /**
     * z = mu + exp(logvar / 2) * sqrt(-2 log u1) cos(2 pi u2) per unit: a standard normal draw by Box–Muller
     * (SplittableRandom has no nextGaussian on Java 17) scaled into the posterior.
     */
    private static void sample(double[] mu, double[] logvar, double[] u1, double[] u2, double[] z) {
        int d = mu.length;
        int k = VectorDiagnostics.Use.SIMD ? VectorDiagnostics.sample(mu, logvar, u1, u2, z) : 0;
        for (; k < d; k++) {
            z[k] = mu[k] + Math.exp(0.5 * logvar[k]) * (Math.sqrt(-2 * Math.log(u1[k])) * Math.cos(2 * Math.PI * u2[k]));
        }
    }
}
