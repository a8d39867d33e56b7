package org.vaelab.train;

/**
 * The test set seen by the model after an epoch: the true negative ELBO (beta = 1, one sample with the run's
 * fixed evaluation noise, no free bits) and the posterior of every test example. This is where per-epoch
 * diagnostics (active units, collapse, mutual information) get their inputs.
 *
 * @param loss         mean over examples of recon + kl, nats
 * @param recon        mean reconstruction NLL, nats
 * @param kl           mean KL(q(z|x) || p(z)), nats
 * @param squaredError mean summed squared error (mse runs), else null
 * @param klPerDim     mean KL per latent dimension, length d
 * @param mu           posterior means, n x d (test-set order)
 * @param logvar       posterior log-variances, n x d
 * @param labels       class label per test example
 */
public record TestEvaluation(double loss, double recon, double kl, Double squaredError, double[] klPerDim,
                             double[][] mu, double[][] logvar, int[] labels) {
}
