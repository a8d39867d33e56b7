package org.vaelab.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The forward and backward pass of one training step, and nothing else: the trainer owns the optimiser,
 * clipping and NaN guard. Kept this small on purpose so the SameDiff implementation can be swapped for a
 * faster one (e.g. hand-written ND4J gemm with preallocated buffers) without touching the training loop.
 */
public interface GradientStep extends AutoCloseable {

    /**
     * The objective's values on one batch.
     *
     * @param loss  training objective (with beta, free bits, estimator)
     * @param recon reconstruction NLL averaged over rows
     * @param kl    analytic KL averaged over examples
     */
    record Values(double loss, double recon, double kl) {
    }

    /**
     * Computes the objective and writes d loss / d parameters into {@link #gradients()}.
     *
     * @param x    [n, D] pixels
     * @param eps  [K*n, d] standard normal noise
     * @param beta KL weight for this step
     */
    Values compute(INDArray x, INDArray eps, double beta);

    /** Flat [1, P] gradient buffer in the layout of {@link Parameters#flat()}; valid after {@link #compute}. */
    INDArray gradients();

    @Override
    void close();
}
