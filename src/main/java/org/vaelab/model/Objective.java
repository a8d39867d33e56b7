package org.vaelab.model;

import org.vaelab.spec.Estimator;
import org.vaelab.spec.LossSpec;
import org.vaelab.spec.Reconstruction;

/**
 * What a graph's {@link GraphNames#LOSS} computes (beta is fed per step, so it is not part of this).
 *
 * @param reconstruction bce or mse likelihood
 * @param samples        K reparameterised samples per example
 * @param estimator      elbo (average of the K reconstruction terms, analytic KL) or iwae
 * @param freeBits       free-bits lambda in nats per dimension, 0 for none (elbo only)
 */
public record Objective(Reconstruction reconstruction, int samples, Estimator estimator, double freeBits) {
    public Objective {
        if (samples < 1) {
            throw new IllegalArgumentException("loss.mc_samples: must be >= 1, got " + samples);
        }
        if (freeBits < 0) {
            throw new IllegalArgumentException("loss.free_bits: must be >= 0, got " + freeBits);
        }
        if (estimator == Estimator.IWAE && freeBits > 0) {
            throw new IllegalArgumentException("loss.free_bits: not defined for loss.estimator: iwae (the bound"
                    + " has no separate KL term to floor); set free_bits: 0 or estimator: elbo");
        }
    }

    /** The training objective a loss spec asks for. */
    public static Objective of(LossSpec loss) {
        return new Objective(loss.reconstruction(), loss.mcSamples(), loss.estimator(), loss.freeBits());
    }

    /** The true negative ELBO used for evaluation: one sample, analytic KL, no free bits. */
    public static Objective trueElbo(Reconstruction reconstruction) {
        return new Objective(reconstruction, 1, Estimator.ELBO, 0.0);
    }

    /** The importance-sampling graph with {@code samples} samples (log-weights, beta fed as 1). */
    public static Objective importance(Reconstruction reconstruction, int samples) {
        return new Objective(reconstruction, samples, Estimator.IWAE, 0.0);
    }
}
