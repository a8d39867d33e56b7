package org.vaelab.model.layers;

import org.nd4j.autodiff.samediff.SDVariable;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.Shape;

/**
 * {@code nn.Flatten}: an image to a vector in C, H, W order (so the next linear layer's weight rows are
 * PyTorch's). A vector or a one-channel image passes through as the same array, without a copy.
 */
public final class FlattenLayer extends Layer {
    private final boolean permutes;
    private float[] outH;

    /** Flattens inputs of shape {@code in}. */
    public FlattenLayer(String name, Shape in, LayerSpec.Flatten spec) {
        super(name, in, spec.output(in));
        this.permutes = in.image() && in.channels() > 1;
    }

    @Override
    public void allocate(int rows) {
        outH = permutes ? new float[rows * out.size()] : null;
    }

    @Override
    public float[] forward(float[] input, int rows, boolean training) {
        if (!permutes) {
            return input;
        }
        Permute.toChw(input, outH, rows, in.height() * in.width(), in.channels());
        return outH;
    }

    @Override
    public void backward(float[] dOut, int rows, float[] dIn) {
        if (dIn == null) {
            return;
        }
        if (permutes) {
            Permute.toNhwc(dOut, dIn, rows, in.height() * in.width(), in.channels());
        } else if (dIn != dOut) {
            System.arraycopy(dOut, 0, dIn, 0, rows * in.size());
        }
    }

    @Override
    public boolean copyFree() {
        return !permutes;
    }

    @Override
    public SDVariable graph(GraphContext g, SDVariable x) {
        return Permute.chwRows(g.sd(), x, in);
    }
}
