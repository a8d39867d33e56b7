package org.vaelab.model;

import java.util.Arrays;
import org.vaelab.spec.Estimator;

/**
 * The latent head's part of the engine's training step ({@link FastGradientStep}): the importance-weighted bound and the gradients of the loss with respect to the
 * posterior's mean and log-variance. Arrays are row-major, {@code n} examples, {@code k} samples per example
 * (row r = sample r / n of example r % n), {@code d} latent dimensions.
 */
final class LatentGradients {
    private LatentGradients() {
    }

    /**
     * The reparameterisation z = mu + exp(logvar / 2) eps for each of the k samples (fills {@code stdH},
     * {@code varH} = exp(logvar) for the backward, and {@code zH}), and the analytic KL, 0.5 (mu^2 + exp(logvar)
     * - 1 - logvar) (Kingma and Welling 2014): adds each dimension's batch sum to {@code klDimMean} and returns
     * the total.
     */
    static double reparameterise(int n, int k, int d, float[] muH, float[] lvH, float[] stdH, float[] varH,
                                 float[] epsH, float[] zH, double[] klDimMean) {
        double klSum = 0;
        Arrays.fill(klDimMean, 0);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                int q = i * d + j;
                float m = muH[q];
                float v = lvH[q];
                stdH[q] = (float) Math.exp(0.5f * v);
                varH[q] = (float) Math.exp(v);
                float kl = 0.5f * (m * m + varH[q] - 1f - v);
                klSum += kl;
                klDimMean[j] += kl;
            }
        }
        for (int s = 0; s < k; s++) {
            for (int q = 0; q < n * d; q++) {
                int r = s * n * d + q;
                zH[r] = muH[q] + stdH[q] * epsH[r];
            }
        }
        return klSum;
    }

    /**
     * The batch's objective from the rows' negative log-likelihoods and the KL: the K-sample ELBO with beta and
     * free bits (Kingma et al. 2016), or the importance-weighted bound; turns {@code klDimMean} into batch means
     * and sets {@code coef}, d loss / d nll per row, for the backward pass.
     */
    static GradientStep.Values objective(Objective obj, int n, int k, int d, float beta, double[] nll, double klSum,
                                         double[] klDimMean, float[] zH, float[] epsH, float[] lvH, double[] logW,
                                         float[] coef) {
        int rows = k * n;
        double recon = 0;
        for (int r = 0; r < rows; r++) {
            recon += nll[r];
        }
        recon /= rows;
        double kl = klSum / n;
        for (int j = 0; j < d; j++) {
            klDimMean[j] /= n;
        }
        double loss;
        if (obj.estimator() == Estimator.ELBO) {
            double klTerm = kl;
            if (obj.freeBits() > 0) {
                // free bits (Kingma et al. 2016): sum_d max(lambda, batch mean of KL_d)
                klTerm = 0;
                for (int j = 0; j < d; j++) {
                    klTerm += Math.max(obj.freeBits(), klDimMean[j]);
                }
            }
            loss = recon + beta * klTerm;
            Arrays.fill(coef, 0, rows, 1f / rows);
        } else {
            loss = iwae(n, k, d, beta, zH, epsH, lvH, nll, logW, coef);
        }
        return new GradientStep.Values(loss, recon, kl);
    }

    /**
     * The importance-weighted bound (Burda et al. 2016): loss = -(1/n) sum_i log (1/K) sum_k w_ik with log w =
     * -nll + beta (log p(z) - log q(z|x)); sets the per-row coefficients d loss / d nll_r = w~_r / n (w~ the
     * normalised weights of the row's example) used by the backward pass.
     */
    static double iwae(int n, int k, int d, float beta, float[] zH, float[] epsH, float[] lvH, double[] nll,
                       double[] logW, float[] coef) {
        int rows = k * n;
        for (int r = 0; r < rows; r++) {
            int i = r % n;
            double zz = 0;
            double ee = 0;
            for (int j = 0; j < d; j++) {
                float z = zH[r * d + j];
                float e = epsH[r * d + j];
                zz += z * z;
                ee += e * e + lvH[i * d + j];
            }
            // log p(z) - log q(z|x) = -0.5 sum z^2 + 0.5 sum (eps^2 + logvar): the 2 pi terms cancel
            logW[r] = -nll[r] + beta * (-0.5 * zz + 0.5 * ee);
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int s = 0; s < k; s++) {
                max = Math.max(max, logW[s * n + i]);
            }
            double sum = 0;
            for (int s = 0; s < k; s++) {
                sum += Math.exp(logW[s * n + i] - max);
            }
            total += max + Math.log(sum) - Math.log(k);
            for (int s = 0; s < k; s++) {
                coef[s * n + i] = (float) (Math.exp(logW[s * n + i] - max) / sum / n);
            }
        }
        return -total / n;
    }

    /** d loss / d mu and d loss / d logvar from d loss / d z ({@code dzH}) plus the KL or IWAE terms. */
    static void reparamBack(int n, int k, int d, float beta, Objective obj, float[] dzH, float[] zH, float[] epsH,
                            float[] muH, float[] stdH, float[] varH, float[] coef, double[] klDimMean,
                            float[] dMuH, float[] dLvH) {
        int rows = k * n;
        boolean iwae = obj.estimator() == Estimator.IWAE;
        Arrays.fill(dMuH, 0, n * d, 0f);
        Arrays.fill(dLvH, 0, n * d, 0f);
        for (int r = 0; r < rows; r++) {
            int i = r % n;
            // IWAE: d loss / d z also gets beta * w~ * z / n from log p(z)
            float zc = iwae ? beta * coef[r] : 0f;
            for (int j = 0; j < d; j++) {
                int q = i * d + j;
                float dz = dzH[r * d + j] + zc * zH[r * d + j];
                dMuH[q] += dz;
                dLvH[q] += dz * epsH[r * d + j] * 0.5f * stdH[q];
                if (iwae) {
                    // from 0.5 * logvar in -log q(z|x)
                    dLvH[q] -= 0.5f * beta * coef[r];
                }
            }
        }
        if (!iwae) {
            for (int j = 0; j < d; j++) {
                // the KL's gradient reaches only dimensions above the free-bits floor
                float scale = obj.freeBits() > 0 && klDimMean[j] <= obj.freeBits() ? 0f : beta / n;
                if (scale == 0f) {
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    int q = i * d + j;
                    dMuH[q] += scale * muH[q];
                    dLvH[q] += scale * 0.5f * (varH[q] - 1f); // exp(logvar), as the forward computed it
                }
            }
        }
    }
}
