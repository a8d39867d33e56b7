package org.vaelab.model.layers;

import java.util.Arrays;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.Shape;

/**
 * {@code nn.Upsample(scale_factor=k, mode='nearest')} on NHWC examples: output pixel (oy, ox) copies input pixel
 * (oy / k, ox / k); the backward sums each k x k block of d out into its input pixel.
 *
 * <p>Twin: M2.1's own {@code sd.cnn().upsampling2d}, in NCHW between two permutes. M2.1 bug: with
 * {@code nchw = false} its forward is right but its backward (upsampling2d_bp) returns a wrong input gradient
 * (for a [1, 1, 3, 2] input upsampled by 2 it gave 2 where the sum of the 2x2 block is 28); in NCHW it is right
 * ({@code PoolingLayersTest} compares both paths, {@code LayersTorchMirrorTest} checks against PyTorch).
 */
public final class UpsampleLayer extends Layer {
    private final int k;
    private final int h;
    private final int wd;
    private final int c;

    private int cap;
    private float[] outH;

    /** A nearest-neighbour upsampling layer on inputs of shape {@code in}; {@code name} is unused. */
    public UpsampleLayer(String name, Shape in, LayerSpec.Upsample spec) {
        super(name, in, spec.output(in));
        this.k = spec.k();
        this.h = in.height();
        this.wd = in.width();
        this.c = in.channels();
    }

    @Override
    public void allocate(int rows) {
        if (rows <= cap) {
            return;
        }
        outH = new float[rows * out.size()];
        cap = rows;
    }

    @Override
    public float[] forward(float[] input, int rows, boolean training) {
        int inW = in.size();
        int ow = wd * k;
        int rowLen = ow * c;
        int o = 0;
        for (int e = 0; e < rows; e++) {
            for (int iy = 0; iy < h; iy++) {
                // build one output row, then repeat it k - 1 times
                int row0 = o;
                int s = e * inW + iy * wd * c;
                for (int ix = 0; ix < wd; ix++, s += c) {
                    for (int kx = 0; kx < k; kx++, o += c) {
                        System.arraycopy(input, s, outH, o, c);
                    }
                }
                for (int ky = 1; ky < k; ky++, o += rowLen) {
                    System.arraycopy(outH, row0, outH, o, rowLen);
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
        int inW = in.size();
        Arrays.fill(dIn, 0, rows * inW, 0f);
        int ow = wd * k;
        int o = 0;
        for (int e = 0; e < rows; e++) {
            for (int oy = 0; oy < h * k; oy++) {
                int d = e * inW + (oy / k) * wd * c;
                for (int ox = 0; ox < ow; ox++, o += c) {
                    int s = d + (ox / k) * c;
                    for (int j = 0; j < c; j++) {
                        dIn[s + j] += dOut[o + j];
                    }
                }
            }
        }
    }

    @Override
    public SDVariable graph(GraphContext g, SDVariable x) {
        SameDiff sd = g.sd();
        SDVariable y = sd.cnn().upsampling2d(sd.permute(x, 0, 3, 1, 2), k, k, true);
        return sd.permute(y, 0, 2, 3, 1);
    }
}
