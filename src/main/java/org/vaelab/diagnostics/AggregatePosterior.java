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
        // The loops' bodies are methods of their own: as one method, the JIT compiled it on the stack up to six
        // times per worker (it deoptimised for each new latent size), about 0.6 s of a core (-XX:+CITime, JFR).
        for (int i = 0; i < n; i++) {
            uniforms(rnd, u1, u2);
            sample(mu[i], logvar[i], u1, u2, z[i]);
            addTo(muSum, mu[i]);
            addTo(zSum, z[i]);
        }
        double[] muSs = new double[d];
        double[] zSs = new double[d];
        for (int i = 0; i < n; i++) {
            addSquaredDeviations(muSs, mu[i], muSum, n);
            addSquaredDeviations(zSs, z[i], zSum, n);
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
     * The uniforms in the order one Box-Muller draw per unit takes them; the transcendental functions then go
     * SIMD over the row in {@link #sample} (SVML: within an ulp or two of Math's, a sixth of the time at d = 128).
     */
    private static void uniforms(SplittableRandom rnd, double[] u1, double[] u2) {
        for (int u = 0; u < u1.length; u++) {
            u1[u] = 1.0 - rnd.nextDouble(); // in (0, 1]: log stays finite
            u2[u] = rnd.nextDouble();
        }
    }

    private static void addTo(double[] sum, double[] row) {
        for (int u = 0; u < sum.length; u++) {
            sum[u] += row[u];
        }
    }

    /** ss[u] += (row[u] - sum[u] / n)^2: the sums of squared deviations from the mean, one row at a time. */
    private static void addSquaredDeviations(double[] ss, double[] row, double[] sum, int n) {
        for (int u = 0; u < ss.length; u++) {
            double a = row[u] - sum[u] / n;
            ss[u] += a * a;
        }
    }

    /**
     * z = mu + exp(logvar / 2) * sqrt(-2 log u1) cos(2 pi u2) per unit: a standard normal draw by Box–Muller
     * (SplittableRandom has no nextGaussian on Java 17) scaled into the posterior.
     */
    private static void sample(double[] mu, double[] logvar, double[] u1, double[] u2, double[] z) {
        // Scalar on purpose: the Vector API's lanewise LOG, COS and EXP gave other last bits once compiled, so the
        // same sweep run twice differed in z_mean and z_std (DiagnosticsDeterminismTest). About 20 ns a draw.
        for (int k = 0; k < mu.length; k++) {
            z[k] = mu[k] + Math.exp(0.5 * logvar[k]) * (Math.sqrt(-2 * Math.log(u1[k])) * Math.cos(2 * Math.PI * u2[k]));
        }
    }
}
