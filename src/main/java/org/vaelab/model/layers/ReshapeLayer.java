package org.vaelab.model.layers;

import org.nd4j.autodiff.samediff.SDVariable;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.Shape;

/**
 * {@code x.view(-1, C, H, W)}: the input's values in C, H, W order read as an image of {@code [C, H, W]}, stored
 * NHWC. When neither side has more than one channel this is the same memory and the array passes through.
 */
public final class ReshapeLayer extends Layer {
    private final boolean fromImage;
    private final boolean toImage;
    private float[] outH;
    private float[] chw;

    /** Reshapes inputs of shape {@code in} to {@code spec}'s image. */
    public ReshapeLayer(String name, Shape in, LayerSpec.Reshape spec) {
        super(name, in, spec.output(in));
        this.fromImage = in.image() && in.channels() > 1;
        this.toImage = out.channels() > 1;
    }

    @Override
    public void allocate(int rows) {
        int n = rows * out.size();
        outH = fromImage || toImage ? new float[n] : null;
        chw = fromImage && toImage ? new float[n] : null;
    }

    @Override
    public float[] forward(float[] input, int rows, boolean training) {
        if (!fromImage && !toImage) {
            return input;
        }
        float[] flat = input;
        if (fromImage) {
            flat = toImage ? chw : outH;
            Permute.toChw(input, flat, rows, in.height() * in.width(), in.channels());
        }
        if (toImage) {
            Permute.toNhwc(flat, outH, rows, out.height() * out.width(), out.channels());
        }
        return outH;
    }

    @Override
    public void backward(float[] dOut, int rows, float[] dIn) {
        if (dIn == null) {
            return;
        }
        int n = rows * out.size();
        if (!fromImage && !toImage) {
            if (dIn != dOut) {
                System.arraycopy(dOut, 0, dIn, 0, n);
            }
            return;
        }
        float[] flat = dOut;
        if (toImage) {
            flat = fromImage ? chw : dIn;
            Permute.toChw(dOut, flat, rows, out.height() * out.width(), out.channels());
        }
        if (fromImage) {
            Permute.toNhwc(flat, dIn, rows, in.height() * in.width(), in.channels());
        }
    }

    @Override
    public boolean copyFree() {
        return !fromImage && !toImage;
    }

    @Override
    public SDVariable graph(GraphContext g, SDVariable x) {
        return Permute.nhwc(g.sd(), Permute.chwRows(g.sd(), x, in), out);
    }
}
