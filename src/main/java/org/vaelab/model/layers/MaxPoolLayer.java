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
 * first in row-major window order wins, and a NaN wins (PyTorch's CPU kernel: {@code val > max || isnan(val)}).
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

    private int cap;
    private float[] outH;
    /** Per output value of the last training forward: the index of its maximum in the input rows. */
    private int[] arg;

    /** A max-pooling layer on inputs of shape {@code in}; {@code name} is unused (no parameters). */
    public MaxPoolLayer(String name, Shape in, LayerSpec.MaxPool spec) {
        super(name, in, spec.output(in));
        this.k = spec.k();
        this.wd = in.width();
        this.c = in.channels();
        this.oh = out.height();
        this.ow = out.width();
    }

    @Override
    public void allocate(int rows) {
        if (rows <= cap) {
            return;
        }
        outH = new float[rows * out.size()];
        arg = new int[rows * out.size()];
        cap = rows;
    }

    @Override
    public float[] forward(float[] input, int rows, boolean training) {
        int inW = in.size();
        int o = 0;
        for (int e = 0; e < rows; e++) {
            int base = e * inW;
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++, o += c) {
                    int first = base + (oy * k * wd + ox * k) * c;
                    System.arraycopy(input, first, outH, o, c);
                    for (int j = 0; j < c; j++) {
                        arg[o + j] = first + j;
                    }
                    for (int ky = 0; ky < k; ky++) {
                        for (int kx = ky == 0 ? 1 : 0; kx < k; kx++) {
                            int s = base + ((oy * k + ky) * wd + ox * k + kx) * c;
                            for (int j = 0; j < c; j++) {
                                float v = input[s + j];
                                if (v > outH[o + j] || Float.isNaN(v)) {
                                    outH[o + j] = v;
                                    arg[o + j] = s + j;
                                }
                            }
                        }
                    }
                }
            }
        }
        return outH;
    }

    @Override
    public void backward(float[] dOut, int rows, float[] dIn) {
        if (dIn == null) {
            return;
        }
        Arrays.fill(dIn, 0, rows * in.size(), 0f);
        // windows do not overlap (stride k): each input value receives at most one gradient
        int n = rows * out.size();
        for (int i = 0; i < n; i++) {
            dIn[arg[i]] = dOut[i];
        }
    }

    @Override
    public SDVariable graph(GraphContext g, SDVariable x) {
        Pooling2DConfig cfg = Pooling2DConfig.builder().kH(k).kW(k).sH(k).sW(k).pH(0).pW(0).dH(1).dW(1)
                .type(Pooling2D.Pooling2DType.MAX).paddingMode(PaddingMode.VALID).isNHWC(true).build();
        return g.sd().cnn().maxPooling2d(x, cfg);
    }
}
