package org.vaelab.tracking;

import java.util.List;

/**
 * One line of metrics.jsonl: what an epoch measured. Losses are per example in nats. Diagnostic fields
 * are null when not computed. Written with snake_case keys, sorted.
 *
 * @param epoch                 1-based epoch number
 * @param trainLoss             training objective (with beta_t, free bits, estimator) averaged over the epoch
 * @param trainRecon            reconstruction NLL part of it (summed over pixels)
 * @param trainKl               KL(q(z|x) || p(z)) part of it (summed over latent dims, before beta)
 * @param testLoss              true negative ELBO on the test set (beta = 1, K = 1, no free bits)
 * @param testRecon             reconstruction NLL on the test set
 * @param testKl                KL on the test set
 * @param testSquaredError      summed squared error per example on the test set (mse runs; null for bce)
 * @param beta                  KL weight in effect at the end of the epoch
 * @param klPerDim              test-set KL per latent dimension, averaged over examples
 * @param gradNorm              global gradient norm, averaged over the epoch's steps (before clipping)
 * @param learningRate          learning rate in effect
 * @param epochSeconds          wall time of the epoch including evaluation
 * @param trainSamplesPerSecond training examples per second of the training part alone
 * @param activeUnits           number of active latent units (Burda et al. 2016)
 * @param unitActivity          A_u = Cov_x(E_q[z_u]) per latent unit
 * @param collapsedDims         (epsilon, delta)-collapsed dimensions (Lucas et al. 2019)
 * @param mutualInfo            estimate of I(x; z) under q (He et al. 2019)
 */
public record EpochMetrics(int epoch, double trainLoss, double trainRecon, double trainKl, double testLoss,
                           double testRecon, double testKl, Double testSquaredError, double beta,
                           List<Double> klPerDim, double gradNorm, double learningRate, double epochSeconds,
                           double trainSamplesPerSecond, Integer activeUnits, List<Double> unitActivity,
                           List<Integer> collapsedDims, Double mutualInfo) {
}
