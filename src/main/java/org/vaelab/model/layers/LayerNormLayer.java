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

    private final int features;
    /** {@code chw[i]}: position in the parameters' C, H, W order of NHWC feature {@code i}. */
    private final int[] chw;
    private final float[] gamma;
    private final float[] beta;
    private final float[] gradW;
    private final float[] gradB;
    private final double[] sumW;
    private final double[] sumB;
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
        this.sumW = new double[features];
        this.sumB = new double[features];
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
        this.biasGrad = new FloatPointer(grads).position(grads.position() + features);
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
            // two passes in double: a one-pass E[x^2] - E[x]^2 in float loses the variance of offset inputs
            double s = 0;
            for (int i = 0; i < f; i++) {
                s += x[o + i];
            }
            double mu = s / f;
            double ss = 0;
            for (int i = 0; i < f; i++) {
                double d = x[o + i] - mu;
                ss += d * d;
            }
            float m = (float) mu;
            float rs = (float) (1.0 / Math.sqrt(ss / f + EPS));
            mean[r] = m;
            rstd[r] = rs;
            for (int i = 0; i < f; i++) {
                output[o + i] = (x[o + i] - m) * rs * gamma[i] + beta[i];
            }
        }
        input = training ? x : null;
        return output;
    }

    @Override
    public void backward(float[] dOut, int rows, float[] dIn) {
        if (input == null) {
            throw new IllegalStateException(name + ": backward needs a training forward first");
        }
        int f = features;
        float[] x = input;
        double[] dw = sumW;
        double[] db = sumB;
        Arrays.fill(dw, 0);
        Arrays.fill(db, 0);
        for (int r = 0; r < rows; r++) {
            int o = r * f;
            float m = mean[r];
            float rs = rstd[r];
            double sumG = 0;
            double sumGx = 0;
            for (int i = 0; i < f; i++) {
                float xh = (x[o + i] - m) * rs;
                float dy = dOut[o + i];
                dw[i] += dy * xh;
                db[i] += dy;
                float g = dy * gamma[i];
                sumG += g;
                sumGx += g * xh;
            }
            if (dIn != null) {
                // d xhat_i minus its projection on the mean and on xhat (the two constraints of the normalisation)
                float a = (float) (sumG / f);
                float b = (float) (sumGx / f);
                for (int i = 0; i < f; i++) {
                    float xh = (x[o + i] - m) * rs;
                    dIn[o + i] = rs * (dOut[o + i] * gamma[i] - a - xh * b);
                }
            }
        }
        for (int i = 0; i < f; i++) {
            gradW[chw[i]] = (float) dw[i];
            gradB[chw[i]] = (float) db[i];
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
