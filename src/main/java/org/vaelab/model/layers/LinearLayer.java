package org.vaelab.model.layers;

import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.vaelab.model.Parameters;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.LayerSpec.Nonlinearity;
import org.vaelab.spec.Shape;

/**
 * {@code nn.Linear}: y = x W + b with W [in, out] (PyTorch's weight transposed) and b [out]. One sgemm forward,
 * two backward, on a native copy of the input; the bias (and an absorbed nonlinearity) in one pass over the
 * heap output, as the hand-written steps did.
 */
public final class LinearLayer extends Layer {
    private final int inF;
    private final int outF;
    private Nonlinearity fused;
    private boolean deferred;
    private FloatPointer inN;
    /** The caller's native copy of the next forward's input, or null (see {@link #nativeInput}). */
    private FloatPointer given;
    /** What the last forward multiplied: inN or the caller's copy. */
    private FloatPointer used;
    private float[] outH;
    private final float[] bias;
    private final float[] gBias;

    /** A linear layer named {@code name} (parameters {@code name_W}, {@code name_b}) on vectors {@code in}. */
    public LinearLayer(String name, Shape in, LayerSpec.Linear spec) {
        super(name, in, spec.output(in));
        this.inF = in.size();
        this.outF = spec.features();
        this.bias = new float[outF];
        this.gBias = new float[outF];
    }

    @Override
    public List<Parameters.Param> params() {
        return List.of(new Parameters.Param(name + "_W", new long[]{inF, outF}, inF),
                new Parameters.Param(name + "_b", new long[]{outF}, inF));
    }

    /** Applies {@code fn} with the bias, in the same pass (and its derivative with the bias gradient). */
    @Override
    public boolean fuse(Nonlinearity fn) {
        if (fused != null || deferred) {
            return false;
        }
        fused = fn;
        return true;
    }

    @Override
    public Nonlinearity fused() {
        return fused;
    }

    @Override
    public boolean deferBias() {
        if (fused != null) {
            return false; // the bias must go in before the nonlinearity
        }
        deferred = true;
        return true;
    }

    @Override
    public void deferredBias(float[] perValue) {
        at(params, (long) inF * outF).get(perValue, 0, outF);
    }

    @Override
    public void deferredBiasGradient(float[] perValue) {
        at(grads, (long) inF * outF).put(perValue, 0, outF);
    }

    @Override
    public void allocate(int rows) {
        if (inN != null) {
            inN.close();
        }
        inN = new FloatPointer((long) rows * inF);
        outH = new float[rows * outF];
        workspace.reserve((long) rows * Math.max(inF, outF));
    }

    @Override
    public boolean nativeInput(FloatPointer input) {
        given = input;
        return true;
    }

    @Override
    public float[] forward(float[] input, int rows, boolean training) {
        FloatPointer a = workspace.a();
        if (given != null) {
            used = given; // the first layer reads the batch where it already is (as the mlp step did)
            given = null;
        } else {
            inN.put(input, 0, rows * inF);
            used = inN;
        }
        Blas.gemm(false, false, rows, outF, inF, used, inF, params, outF, 0f, a, outF);
        a.get(outH, 0, rows * outF);
        if (!deferred) {
            at(params, (long) inF * outF).get(bias, 0, outF);
            if (fused != null) {
                kernels.biasActivate(outH, rows, outF, bias, 0, fused);
            } else {
                kernels.addBias(outH, rows, outF, bias, 0);
            }
        }
        return outH;
    }

    @Override
    public void backward(float[] dOut, int rows, float[] dIn) {
        if (fused != null) {
            kernels.activateBack(dOut, outH, rows, outF, fused, gBias, 0);
        } else if (!deferred) {
            kernels.columnSums(dOut, rows, outF, gBias, 0);
        }
        FloatPointer a = workspace.a();
        a.put(dOut, 0, rows * outF);
        Blas.gemm(true, false, inF, outF, rows, used, inF, a, outF, 0f, grads, outF);
        if (dIn != null) {
            FloatPointer b = workspace.b();
            Blas.gemm(false, true, rows, inF, outF, a, outF, params, outF, 0f, b, inF);
            b.get(dIn, 0, rows * inF);
        }
        if (!deferred) {
            at(grads, (long) inF * outF).put(gBias, 0, outF);
        }
    }

    @Override
    public SDVariable graph(GraphContext g, SDVariable x) {
        SDVariable y = g.sd().nn.linear(x, g.param(name + "_W"), g.param(name + "_b"));
        return fused == null ? y : ActivationLayer.twin(g.sd(), y, fused, false);
    }

    private static FloatPointer at(FloatPointer base, long offset) {
        return Blas.at(base, offset);
    }

    @Override
    public void close() {
        if (inN != null) {
            inN.close();
            inN = null;
        }
    }
}
