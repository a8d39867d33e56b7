package org.vaelab.model;

import java.util.Arrays;
import org.vaelab.spec.Estimator;

/**
 * The latent head's part of a hand-written training step, shared by {@link MlpGradientStep} and
 * {@link ConvGradientStep}: the importance-weighted bound and the gradients of the loss with respect to the
 * posterior's mean and log-variance. Arrays are row-major, {@code n} examples, {@code k} samples per example
 * (row r = sample r / n of example r % n), {@code d} latent dimensions.
 */
final class LatentGradients {
    private LatentGradients() {
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
                            float[] muH, float[] lvH, float[] stdH, float[] coef, double[] klDimMean,
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
                    dLvH[q] += scale * 0.5f * ((float) Math.exp(lvH[q]) - 1f);
                }
            }
        }
    }
}
