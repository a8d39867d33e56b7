package org.vaelab.model.layers;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.model.Kernels;
import org.vaelab.spec.Activation;
import org.vaelab.spec.LayerSpec;

/**
 * What the conv-family layers share: the gemm call, pointer offsets, block sizing, the fusable activations and
 * the bias pass that applies them.
 */
final class ConvSupport {
    /**
     * Floats of im2col columns or transposed-conv patches handled per gemm: a block written by one gemm is read
     * from L2 by the scatter that follows (or gathered there for the next), instead of streaming through memory
     * (the bench decoder's patches are 12.8 MB at batch 128). Measured on the bench conv model (with a probe
     * since removed).
     */
    static final int BLOCK_FLOATS = 1 << 17;

    private ConvSupport() {
    }

    /** Row-major C[m x n] = op(A) op(B) + beta C, with op(A) m x kk. */
    static void gemm(boolean ta, boolean tb, int m, int n, int kk, FloatPointer a, int lda, FloatPointer b, int ldb,
                     float beta, FloatPointer c, int ldc) {
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, kk, 1f,
                a, lda, b, ldb, beta, c, ldc);
    }

    /** A pointer {@code offset} floats past {@code base}'s position. */
    static FloatPointer at(FloatPointer base, long offset) {
        return new FloatPointer(base).position(base.position() + offset);
    }

    /** Examples per block when one example needs {@code perExample} floats of columns or patches. */
    static int block(int rows, long perExample, int blockFloats) {
        return (int) Math.max(1, Math.min(rows, blockFloats / Math.max(1, perExample)));
    }

    /**
     * The {@link org.vaelab.model.Kernels} form of a nonlinearity a conv layer can absorb, or null (sigmoid:
     * the kernels' backward derives every supported activation from its output, and they have no sigmoid).
     */
    static Activation fusable(LayerSpec.Nonlinearity fn) {
        return switch (fn) {
            case RELU -> Activation.RELU;
            case LEAKY_RELU -> Activation.LEAKY_RELU;
            case ELU -> Activation.ELU;
            case TANH -> Activation.TANH;
            case SIGMOID -> null;
        };
    }

    /**
     * The twin of a fused activation, PyTorch's defaults (leaky_relu slope 0.01, elu alpha 1). relu is written
     * x * step(x) as today's conv graphs do: the same values and gradient, but M2.1's relu backward took 12 ms on a
     * [128, 14, 14, 32] array against 0.4 ms for the multiplies (ConvOpProbe).
     */
    static SDVariable activate(SameDiff sd, SDVariable v, Activation a) {
        return switch (a) {
            case RELU -> v.mul(sd.math.step(v, 0.0));
            case TANH -> sd.nn.tanh(v);
            case ELU -> sd.nn.elu(v);
            case LEAKY_RELU -> sd.nn.leakyRelu(v, 0.01);
        };
    }

    /**
     * The bias pass of a conv-family forward: reads the bias (the {@code outC} values at {@code biasAt} in the
     * parameters) into {@code bias} and adds it to {@code pixels x outC} outputs in place, applying the fused
     * activation {@code act} (null: none) in the same pass.
     */
    static void biasForward(Kernels k, FloatPointer params, long biasAt, float[] bias, float[] out, int pixels,
                            int outC, Activation act) {
        at(params, biasAt).get(bias, 0, outC);
        if (act != null) {
            k.biasActivate(out, pixels, outC, bias, 0, act);
        } else {
            k.addBias(out, pixels, outC, bias, 0);
        }
    }

    /**
     * Its backward: multiplies {@code dOut} in place by the activation's derivative (from the activated output
     * {@code out}) and stores the column sums, the bias gradient, at {@code biasAt} in the gradients.
     */
    static void biasBackward(Kernels k, float[] dOut, float[] out, int pixels, int outC, Activation act,
                             float[] gBias, FloatPointer grads, long biasAt) {
        if (act != null) {
            k.activateBack(dOut, out, pixels, outC, act, gBias, 0);
        } else {
            k.columnSums(dOut, pixels, outC, gBias, 0);
        }
        at(grads, biasAt).put(gBias, 0, outC);
    }

    /** Slice {@code [y0, y0 + h) x [x0, x0 + w)} of dims 1 and 2 of an NHWC array, the batch kept symbolic. */
    static SDVariable crop(SameDiff sd, SDVariable x, int y0, int h, int x0, int w) {
        // begin/end masks on dims 0 and 3 (bits 1 and 8): all of the batch and the channels
        return sd.stridedSlice(x, new long[]{0, y0, x0, 0}, new long[]{0, y0 + h, x0 + w, 0},
                new long[]{1, 1, 1, 1}, 9, 9, 0, 0, 0);
    }

    /** Zero padding of dims 1 and 2 of an NHWC array: {top, bottom, left, right}. */
    static SDVariable pad(SameDiff sd, SDVariable x, int top, int bottom, int left, int right) {
        return sd.nn.pad(x, sd.constant(Nd4j.createFromArray(new int[][]{{0, 0}, {top, bottom}, {left, right},
                {0, 0}})), 0.0);
    }
}
