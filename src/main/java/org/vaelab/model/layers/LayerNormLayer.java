package org.vaelab.model.layers;

import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.vaelab.model.Parameters;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.Shape;

/**
 * {@code nn.LayerNorm(normalized_shape = input shape)}: each example is normalised by the mean and biased
 * variance of all its features (eps 1e-5), then scaled and shifted elementwise. Weight and bias have PyTorch's
 * shape ({@code [C, H, W]} or {@code [F]}) so checkpoints and the PyTorch mirror read them as
 * {@code nn.LayerNorm} does, while activations stay NHWC: the layer maps indices between the two orders
 * (Ba, Kiros and Hinton 2016, "Layer Normalization").
 */
public final class LayerNormLayer extends Layer {
    /** PyTorch's default. */
    static final double EPS = 1e-5;
    private static final int LANES = 64;

    private final int features;
    /** {@code chw[i]}: position in the parameters' C, H, W order of NHWC feature {@code i}. */
    private final int[] chw;
    private final float[] gamma;
    private final float[] beta;
    private final float[] gradW;
    private final float[] gradB;
    private final float[] sumW;
    private final float[] sumB;
    /**
     * Per-row sums go through {@link #LANES} float accumulators, position j collecting features j, j + LANES, ...:
     * plain array loops the JIT turns into SIMD without reordering any sum (same bits before and after
     * compilation); the lanes are then added in double.
     */
    private final float[] lane1 = new float[LANES];
    private final float[] lane2 = new float[LANES];
    private FloatPointer biasParam;
    private FloatPointer biasGrad;
    private float[] output = new float[0];
    private float[] mean = new float[0];
    private float[] rstd = new float[0];
    /** The last training forward's input (the previous layer's output, valid until its next forward). */
    private float[] input;
    private int capacity;

    /** A layer norm over all of {@code in}'s features. */
    public LayerNormLayer(String name, Shape in, LayerSpec.LayerNorm spec) {
        super(name, in, spec.output(in));
        this.features = in.size();
        this.chw = new int[features];
        int c = in.channels();
        int h = in.height();
        int w = in.width();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int ch = 0; ch < c; ch++) {
                    chw[(y * w + x) * c + ch] = (ch * h + y) * w + x;
                }
            }
        }
        this.gamma = new float[features];
        this.beta = new float[features];
        this.gradW = new float[features];
        this.gradB = new float[features];
        this.sumW = new float[features];
        this.sumB = new float[features];
    }

    private long[] paramShape() {
        return in.image() ? new long[]{in.channels(), in.height(), in.width()} : new long[]{features};
    }

    @Override
    public List<Parameters.Param> params() {
        return List.of(new Parameters.Param(name + "_W", paramShape(), features, Parameters.Init.ONES),
                new Parameters.Param(name + "_b", paramShape(), features, Parameters.Init.ZEROS));
    }

    @Override
    public void bind(FloatPointer params, FloatPointer grads, FloatPointer state, Workspace workspace) {
        super.bind(params, grads, state, workspace);
        this.biasParam = new FloatPointer(params).position(params.position() + features);
        // a forward-only stack (evaluation) has no gradient buffer
        this.biasGrad = grads == null ? null : new FloatPointer(grads).position(grads.position() + features);
    }

    @Override
    public void allocate(int rows) {
        if (rows > capacity) {
            output = new float[rows * features];
            mean = new float[rows];
            rstd = new float[rows];
            capacity = rows;
        }
    }

    /** Reads weight and bias (they change every step) into NHWC order. */
    private void loadAffine() {
        params.get(gradW, 0, features);
        biasParam.get(gradB, 0, features);
        for (int i = 0; i < features; i++) {
            gamma[i] = gradW[chw[i]];
            beta[i] = gradB[chw[i]];
        }
    }

    @Override
    public float[] forward(float[] x, int rows, boolean training) {
        loadAffine();
        int f = features;
        for (int r = 0; r < rows; r++) {
            int o = r * f;
            // two passes: a one-pass E[x^2] - E[x]^2 in float loses the variance of offset inputs
            for (int i = 0; i < f; i += LANES) {
                int len = Math.min(LANES, f - i);
                int p = o + i;
                for (int j = 0; j < len; j++) {
                    lane1[j] += x[p + j];
                }
            }
            float m = (float) (drain(lane1) / f);
            for (int i = 0; i < f; i += LANES) {
                int len = Math.min(LANES, f - i);
                int p = o + i;
                for (int j = 0; j < len; j++) {
                    float d = x[p + j] - m;
                    lane1[j] += d * d;
                }
            }
            float rs = (float) (1.0 / Math.sqrt(drain(lane1) / f + EPS));
            mean[r] = m;
            rstd[r] = rs;
            for (int i = 0; i < f; i++) {
                output[o + i] = (x[o + i] - m) * rs * gamma[i] + beta[i];
            }
        }
        input = training ? x : null;
        return output;
    }

    /** The lanes' total in double; clears them. */
    private static double drain(float[] lanes) {
        double s = 0;
        for (int j = 0; j < LANES; j++) {
            s += lanes[j];
            lanes[j] = 0f;
        }
        return s;
    }

    @Override
    public void backward(float[] dOut, int rows, float[] dIn) {
        if (input == null) {
            throw new IllegalStateException(name + ": backward needs a training forward first");
        }
        int f = features;
        float[] x = input;
        float[] dw = sumW;
        float[] db = sumB;
        Arrays.fill(dw, 0f);
        Arrays.fill(db, 0f);
        for (int r = 0; r < rows; r++) {
            int o = r * f;
            float m = mean[r];
            float rs = rstd[r];
            for (int i = 0; i < f; i++) {
                float xh = (x[o + i] - m) * rs;
                float dy = dOut[o + i];
                dw[i] += dy * xh;
                db[i] += dy;
            }
            if (dIn != null) {
                for (int i = 0; i < f; i += LANES) {
                    int len = Math.min(LANES, f - i);
                    int p = o + i;
                    for (int j = 0; j < len; j++) {
                        float g = dOut[p + j] * gamma[i + j];
                        lane1[j] += g;
                        lane2[j] += g * ((x[p + j] - m) * rs);
                    }
                }
                // d xhat_i minus its projection on the mean and on xhat (the two constraints of the normalisation)
                float a = (float) (drain(lane1) / f);
                float b = (float) (drain(lane2) / f);
                for (int i = 0; i < f; i++) {
                    float xh = (x[o + i] - m) * rs;
                    dIn[o + i] = rs * (dOut[o + i] * gamma[i] - a - xh * b);
                }
            }
        }
        for (int i = 0; i < f; i++) {
            gradW[chw[i]] = dw[i];
            gradB[chw[i]] = db[i];
        }
        grads.put(gradW, 0, f);
        biasGrad.put(gradB, 0, f);
    }

    @Override
    public SDVariable graph(GraphContext g, SDVariable x) {
        SameDiff sd = g.sd();
        int[] dims = in.image() ? new int[]{1, 2, 3} : new int[]{1};
        SDVariable w = g.param(name + "_W");
        SDVariable b = g.param(name + "_b");
        if (in.image()) {
            // parameters are [C, H, W] as PyTorch's, activations [n, H, W, C]
            w = w.permute(1, 2, 0);
            b = b.permute(1, 2, 0);
        }
        SDVariable mu = sd.mean(x, true, dims);
        SDVariable centred = x.sub(mu);
        SDVariable var = sd.mean(centred.mul(centred), true, dims);
        SDVariable xhat = centred.mul(sd.math.rsqrt(var.add(EPS)));
        return xhat.mul(w).add(b);
    }
}
