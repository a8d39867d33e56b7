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
 * {@code nn.BatchNorm2d(C)} on images (statistics per channel over the batch and all pixels) and
 * {@code nn.BatchNorm1d(F)} on vectors (per feature over the batch), affine, eps 1e-5 (Ioffe and Szegedy 2015,
 * "Batch Normalization"). Training normalises with the batch mean and biased variance and moves the running
 * statistics (state {@code _mean}, {@code _var}) towards the batch mean and unbiased variance with momentum 0.1;
 * evaluation normalises with the running statistics. Exactly PyTorch's semantics, so a notebook's model
 * evaluates the same after training here.
 */
public final class BatchNormLayer extends Layer {
    /** PyTorch's default. */
    static final double EPS = 1e-5;
    /** PyTorch's default: new running = (1 - momentum) * running + momentum * batch. */
    static final double MOMENTUM = 0.1;
    /** Floats per chunk of the loops (see {@link #period}). */
    private static final int CHUNK = 1024;
    /** Chunks summed in float before the sums move into double, bounding float rounding for large batches. */
    private static final int FLUSH = 16;

    /** Channels (images) or features (vectors): the innermost index of an activation row. */
    private final int channels;
    /** Values per channel per example: H * W, 1 for vectors. */
    private final int pixels;
    private final double[] sum;
    private final double[] sum2;
    private final float[] gamma;
    private final float[] beta;
    private final float[] mean;
    private final float[] rstd;
    private final float[] scale;
    private final float[] shift;
    private final float[] meanDyXhat;
    /** Running mean then running variance, as in the state buffer. */
    private final float[] running;
    private final float[] paramGrads;
    /**
     * Values are visited in chunks of {@code period} (a multiple of the channel count, about {@link #CHUNK}), so
     * position j of a chunk always holds channel j % channels: per-channel sums become elementwise adds into
     * {@code acc1}/{@code acc2} and per-channel factors are read from copies repeated to the chunk's length
     * ({@code rep1..rep5}). Every loop is then a plain array loop that the JIT turns into SIMD without
     * reordering any sum (same bits before and after compilation), even for one channel.
     */
    private final int period;
    private final float[] acc1;
    private final float[] acc2;
    private final float[] rep1;
    private final float[] rep2;
    private final float[] rep3;
    private final float[] rep4;
    private final float[] rep5;
    private float[] output = new float[0];
    /** The last training forward's input (the previous layer's output, valid until its next forward). */
    private float[] input;
    private int capacity;

    /** A batch norm over {@code in}'s channels (images) or features (vectors). */
    public BatchNormLayer(String name, Shape in, LayerSpec.BatchNorm spec) {
        super(name, in, spec.output(in));
        this.channels = in.channels();
        this.pixels = in.height() * in.width();
        int c = channels;
        this.sum = new double[c];
        this.sum2 = new double[c];
        this.gamma = new float[c];
        this.beta = new float[c];
        this.mean = new float[c];
        this.rstd = new float[c];
        this.scale = new float[c];
        this.shift = new float[c];
        this.meanDyXhat = new float[c];
        this.running = new float[2 * c];
        this.paramGrads = new float[2 * c];
        this.period = c * Math.max(1, CHUNK / c);
        this.acc1 = new float[period];
        this.acc2 = new float[period];
        this.rep1 = new float[period];
        this.rep2 = new float[period];
        this.rep3 = new float[period];
        this.rep4 = new float[period];
        this.rep5 = new float[period];
    }

    @Override
    public List<Parameters.Param> params() {
        long[] s = {channels};
        return List.of(new Parameters.Param(name + "_W", s, channels, Parameters.Init.ONES),
                new Parameters.Param(name + "_b", s, channels, Parameters.Init.ZEROS));
    }

    @Override
    public List<Parameters.Param> state() {
        long[] s = {channels};
        return List.of(new Parameters.Param(name + "_mean", s, channels, Parameters.Init.ZEROS),
                new Parameters.Param(name + "_var", s, channels, Parameters.Init.ONES));
    }

    @Override
    public void allocate(int rows) {
        if (rows > capacity) {
            output = new float[rows * pixels * channels];
            capacity = rows;
        }
    }

    @Override
    public float[] forward(float[] x, int rows, boolean training) {
        int c = channels;
        // weight then bias, adjacent in the parameter buffer
        params.get(paramGrads, 0, 2 * c);
        System.arraycopy(paramGrads, 0, gamma, 0, c);
        System.arraycopy(paramGrads, c, beta, 0, c);
        state.get(running, 0, 2 * c);
        long count = (long) rows * pixels;
        int n = rows * pixels * c;
        if (training) {
            if (count < 2) {
                // as PyTorch: the unbiased variance of one value is undefined
                throw new IllegalArgumentException(name + ": batchnorm in training needs more than 1 value per "
                        + "channel, got input " + rows + " x " + in + "; use batches of at least 2 examples");
            }
            batchStatistics(x, n, count);
            for (int k = 0; k < c; k++) {
                double var = sum2[k] / count;
                rstd[k] = (float) (1.0 / Math.sqrt(var + EPS));
                double unbiased = sum2[k] / (count - 1);
                running[k] = (float) ((1 - MOMENTUM) * running[k] + MOMENTUM * sum[k]);
                running[c + k] = (float) ((1 - MOMENTUM) * running[c + k] + MOMENTUM * unbiased);
                scale[k] = rstd[k] * gamma[k];
                shift[k] = beta[k] - mean[k] * scale[k];
            }
            state.put(running, 0, 2 * c);
            input = x;
        } else {
            for (int k = 0; k < c; k++) {
                scale[k] = (float) (gamma[k] / Math.sqrt(running[c + k] + EPS));
                shift[k] = beta[k] - running[k] * scale[k];
            }
            input = null;
        }
        repeat(scale, rep1);
        repeat(shift, rep2);
        for (int o = 0; o < n; o += period) {
            int len = Math.min(period, n - o);
            for (int j = 0; j < len; j++) {
                output[o + j] = x[o + j] * rep1[j] + rep2[j];
            }
        }
        return output;
    }

    /** Per-channel values repeated over a chunk. */
    private void repeat(float[] perChannel, float[] chunk) {
        for (int j = 0; j < period; j += channels) {
            System.arraycopy(perChannel, 0, chunk, j, channels);
        }
    }

    /** Adds the chunk accumulator into per-channel double sums and clears it. */
    private void fold(float[] acc, double[] into) {
        int c = channels;
        for (int j = 0; j < period; j += c) {
            for (int k = 0; k < c; k++) {
                into[k] += acc[j + k];
            }
        }
        Arrays.fill(acc, 0f);
    }

    /** Leaves the batch mean in {@code sum} (double) and {@code mean} (float), the centred sum of squares in sum2. */
    private void batchStatistics(float[] x, int n, long count) {
        int c = channels;
        Arrays.fill(sum, 0);
        Arrays.fill(sum2, 0);
        Arrays.fill(acc1, 0f);
        int chunks = 0;
        for (int o = 0; o < n; o += period) {
            int len = Math.min(period, n - o);
            for (int j = 0; j < len; j++) {
                acc1[j] += x[o + j];
            }
            if (++chunks == FLUSH) {
                fold(acc1, sum);
                chunks = 0;
            }
        }
        fold(acc1, sum);
        for (int k = 0; k < c; k++) {
            sum[k] /= count;
            mean[k] = (float) sum[k];
        }
        // two passes: E[x^2] - E[x]^2 in one pass cancels badly for channels far from zero
        repeat(mean, rep1);
        chunks = 0;
        for (int o = 0; o < n; o += period) {
            int len = Math.min(period, n - o);
            for (int j = 0; j < len; j++) {
                float d = x[o + j] - rep1[j];
                acc1[j] += d * d;
            }
            if (++chunks == FLUSH) {
                fold(acc1, sum2);
                chunks = 0;
            }
        }
        fold(acc1, sum2);
    }

    @Override
    public void backward(float[] dOut, int rows, float[] dIn) {
        if (input == null) {
            throw new IllegalStateException(name + ": backward needs a training forward first");
        }
        int c = channels;
        int n = rows * pixels * c;
        long count = (long) rows * pixels;
        float[] x = input;
        Arrays.fill(sum, 0);
        Arrays.fill(sum2, 0);
        Arrays.fill(acc1, 0f);
        Arrays.fill(acc2, 0f);
        repeat(mean, rep1);
        repeat(rstd, rep2);
        int chunks = 0;
        for (int o = 0; o < n; o += period) {
            int len = Math.min(period, n - o);
            for (int j = 0; j < len; j++) {
                float dy = dOut[o + j];
                acc1[j] += dy;
                acc2[j] += dy * ((x[o + j] - rep1[j]) * rep2[j]);
            }
            if (++chunks == FLUSH) {
                fold(acc1, sum);
                fold(acc2, sum2);
                chunks = 0;
            }
        }
        fold(acc1, sum);
        fold(acc2, sum2);
        for (int k = 0; k < c; k++) {
            paramGrads[k] = (float) sum2[k];
            paramGrads[c + k] = (float) sum[k];
        }
        grads.put(paramGrads, 0, 2 * c);
        if (dIn == null) {
            return;
        }
        // dx = gamma * rstd * (dy - mean(dy) - xhat * mean(dy * xhat)), means over the channel's batch values
        for (int k = 0; k < c; k++) {
            scale[k] = gamma[k] * rstd[k];
            shift[k] = (float) (sum[k] / count);
            meanDyXhat[k] = (float) (sum2[k] / count);
        }
        repeat(scale, rep3);
        repeat(shift, rep4);
        repeat(meanDyXhat, rep5);
        for (int o = 0; o < n; o += period) {
            int len = Math.min(period, n - o);
            for (int j = 0; j < len; j++) {
                float xh = (x[o + j] - rep1[j]) * rep2[j];
                dIn[o + j] = rep3[j] * (dOut[o + j] - rep4[j] - xh * rep5[j]);
            }
        }
    }

    @Override
    public SDVariable graph(GraphContext g, SDVariable x) {
        SameDiff sd = g.sd();
        int[] dims = in.image() ? new int[]{0, 1, 2} : new int[]{0};
        SDVariable w = g.param(name + "_W");
        SDVariable b = g.param(name + "_b");
        SDVariable runMean = g.state(name + "_mean");
        SDVariable runVar = g.state(name + "_var");
        SDVariable xhat;
        if (g.training()) {
            SDVariable mu = sd.mean(x, false, dims);
            SDVariable centred = x.sub(mu);
            SDVariable var = sd.mean(centred.mul(centred), false, dims);
            xhat = centred.mul(sd.math.rsqrt(var.add(EPS)));
            // the running statistics are not on the loss's path: no gradient flows through them
            SDVariable unbiased = sd.variance(x, true, false, dims);
            g.stateUpdate(name + "_mean", runMean.mul(1 - MOMENTUM).add(mu.mul(MOMENTUM)));
            g.stateUpdate(name + "_var", runVar.mul(1 - MOMENTUM).add(unbiased.mul(MOMENTUM)));
        } else {
            xhat = x.sub(runMean).mul(sd.math.rsqrt(runVar.add(EPS)));
        }
        return xhat.mul(w).add(b);
    }
}
