package org.vaelab.spec;

import java.util.Objects;

/**
 * The training objective.
 *
 * @param reconstruction bce (Bernoulli from logits) or mse (unit-variance Gaussian)
 * @param beta           weight of the KL term once warm-up is over
 * @param warmup         KL warm-up schedule
 * @param freeBits       free-bits lambda in nats per latent dim (Kingma et al. 2016); 0 disables
 * @param mcSamples      K reparameterised samples per example
 * @param estimator      elbo (average of K) or iwae (importance weighted, Burda et al. 2016); iwae with
 *                       K = 1 is allowed and equals the ELBO, the usual baseline of an IWAE sweep over K
 */
public record LossSpec(Reconstruction reconstruction, double beta, WarmupSpec warmup, double freeBits,
                       int mcSamples, Estimator estimator) {
    public static final LossSpec DEFAULT =
            new LossSpec(Reconstruction.BCE, 1.0, WarmupSpec.DEFAULT, 0.0, 1, Estimator.ELBO);

    public LossSpec {
        Objects.requireNonNull(reconstruction, "loss.reconstruction");
        Objects.requireNonNull(warmup, "loss.warmup");
        Objects.requireNonNull(estimator, "loss.estimator");
        SpecKeys.require("loss.beta", beta);
        SpecKeys.require("loss.free_bits", freeBits);
        SpecKeys.require("loss.mc_samples", mcSamples);
    }
}
