package org.vaelab.model;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.spec.Activation;
import org.vaelab.spec.Estimator;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;

/**
 * {@link GradientStep} for an mlp encoder with an mlp decoder, written out by hand: the same function and the
 * same gradients as the SameDiff objective graph ({@link VaeGraphs#objective}), computed with one OpenBLAS
 * {@code sgemm} per matrix product straight on ND4J's parameter and gradient buffers, and every elementwise step
 * in {@link Kernels} over heap arrays allocated once.
 *
 * <p>Why it exists: SameDiff spends most of a step of this small model around its kernels (a new output buffer
 * per op, per-op setup, the fused relu layer recomputing x W + b in backprop), which left it at 40-50% of
 * PyTorch's speed on one core. The GEMMs here are the same ones SameDiff calls; only the plumbing is gone. The
 * SameDiff graph stays the reference: {@code MlpGradientStepTest} checks this step's loss and every gradient
 * against it for each activation, likelihood, estimator, K, free bits and depth.
 *
 * <p>Data flow: matrices that enter a GEMM live in native memory; elementwise passes copy a native block into a
 * heap array (a memcpy), work there (loops over heap arrays vectorise; loops over native memory do not in JDK
 * 17), and copy back. Rows of the decoder are sample-major as in the graph: row {@code k * n + i} is sample k of
 * example i. FLOAT only (the DOUBLE gradient checks use the graph). Not thread-safe.
 */
public final class MlpGradientStep implements GradientStep {

    /** One dense layer: weights [in, out] at {@code w} in the flat buffer, bias at {@code b}, bias at {@code hb} on the heap. */
    private record Dense(int in, int out, long w, long b, int hb) {
    }

    private final Kernels kern;
    private final Activation act;
    private final Objective obj;
    private final int dim;
    private final int d;
    private final int k;
    private final List<Dense> enc = new ArrayList<>();
    private final Dense mu;
    private final Dense lv;
    private final List<Dense> dec = new ArrayList<>(); // hidden layers, then the output layer
    private final int biasCount;

    private final INDArray paramsFlat;
    private final FloatPointer paramsBase;
    private final INDArray grads;
    private final FloatPointer gradsBase;
    private final float[] bias;
    private final float[] gBias;

    private int cap; // example rows the buffers hold
    private FloatPointer[] encN;
    private float[][] encH;
    private FloatPointer[] decN;
    private float[][] decH;
    private float[] xH;
    private float[] epsH;
    private float[] muH;
    private float[] lvH;
    private float[] stdH;
    private float[] zH;
    private float[] dMuH;
    private float[] dLvH;
    private FloatPointer muN;
    private FloatPointer lvN;
    private FloatPointer zN;
    private FloatPointer logitN;
    private float[] logitH;
    private FloatPointer tmpN;
    private FloatPointer tmp2N;
    private float[] tmpH;
    private double[] nll;
    private double[] sqErr;
    private double[] logW;
    private float[] coef;
    private double[] klDimMean;

    /** A step for {@code arch} (mlp encoder and decoder) over the FLOAT parameters {@code params}. */
    public MlpGradientStep(VaeArchitecture arch, Parameters params, Objective objective) {
        this(arch, params, objective, Kernels.best());
    }

    MlpGradientStep(VaeArchitecture arch, Parameters params, Objective objective, Kernels kernels) {
        if (!supports(arch.spec(), params.dataType())) {
            throw new IllegalArgumentException("the hand-written step needs mlp encoder and decoder in FLOAT, got "
                    + arch.describe() + " in " + params.dataType());
        }
        this.kern = kernels;
        this.act = arch.spec().activation();
        this.obj = objective;
        this.dim = arch.dim();
        this.d = arch.latentDim();
        this.k = objective.samples();
        List<Parameters.Param> list = params.list();
        long off = 0;
        int hb = 0;
        List<Dense> all = new ArrayList<>();
        // the buffer holds weight, bias pairs in the order VaeArchitecture declares them
        for (int i = 0; i < list.size(); i += 2) {
            Parameters.Param w = list.get(i);
            Parameters.Param b = list.get(i + 1);
            int in = (int) w.shape()[0];
            int out = (int) w.shape()[1];
            all.add(new Dense(in, out, off, off + w.length(), hb));
            off += w.length() + b.length();
            hb += out;
        }
        int hidden = arch.spec().hidden().size();
        enc.addAll(all.subList(0, hidden));
        mu = all.get(hidden);
        lv = all.get(hidden + 1);
        dec.addAll(all.subList(hidden + 2, all.size()));
        biasCount = hb;

        this.paramsFlat = params.flat();
        this.paramsBase = pointer(paramsFlat);
        this.grads = Nd4j.create(DataType.FLOAT, 1, params.size());
        this.gradsBase = pointer(grads);
        this.bias = new float[biasCount];
        this.gBias = new float[biasCount];
    }

    /** Whether this step can train a model of {@code spec} in {@code dtype}. */
    public static boolean supports(ModelSpec spec, DataType dtype) {
        return dtype == DataType.FLOAT && spec.encoder() == NetKind.MLP && spec.decoder() == NetKind.MLP;
    }

    /** The elementwise kernels in use ("vector512", "scalar"), for provenance. */
    public String kernels() {
        return kern.name();
    }

    private static FloatPointer pointer(INDArray a) {
        if (a.dataType() != DataType.FLOAT || a.ordering() != 'c' || a.elementWiseStride() != 1) {
            throw new IllegalArgumentException("expected a contiguous c-ordered FLOAT array, got " + a.dataType()
                    + " " + a.ordering() + " stride " + a.elementWiseStride());
        }
        return new FloatPointer(a.data().addressPointer()).position(a.offset());
    }

    private FloatPointer at(FloatPointer base, long offset) {
        return new FloatPointer(base).position(base.position() + offset);
    }

    private void ensure(int n) {
        if (n <= cap) {
            return;
        }
        close0();
        int rows = k * n;
        encN = new FloatPointer[enc.size()];
        encH = new float[enc.size()][];
        for (int i = 0; i < enc.size(); i++) {
            encN[i] = new FloatPointer((long) n * enc.get(i).out());
            encH[i] = new float[n * enc.get(i).out()];
        }
        decN = new FloatPointer[dec.size() - 1];
        decH = new float[dec.size() - 1][];
        int widest = Math.max(dim, d);
        for (int j = 0; j < dec.size() - 1; j++) {
            decN[j] = new FloatPointer((long) rows * dec.get(j).out());
            decH[j] = new float[rows * dec.get(j).out()];
            widest = Math.max(widest, dec.get(j).out());
        }
        for (Dense e : enc) {
            widest = Math.max(widest, e.out());
        }
        xH = new float[n * dim];
        epsH = new float[rows * d];
        muH = new float[n * d];
        lvH = new float[n * d];
        stdH = new float[n * d];
        dMuH = new float[n * d];
        dLvH = new float[n * d];
        zH = new float[rows * d];
        muN = new FloatPointer((long) n * d);
        lvN = new FloatPointer((long) n * d);
        zN = new FloatPointer((long) rows * d);
        logitN = new FloatPointer((long) rows * dim);
        logitH = new float[rows * dim];
        tmpN = new FloatPointer((long) rows * widest);
        tmp2N = new FloatPointer((long) rows * widest);
        tmpH = new float[rows * widest];
        nll = new double[rows];
        sqErr = new double[rows];
        logW = new double[rows];
        coef = new float[rows];
        klDimMean = new double[d];
        cap = n;
    }

    /** Row-major C[m x n] = op(A) op(B) + beta C, with op(A) m x kk. */
    private static void gemm(boolean ta, boolean tb, int m, int n, int kk, FloatPointer a, int lda, FloatPointer b,
                             int ldb, float beta, FloatPointer c, int ldc) {
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, kk, 1f,
                a, lda, b, ldb, beta, c, ldc);
    }

    @Override
    public Values compute(INDArray x, INDArray eps, double betaValue) {
        Values v = forward(x, eps, betaValue);
        backward((int) x.size(0), (float) betaValue);
        return v;
    }

    /**
     * Importance log-weights log p(x|z_k) + log p(z_k) - log q(z_k|x) of the forward pass for an IWAE objective
     * (Burda et al. 2016), in the decoder's sample-major row order: element {@code k * n + i} is sample k of
     * example i. Used for the log-likelihood estimate: no graph, no allocation per call.
     */
    public double[] logWeights(INDArray x, INDArray eps) {
        if (obj.estimator() != Estimator.IWAE) {
            throw new IllegalStateException("log-weights need an iwae objective, this step has " + obj.estimator());
        }
        forward(x, eps, 1.0);
        return Arrays.copyOf(logW, k * (int) x.size(0));
    }

    private FloatPointer xN;
    private FloatPointer features;

    private Values forward(INDArray x, INDArray eps, double betaValue) {
        if (x.rank() != 2 || x.size(1) != dim) {
            throw new IllegalArgumentException("x: expected [n, " + dim + "], got " + Arrays.toString(x.shape()));
        }
        int n = (int) x.size(0);
        if (eps.rank() != 2 || eps.size(0) != (long) k * n || eps.size(1) != d) {
            throw new IllegalArgumentException("eps: expected [" + (long) k * n + ", " + d + "], got "
                    + Arrays.toString(eps.shape()));
        }
        ensure(n);
        int rows = k * n;
        float beta = (float) betaValue;
        xN = pointer(x);
        xN.get(xH, 0, n * dim);
        pointer(eps).get(epsH, 0, rows * d);
        for (Dense l : all()) {
            at(paramsBase, l.b()).get(bias, l.hb(), l.out());
        }

        // encoder and heads
        FloatPointer in = xN;
        for (int i = 0; i < enc.size(); i++) {
            Dense l = enc.get(i);
            gemm(false, false, n, l.out(), l.in(), in, l.in(), at(paramsBase, l.w()), l.out(), 0f, encN[i], l.out());
            encN[i].get(encH[i], 0, n * l.out());
            kern.biasActivate(encH[i], n, l.out(), bias, l.hb(), act);
            encN[i].put(encH[i], 0, n * l.out());
            in = encN[i];
        }
        features = in;
        int f = mu.in();
        gemm(false, false, n, d, f, features, f, at(paramsBase, mu.w()), d, 0f, muN, d);
        gemm(false, false, n, d, f, features, f, at(paramsBase, lv.w()), d, 0f, lvN, d);
        muN.get(muH, 0, n * d);
        lvN.get(lvH, 0, n * d);
        kern.addBias(muH, n, d, bias, mu.hb());
        kern.addBias(lvH, n, d, bias, lv.hb());

        double klSum = LatentGradients.reparameterise(n, k, d, muH, lvH, stdH, epsH, zH, klDimMean);
        zN.put(zH, 0, rows * d);

        // decoder
        in = zN;
        for (int j = 0; j < dec.size() - 1; j++) {
            Dense l = dec.get(j);
            gemm(false, false, rows, l.out(), l.in(), in, l.in(), at(paramsBase, l.w()), l.out(), 0f, decN[j], l.out());
            decN[j].get(decH[j], 0, rows * l.out());
            kern.biasActivate(decH[j], rows, l.out(), bias, l.hb(), act);
            decN[j].put(decH[j], 0, rows * l.out());
            in = decN[j];
        }
        Dense out = dec.get(dec.size() - 1);
        gemm(false, false, rows, dim, out.in(), in, out.in(), at(paramsBase, out.w()), dim, 0f, logitN, dim);
        logitN.get(logitH, 0, rows * dim);
        kern.reconstruction(obj.reconstruction(), logitH, xH, rows, n, dim, bias, out.hb(), nll, sqErr);

        return LatentGradients.objective(obj, n, k, d, beta, nll, klSum, klDimMean, zH, epsH, lvH, logW, coef);
    }

    private void backward(int n, float beta) {
        int rows = k * n;
        int f = mu.in();
        Dense out = dec.get(dec.size() - 1);
        // logits, decoder
        kern.reconstructionBack(obj.reconstruction(), logitH, xH, rows, n, dim, coef, gBias, out.hb());
        logitN.put(logitH, 0, rows * dim);
        FloatPointer dOut = logitN;
        FloatPointer spare = tmpN;
        for (int j = dec.size() - 1; j >= 0; j--) {
            Dense l = dec.get(j);
            FloatPointer input = j == 0 ? zN : decN[j - 1];
            gemm(true, false, l.in(), l.out(), rows, input, l.in(), dOut, l.out(), 0f, at(gradsBase, l.w()), l.out());
            gemm(false, true, rows, l.in(), l.out(), dOut, l.out(), at(paramsBase, l.w()), l.out(), 0f, spare, l.in());
            spare.get(tmpH, 0, rows * l.in());
            if (j > 0) {
                Dense below = dec.get(j - 1);
                kern.activateBack(tmpH, decH[j - 1], rows, l.in(), act, gBias, below.hb());
                spare.put(tmpH, 0, rows * l.in());
                dOut = spare;
                spare = spare == tmpN ? tmp2N : tmpN;
            }
        }
        // tmpH holds d loss / d z [rows, d]; through z = mu + std * eps and the KL term
        reparamBack(n, beta);
        muN.put(dMuH, 0, n * d);
        lvN.put(dLvH, 0, n * d);
        kern.columnSums(dMuH, n, d, gBias, mu.hb());
        kern.columnSums(dLvH, n, d, gBias, lv.hb());
        gemm(true, false, f, d, n, features, f, muN, d, 0f, at(gradsBase, mu.w()), d);
        gemm(true, false, f, d, n, features, f, lvN, d, 0f, at(gradsBase, lv.w()), d);
        if (!enc.isEmpty()) {
            // d features = dmu Wmu^T + dlogvar Wlogvar^T
            gemm(false, true, n, f, d, muN, d, at(paramsBase, mu.w()), d, 0f, tmpN, f);
            gemm(false, true, n, f, d, lvN, d, at(paramsBase, lv.w()), d, 1f, tmpN, f);
            dOut = tmpN;
            spare = tmp2N;
            for (int i = enc.size() - 1; i >= 0; i--) {
                Dense l = enc.get(i);
                dOut.get(tmpH, 0, n * l.out());
                kern.activateBack(tmpH, encH[i], n, l.out(), act, gBias, l.hb());
                dOut.put(tmpH, 0, n * l.out());
                FloatPointer input = i == 0 ? xN : encN[i - 1];
                gemm(true, false, l.in(), l.out(), n, input, l.in(), dOut, l.out(), 0f, at(gradsBase, l.w()), l.out());
                if (i > 0) {
                    gemm(false, true, n, l.in(), l.out(), dOut, l.out(), at(paramsBase, l.w()), l.out(), 0f, spare,
                            l.in());
                    FloatPointer t = dOut;
                    dOut = spare;
                    spare = t;
                }
            }
        }
        for (Dense l : all()) {
            at(gradsBase, l.b()).put(gBias, l.hb(), l.out());
        }
    }

    /** d loss / d mu and d loss / d logvar from d loss / d z (in {@link #tmpH}) plus the KL or IWAE terms. */
    private void reparamBack(int n, float beta) {
        LatentGradients.reparamBack(n, k, d, beta, obj, tmpH, zH, epsH, muH, lvH, stdH, coef, klDimMean, dMuH, dLvH);
    }

    private List<Dense> all() {
        List<Dense> a = new ArrayList<>(enc);
        a.add(mu);
        a.add(lv);
        a.addAll(dec);
        return a;
    }

    @Override
    public INDArray gradients() {
        return grads;
    }

    @Override
    public void close() {
        grads.close();
        close0();
    }

    private void close0() {
        // the work buffers are native: free them now rather than whenever the collector finds them
        if (cap > 0) {
            for (FloatPointer p : encN) {
                p.close();
            }
            for (FloatPointer p : decN) {
                p.close();
            }
            for (FloatPointer p : new FloatPointer[]{muN, lvN, zN, logitN, tmpN, tmp2N}) {
                p.close();
            }
            cap = 0;
        }
    }
}
