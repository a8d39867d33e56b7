package org.vaelab.model.layers;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.LayerSpec.Nonlinearity;
import org.vaelab.spec.Shape;

/**
 * An elementwise nonlinearity (relu, leaky_relu 0.01, elu 1, tanh, sigmoid). A {@link LayerStack} lets the
 * layer before it absorb it where it can (a linear or conv layer applies it with its bias in one pass); this
 * class runs it on its own otherwise (after a reshape, a pooling or a normalisation).
 */
public final class ActivationLayer extends Layer {
    private final Nonlinearity fn;
    private float[] outH;

    /** The nonlinearity {@code spec} on inputs of shape {@code in}. */
    public ActivationLayer(String name, Shape in, LayerSpec.Act spec) {
        super(name, in, spec.output(in));
        this.fn = spec.fn();
    }

    /** The nonlinearity. */
    public Nonlinearity fn() {
        return fn;
    }

    @Override
    public void allocate(int rows) {
        outH = new float[rows * out.size()];
    }

    @Override
    public float[] forward(float[] input, int rows, boolean training) {
        int n = rows * out.size();
        // its own buffer: the layer before may need its output (the input here) in its backward
        System.arraycopy(input, 0, outH, 0, n);
        kernels.activate(outH, n, fn);
        return outH;
    }

    @Override
    public void backward(float[] dOut, int rows, float[] dIn) {
        if (dIn == null) {
            return;
        }
        int n = rows * out.size();
        kernels.activateBack(dOut, outH, n, fn);
        System.arraycopy(dOut, 0, dIn, 0, n);
    }

    @Override
    public SDVariable graph(GraphContext g, SDVariable x) {
        return twin(g.sd(), x, fn, in.image());
    }

    /** The SameDiff form of {@code fn} on {@code x}. */
    static SDVariable twin(SameDiff sd, SDVariable x, Nonlinearity fn, boolean image) {
        return switch (fn) {
            // relu as x * step(x) on images: same values and gradient, but M2.1's relu backward
            // (thresholdedrelu_bp) ran 30x slower than a multiply on conv activations (ConvOpProbe)
            case RELU -> image ? x.mul(sd.math.step(x, 0.0)) : sd.nn.relu(x, 0.0);
            case LEAKY_RELU -> sd.nn.leakyRelu(x, 0.01); // PyTorch's default negative slope
            case ELU -> sd.nn.elu(x);
            case TANH -> sd.nn.tanh(x);
            case SIGMOID -> sd.nn.sigmoid(x);
        };
    }
}
