package org.vaelab.spec;

/**
 * The training objective.
 *
 * @param reconstruction bce (Bernoulli from logits) or mse (unit-variance Gaussian)
 * @param beta           weight of the KL term once warm-up is over
 * @param warmup         KL warm-up schedule
 * @param freeBits       free-bits lambda in nats per latent dim (Kingma et al. 2016); 0 disables
 * @param mcSamples      K reparameterised samples per example
 * @param estimator      elbo (average of K) or iwae (importance weighted, Burda et al. 2016)
 */
public record LossSpec(Reconstruction reconstruction, double beta, WarmupSpec warmup, double freeBits,
                       int mcSamples, Estimator estimator) {
    public static final LossSpec DEFAULT =
            new LossSpec(Reconstruction.BCE, 1.0, WarmupSpec.DEFAULT, 0.0, 1, Estimator.ELBO);
}
