package org.vaelab.model.layers;

import java.util.Arrays;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.Shape;

/**
 * {@code nn.MaxPool2d(k)} on NHWC examples: k x k windows at stride k, the incomplete last row and column of
 * windows dropped (floor). The backward routes each gradient to its window's maximum; among equal values the
 * first in row-major window order wins, and a NaN wins, the last NaN of the window (PyTorch's CPU kernel:
 * {@code val > max || isnan(val)}).
 *
 * <p>Twin: M2.1's own {@code sd.cnn().maxPooling2d} (NHWC, VALID), whose backward also routes a tie to the
 * first maximum (checked against this layer on inputs with ties).
 */
public final class MaxPoolLayer extends Layer {
    private final int k;
    private final int wd;
    private final int c;
    private final int oh;
    private final int ow;

    /** Offsets in the input rows of a window's values from its first, in row-major window order. */
    private final int[] window;

    private int cap;
    private float[] outH;
    /** The last training forward's input (the previous layer's output, valid until the backward). */
    private float[] input;

    /** A max-pooling layer on inputs of shape {@code in}; {@code name} is unused (no parameters). */
    public MaxPoolLayer(String name, Shape in, LayerSpec.MaxPool spec) {
        super(name, in, spec.output(in));
        this.k = spec.k();
        this.wd = in.width();
        this.c = in.channels();
        this.oh = out.height();
        this.ow = out.width();
        this.window = new int[k * k];
        for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
                window[ky * k + kx] = (ky * wd + kx) * c;
            }
        }
    }

    @Override
    public void allocate(int rows) {
        if (rows <= cap) {
            return;
        }
        outH = new float[rows * out.size()];
        cap = rows;
    }

    /**
     * Only the maxima; the backward finds where they came from. Keeping the index of every running maximum made
     * the forward a chain of unpredictable branches (3 ns a value on notebook 004's first pool, 5x the loop of
     * {@code Math.max}, which the JIT turns into SIMD). {@code Math.max} returns NaN if a value is NaN, as
     * PyTorch; of an equal -0 and +0 it returns +0 where PyTorch keeps the first (a sign of zero, no other
     * difference).
     */
    @Override
    public float[] forward(float[] x, int rows, boolean training) {
        int inW = in.size();
        int[] win = window;
        int o = 0;
        for (int e = 0; e < rows; e++) {
            int base = e * inW;
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++, o += c) {
                    int first = base + (oy * k * wd + ox * k) * c;
                    System.arraycopy(x, first, outH, o, c);
                    for (int q = 1; q < win.length; q++) {
                        int s = first + win[q];
                        for (int j = 0; j < c; j++) {
                            outH[o + j] = Math.max(outH[o + j], x[s + j]);
                        }
                    }
                }
            }
        }
        input = training ? x : null;
        return outH;
    }

    /**
     * Each gradient goes to the first value of its window equal to the window's maximum, or, if the maximum is
     * NaN, to the window's last NaN (PyTorch's rule {@code val > max || isnan(val)} ends there): the kernels'
     * {@link org.vaelab.model.Kernels#maxPoolBack}, which writes every value of a window, a SIMD vector of
     * channels at a time (16 on AVX-512) with the Vector API (one at a time, the search cost 8 ns a window value
     * on notebook 004's first pool).
     */
    @Override
    public void backward(float[] dOut, int rows, float[] dIn) {
        if (dIn == null) {
            return;
        }
        if (input == null) {
            throw new IllegalStateException(name + ": backward needs a training forward first");
        }
        if (oh * k != in.height() || ow * k != wd) {
            // values in no window (the dropped last rows or columns) get no gradient
            Arrays.fill(dIn, 0, rows * in.size(), 0f);
        }
        float[] x = input;
        int inW = in.size();
        int o = 0;
        for (int e = 0; e < rows; e++) {
            int base = e * inW;
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++, o += c) {
                    // windows do not overlap (stride k): each input value is written once
                    kernels.maxPoolBack(x, base + (oy * k * wd + ox * k) * c, window, outH, dOut, o, c, dIn);
                }
            }
        }
    }

    @Override
    public SDVariable graph(GraphContext g, SDVariable x) {
        Pooling2DConfig cfg = Pooling2DConfig.builder().kH(k).kW(k).sH(k).sW(k).pH(0).pW(0).dH(1).dW(1)
                .type(Pooling2D.Pooling2DType.MAX).paddingMode(PaddingMode.VALID).isNHWC(true).build();
        return g.sd().cnn().maxPooling2d(x, cfg);
    }
}
