package org.vaelab.model;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.model.layers.Blas;
import org.vaelab.model.layers.LayerStack;
import org.vaelab.model.layers.Workspace;
import org.vaelab.spec.Estimator;
import org.vaelab.spec.LayerSpec.Nonlinearity;

/**
 * The engine's {@link GradientStep} for any FLOAT model on the CPU: the encoder's {@link LayerStack}, the mean
 * and log-variance heads (two sgemms on one native copy of the features), the reparameterisation, KL and
 * objective of {@link LatentGradients}, the decoder's stack, and the likelihood in {@link Kernels} (which also
 * adds the decoder's last bias while it reads the logits, when that layer can leave it there: a linear
 * or transposed-conv one without a fused nonlinearity).
 * The same function and gradients as the SameDiff objective graph ({@link VaeGraphs#objective}), which stays
 * the reference its tests compare against; on the mlp shorthand the same bits as the hand-written mlp step it
 * replaced.
 *
 * <p>Built without training ({@code training = false}) it keeps no backward buffers and serves evaluation:
 * {@link #forward} (posterior, per-row likelihood and log-weights), {@link #encode} and {@link #decodeMean}.
 * Rows of the decoder are sample-major as in the graph: row {@code s * n + i} is sample s of example i. Not
 * thread-safe.
 */
public final class FastGradientStep implements GradientStep {
    private final Kernels kern;
    private final Objective obj;
    private final boolean training;
    private final int dim;
    private final int d;
    private final int k;
    private final int f;
    private final LayerStack enc;
    private final LayerStack dec;
    private final boolean deferred;
    private final Workspace ws = new Workspace();
    private final FloatPointer paramsBase;
    private final INDArray grads;
    private final FloatPointer gradsBase;
    private final long muW;
    private final long muB;
    private final long lvW;
    private final long lvB;

    private int cap; // examples the buffers hold
    private int capRows; // decoder rows the buffers hold
    private FloatPointer featN;
    private FloatPointer muN;
    private FloatPointer lvN;
    private float[] xH;
    private float[] epsH;
    private float[] muH;
    private float[] lvH;
    private float[] stdH;
    /** exp(logvar), kept from the forward for the KL's gradient. */
    private float[] varH;
    private float[] zH;
    private float[] dzH;
    private float[] dMuH;
    private float[] dLvH;
    private float[] dFeat;
    private float[] logitsH;
    private float[] logits;
    private final float[] muBias;
    private final float[] lvBias;
    private final float[] gMuBias;
    private final float[] gLvBias;
    private final float[] outBias;
    private final float[] gOutBias;
    private double[] nll;
    private double[] sqErr;
    private double[] logW;
    private float[] coef;
    private final double[] klDimMean;

    /** A training step for {@code arch} over the FLOAT parameters {@code params}. */
    public FastGradientStep(VaeArchitecture arch, Parameters params, Objective objective) {
        this(arch, params, objective, Kernels.best(), true);
    }

    FastGradientStep(VaeArchitecture arch, Parameters params, Objective objective, Kernels kernels,
                     boolean training) {
        this(arch, params, null, objective, kernels, training);
    }

    /**
     * @param state    the flat FLOAT [1, S] state buffer in {@link VaeArchitecture#state()} order (batchnorm's
     *                 running statistics, updated in place by training forwards), or null for a model without
     * @param training false for a forward-only engine (evaluation): no gradient buffer, no backward buffers
     */
    FastGradientStep(VaeArchitecture arch, Parameters params, INDArray state, Objective objective, Kernels kernels,
                     boolean training) {
        if (!supports(arch, params.dataType())) {
            throw new IllegalArgumentException("the fast engine needs a FLOAT model, got " + arch.describe() + " in "
                    + params.dataType());
        }
        this.kern = kernels;
        this.obj = objective;
        this.training = training;
        this.dim = arch.dim();
        this.d = arch.latentDim();
        this.k = objective.samples();
        this.f = arch.features();
        this.enc = arch.encoderStack();
        this.dec = arch.decoderStack();
        enc.useKernels(kernels);
        dec.useKernels(kernels);
        Map<String, Long> offsets = new HashMap<>();
        long off = 0;
        for (Parameters.Param p : params.list()) {
            offsets.put(p.name(), off);
            off += p.length();
        }
        this.paramsBase = Blas.pointer(params.flat());
        this.grads = training ? Nd4j.create(DataType.FLOAT, 1, params.size()) : null;
        this.gradsBase = training ? Blas.pointer(grads) : null;
        Map<String, Long> stateOffsets = new HashMap<>();
        off = 0;
        for (Parameters.Param p : arch.state()) {
            stateOffsets.put(p.name(), off);
            off += p.length();
        }
        if (off > 0 && (state == null || state.length() != off)) {
            throw new IllegalArgumentException("this model has " + off + " state values (" + arch.state()
                    + "); pass its state buffer");
        }
        FloatPointer stateBase = off > 0 ? Blas.pointer(state) : null;
        enc.bind(paramsBase, gradsBase, offsets, stateBase, stateOffsets, ws);
        dec.bind(paramsBase, gradsBase, offsets, stateBase, stateOffsets, ws);
        this.deferred = dec.deferOutputBias();
        this.muW = offsets.get(GraphNames.encMu(true));
        this.muB = offsets.get(GraphNames.encMu(false));
        this.lvW = offsets.get(GraphNames.encLogvar(true));
        this.lvB = offsets.get(GraphNames.encLogvar(false));
        this.muBias = new float[d];
        this.lvBias = new float[d];
        this.gMuBias = new float[d];
        this.gLvBias = new float[d];
        this.outBias = new float[dim]; // zeros unless the decoder's last layer left its bias to the likelihood
        this.gOutBias = new float[dim];
        this.klDimMean = new double[d];
    }

    /** Whether this engine can run {@code arch} in {@code dtype} (the backend is checked by the caller). */
    public static boolean supports(VaeArchitecture arch, DataType dtype) {
        return dtype == DataType.FLOAT;
    }

    private void ensure(int n, int samples) {
        if (n <= cap && (long) n * samples <= capRows) {
            return;
        }
        int rows = Math.max(samples * n, capRows);
        n = Math.max(n, cap);
        close0();
        enc.allocate(n, training);
        dec.allocate(rows, training);
        ws.reserve((long) n * Math.max(f, d));
        ws.commit();
        featN = new FloatPointer((long) n * f);
        muN = new FloatPointer((long) n * d);
        lvN = new FloatPointer((long) n * d);
        xH = new float[n * dim];
        epsH = new float[rows * d];
        muH = new float[n * d];
        lvH = new float[n * d];
        stdH = new float[n * d];
        varH = new float[n * d];
        zH = new float[rows * d];
        logitsH = deferred ? null : new float[rows * dim];
        nll = new double[rows];
        sqErr = new double[rows];
        logW = new double[rows];
        coef = new float[rows];
        if (training) {
            dzH = new float[rows * d];
            dMuH = new float[n * d];
            dLvH = new float[n * d];
            dFeat = new float[n * f];
        }
        cap = n;
        capRows = rows;
    }

    @Override
    public Values compute(INDArray x, INDArray eps, double betaValue) {
        if (!training) {
            throw new IllegalStateException("this engine was built for evaluation only");
        }
        int n = checked(x, eps);
        FloatPointer xN = Blas.pointer(x);
        xN.get(xH, 0, n * dim);
        // x is the encoder's input in native memory already (one channel: the image's NHWC is its pixel rows)
        enc.nativeInput(xN);
        Blas.pointer(eps).get(epsH, 0, k * n * d);
        float beta = (float) betaValue;
        Values v = run(obj, n, k, beta, true);
        backward(n, beta);
        return v;
    }

    private int checked(INDArray x, INDArray eps) {
        if (x.rank() != 2 || x.size(1) != dim) {
            throw new IllegalArgumentException("x: expected [n, " + dim + "], got " + Arrays.toString(x.shape()));
        }
        int n = (int) x.size(0);
        if (eps.rank() != 2 || eps.size(0) != (long) k * n || eps.size(1) != d) {
            throw new IllegalArgumentException("eps: expected [" + (long) k * n + ", " + d + "], got "
                    + Arrays.toString(eps.shape()));
        }
        ensure(n, k);
        return n;
    }

    /** The heads on the features of {@code n} examples: muH, lvH. */
    private void heads(float[] feat, int n) {
        FloatPointer a = ws.a();
        featN.put(feat, 0, n * f);
        Blas.gemm(false, false, n, d, f, featN, f, Blas.at(paramsBase, muW), d, 0f, a, d);
        a.get(muH, 0, n * d);
        Blas.gemm(false, false, n, d, f, featN, f, Blas.at(paramsBase, lvW), d, 0f, a, d);
        a.get(lvH, 0, n * d);
        Blas.at(paramsBase, muB).get(muBias, 0, d);
        Blas.at(paramsBase, lvB).get(lvBias, 0, d);
        kern.addBias(muH, n, d, muBias, 0);
        kern.addBias(lvH, n, d, lvBias, 0);
    }

    /** Forward of {@code n} examples with {@code k} samples each from xH and epsH; fills every per-row array. */
    private Values run(Objective obj, int n, int k, float beta, boolean train) {
        int rows = k * n;
        heads(enc.forward(xH, n, train), n);
        double klSum = LatentGradients.reparameterise(n, k, d, muH, lvH, stdH, varH, epsH, zH, klDimMean);
        float[] out = dec.forward(zH, rows, train);
        if (deferred) {
            logits = out; // the last layer's own buffer: the likelihood adds its bias here
            dec.outputBias(outBias);
        } else {
            System.arraycopy(out, 0, logitsH, 0, rows * dim);
            logits = logitsH;
        }
        kern.reconstruction(obj.reconstruction(), logits, xH, rows, n, dim, outBias, 0, nll, sqErr);
        return LatentGradients.objective(obj, n, k, d, beta, nll, klSum, klDimMean, zH, epsH, lvH, logW, coef);
    }

    private void backward(int n, float beta) {
        int rows = k * n;
        kern.reconstructionBack(obj.reconstruction(), logits, xH, rows, n, dim, coef, gOutBias, 0);
        if (deferred) {
            dec.outputBiasGradient(gOutBias);
        }
        dec.backward(logits, rows, dzH);
        LatentGradients.reparamBack(n, k, d, beta, obj, dzH, zH, epsH, muH, stdH, varH, coef, klDimMean, dMuH,
                dLvH);
        kern.columnSums(dMuH, n, d, gMuBias, 0);
        kern.columnSums(dLvH, n, d, gLvBias, 0);
        muN.put(dMuH, 0, n * d);
        lvN.put(dLvH, 0, n * d);
        Blas.gemm(true, false, f, d, n, featN, f, muN, d, 0f, Blas.at(gradsBase, muW), d);
        Blas.gemm(true, false, f, d, n, featN, f, lvN, d, 0f, Blas.at(gradsBase, lvW), d);
        if (enc.trainable()) {
            // d features = dmu Wmu^T + dlogvar Wlogvar^T
            FloatPointer b = ws.b();
            Blas.gemm(false, true, n, f, d, muN, d, Blas.at(paramsBase, muW), d, 0f, b, f);
            Blas.gemm(false, true, n, f, d, lvN, d, Blas.at(paramsBase, lvW), d, 1f, b, f);
            b.get(dFeat, 0, n * f);
            enc.backward(dFeat, n, null);
        }
        Blas.at(gradsBase, muB).put(gMuBias, 0, d);
        Blas.at(gradsBase, lvB).put(gLvBias, 0, d);
    }

    // ------------------------------------------------------------------------------------ evaluation

    /** What {@link #forward} leaves behind for the caller to read (views of the engine's buffers). */
    record Forward(Values values, float[] mu, float[] logvar, double[] nll, double[] sqErr, double[] logW) {
    }

    /**
     * The forward (beta 1) of {@code estimator} (its reconstruction is the engine's) on {@code n} examples
     * {@code x} (row-major from {@code xOff}, n * D) with {@code samples} samples each, noise {@code eps} (from
     * {@code epsOff}: samples * n * d, sample-major); the engine grows to fit, whatever its objective's K. The
     * returned arrays are the engine's: {@code 0 .. n} (mu, logvar: n * d) and {@code 0 .. samples * n} (nll,
     * sqErr, and logW for iwae) are valid until the next call.
     */
    Forward forward(Estimator estimator, float[] x, int xOff, float[] eps, int epsOff, int n, int samples) {
        ensure(n, samples);
        System.arraycopy(x, xOff, xH, 0, n * dim);
        System.arraycopy(eps, epsOff, epsH, 0, samples * n * d);
        Values v = run(new Objective(obj.reconstruction(), samples, estimator, 0), n, samples, 1f, false);
        return new Forward(v, muH, lvH, nll, sqErr, logW);
    }

    /** Posterior means and log-variances of {@code n} examples into {@code mu}, {@code logvar} (n * d each). */
    void encode(float[] x, int xOff, int n, float[] mu, float[] logvar, int outOff) {
        ensure(n, 1);
        System.arraycopy(x, xOff, xH, 0, n * dim);
        heads(enc.forward(xH, n, false), n);
        System.arraycopy(muH, 0, mu, outOff, n * d);
        System.arraycopy(lvH, 0, logvar, outOff, n * d);
    }

    /** The decoder means sigmoid(logits) of {@code m} codes {@code z} (m * d) into {@code out[0 .. m * D]}. */
    void decodeMean(float[] z, int m, float[] out) {
        ensure(1, m);
        float[] l = dec.forward(z, m, false);
        if (deferred) {
            dec.outputBias(outBias);
            kern.addBias(l, m, dim, outBias, 0);
        }
        System.arraycopy(l, 0, out, 0, m * dim);
        kern.activate(out, m * dim, Nonlinearity.SIGMOID);
    }

    /** Values per example of the widest activation: sizes row blocks for evaluation. */
    int widest() {
        return Math.max(Math.max(enc.widest(), dec.widest()), Math.max(f, dim));
    }

    @Override
    public INDArray gradients() {
        if (grads == null) {
            throw new IllegalStateException("this engine was built for evaluation only");
        }
        return grads;
    }

    @Override
    public void close() {
        if (grads != null) {
            grads.close();
        }
        close0();
        enc.close();
        dec.close();
        ws.close();
    }

    private void close0() {
        // the work buffers are native: free them now rather than whenever the collector finds them
        if (cap > 0) {
            featN.close();
            muN.close();
            lvN.close();
            cap = 0;
            capRows = 0;
        }
    }
}
