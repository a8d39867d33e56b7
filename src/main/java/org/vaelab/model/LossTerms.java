package org.vaelab.model;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The pieces of the VAE objectives as SameDiff sub-graphs. Every term is per example (per row) and in nats:
 * sums run over pixels and latent dimensions, never means, so that the reconstruction and KL terms keep
 * their true relative weight (a per-pixel mean would shrink the reconstruction 784-fold and push the model
 * into posterior collapse).
 */
public final class LossTerms {
    /** log(2 pi), the Gaussian normalising constant per dimension. */
    public static final double LOG_2PI = Math.log(2 * Math.PI);

    private LossTerms() {
    }

    /*
     * SameDiff M2.1 trap: a reduction along a dimension whose length is 1 at run time throws a
     * NullPointerException ("BaseReduceOp.x() is null"): sum(1) of [n, 1], mean(0) of [1, d], max(0) of
     * [1, n]. Latent size 1, K = 1 and a last batch of one example all hit it, so every reduction here goes
     * through one of the two helpers below.
     */

    /** Sum over dimension 1 of [rows, cols], cols known when the graph is built. */
    static SDVariable sumCols(SDVariable a, int cols) {
        return cols == 1 ? a.reshape(-1) : a.sum(1);
    }

    /**
     * Mean over dimension 0 (the batch, whose length is only known at run time) of [n, cols]. A zero row is
     * appended before summing so the reduced dimension is never of length 1; n is read from {@code x}, an
     * input, because the backprop of a division by a parameter-dependent scalar reduces over the [1]-shaped
     * result when cols = 1, which hits the trap again.
     */
    static SDVariable batchMean(SameDiff sd, SDVariable a, int cols, SDVariable x) {
        SDVariable zero = sd.constant(Nd4j.zeros(a.dataType(), 1, cols));
        SDVariable n = sd.sizeAt(x, 0).castTo(a.dataType());
        return sd.concat(0, a, zero).sum(0).div(n);
    }

    /**
     * Bernoulli negative log-likelihood per row from logits: sum_j softplus(l_j) - x_j l_j, computed as
     * relu(l) - x l + softplus(-|l|) so no exp() overflows (SameDiff's softplus gives +infinity at l = 100 in
     * FLOAT, its logSigmoid -infinity at l = -100). Also valid for continuous x in [0, 1].
     * Not sd.loss.sigmoidCrossEntropy: in M2.1 its backprop ignores the incoming gradient (the gradient of
     * 3 * loss comes out as that of loss), so any objective that scales or averages it gets wrong gradients.
     *
     * @return [rows]
     */
    public static SDVariable bernoulliNll(SameDiff sd, SDVariable x, SDVariable logits, int dim) {
        SDVariable perPixel = sd.nn.relu(logits, 0.0).sub(x.mul(logits))
                .add(sd.nn.softplus(sd.math.abs(logits).neg()));
        return sumCols(perPixel, dim);
    }

    /**
     * Unit-variance Gaussian negative log-likelihood per row with mean sigmoid(l) (the notebooks' Sigmoid +
     * MSE decoder): 0.5 * sum_j (x_j - m_j)^2 + 0.5 * D * log(2 pi).
     *
     * @return {nll [rows], summed squared error [rows]}
     */
    public static SDVariable[] gaussianNll(SameDiff sd, SDVariable x, SDVariable logits, int dim) {
        SDVariable mean = sd.nn.sigmoid(logits);
        SDVariable se = sumCols(sd.math.squaredDifference(mean, x), dim);
        SDVariable nll = se.mul(0.5).add(0.5 * dim * LOG_2PI);
        return new SDVariable[]{nll, se};
    }

    /**
     * KL(N(mu, exp(logvar)) || N(0, 1)) per example and dimension: 0.5 (mu^2 + exp(logvar) - 1 - logvar)
     * (Kingma and Welling 2014, appendix B).
     *
     * @return [n, d]
     */
    public static SDVariable klPerDim(SameDiff sd, SDVariable mu, SDVariable logvar) {
        return mu.mul(mu).add(sd.math.exp(logvar)).sub(logvar).sub(1.0).mul(0.5);
    }

    /**
     * Free-bits KL term (Kingma et al. 2016, "Improved variational inference with inverse autoregressive
     * flow"): sum_d max(lambda, E_batch[KL_d]). Dimensions already above lambda nats get the ordinary
     * gradient; dimensions below it get none, so the model is not pushed to shut them off.
     *
     * @param klDims [n, d]
     * @param x      the batch's input [n, D] (only its length is used)
     * @return scalar
     */
    public static SDVariable freeBitsKl(SameDiff sd, SDVariable klDims, int d, SDVariable x, double lambda) {
        return sd.scalarMax(batchMean(sd, klDims, d, x), lambda).sum();
    }

    /**
     * log p(z) - log q(z|x) per row for the standard normal prior and the Gaussian posterior, written with
     * the noise: z = mu + sigma * eps, so (z - mu)^2 / sigma^2 = eps^2 and the 2 pi constants cancel:
     * -0.5 sum z^2 + 0.5 sum (eps^2 + logvar).
     *
     * @return [rows]
     */
    public static SDVariable logPriorMinusLogPosterior(SameDiff sd, SDVariable z, SDVariable eps,
                                                       SDVariable logvar, int d) {
        SDVariable logP = sumCols(z.mul(z), d).mul(-0.5);
        SDVariable logQNeg = sumCols(eps.mul(eps).add(logvar), d).mul(0.5);
        return logP.add(logQNeg);
    }

    /**
     * log (1/K sum_k exp(a_k)) along dimension 0 of [K, n], computed as m + log sum exp(a - m) with m the
     * column maximum. Hand-written because SameDiff M2.1's logSumExp returned -infinity for the row
     * [-100, -1, 1, 100] (in FLOAT and DOUBLE).
     *
     * @return [n]
     */
    public static SDVariable logMeanExp(SameDiff sd, SDVariable a, int k) {
        if (k == 1) {
            return a.reshape(-1);
        }
        SDVariable m = a.max(true, 0);
        SDVariable s = sd.math.exp(a.sub(m)).sum(0);
        return sd.math.log(s).add(m.reshape(-1)).sub(Math.log(k));
    }
}
