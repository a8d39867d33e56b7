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
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;

/**
 * {@link GradientStep} for models with a conv encoder and/or a conv decoder (either side may be mlp), written
 * out by hand (the conv shorthands' step until the engine's conv layers are merged): the same function and gradients as the SameDiff objective graph
 * ({@link VaeGraphs#objective}), with every conv, transposed conv and dense layer as one OpenBLAS {@code sgemm}
 * (forward) and two (backward) over buffers allocated once, and the elementwise work in {@link Kernels}.
 *
 * <p>Why it exists: on one core the SameDiff step of the bench conv model (channels 32, 64, latent 32) ran at
 * 40% of PyTorch's speed; its gemms are the same size as these, the rest was SameDiff's per-op plumbing, the
 * slices/concat/permute copies of {@link ConvLayers}' im2col and the arrays of every intermediate. The graph
 * stays the reference: {@code ConvGradientStepTest} checks this step's loss terms and every gradient against it.
 *
 * <p>Layouts are the graph's: activations NHWC, one row per example (rows {@code k * n + i} in the decoder are
 * sample k of example i), the encoder's output flattened in NCHW order and the decoder's dense output read as
 * NCHW (PyTorch's order). Conv: im2col with columns (dy, dx, c) times W [9 inC, outC]. Transposed conv: the
 * input times W [kH kW outC, inC] transposed gives each input pixel's contribution to its kH x kW output patch,
 * scattered and summed into the output (col2im); its backward gathers the same patches. FLOAT only; not
 * thread-safe.
 */
public final class ConvGradientStep implements GradientStep {
    /**
     * Floats of im2col columns or transposed-conv patches handled per gemm: a block written by one gemm is read
     * from L2 by the scatter that follows (or gathered there for the next), instead of streaming through memory
     * (the bench decoder's patches are 12.8 MB at batch 128). Measured on the bench conv model (ConvProbe).
     */
    private static final int BLOCK_FLOATS = 1 << 17;

    private final Kernels kern;
    private final Activation act;
    private final Objective obj;
    private final int dim;
    private final int d;
    private final int k;
    /** Pixels to features [n, f]: conv layers and the NCHW flatten, or dense layers. */
    private final List<Layer> enc = new ArrayList<>();
    private final Dense mu;
    private final Dense lv;
    /** z to logits: the last layer's bias is added by the reconstruction kernel. */
    private final List<Layer> dec = new ArrayList<>();
    private final Layer last;

    private final INDArray grads;
    private final FloatPointer paramsBase;
    private final FloatPointer gradsBase;
    private final List<long[]> biasSlots = new ArrayList<>(); // {offset in the flat buffer, heap offset, length}
    private final float[] bias;
    private final float[] gBias;
    /** The last layer's bias per logit column (a conv decoder's single output channel has a single bias). */
    private final float[] outBias;
    private final float[] gOutBias;

    private int cap; // examples the buffers hold
    private FloatPointer scratchA;
    private FloatPointer scratchB;
    private float[] dH1;
    private float[] dH2;
    private float[] xH;
    private float[] epsH;
    private FloatPointer muN;
    private FloatPointer lvN;
    private float[] muH;
    private float[] lvH;
    private float[] stdH;
    private float[] zH;
    private float[] dzH;
    private float[] dMuH;
    private float[] dLvH;
    private double[] nll;
    private double[] sqErr;
    private double[] logW;
    private float[] coef;
    private double[] klDimMean;

    /** A step for {@code arch} (conv encoder and/or decoder) over the FLOAT parameters {@code params}. */
    public ConvGradientStep(VaeArchitecture arch, Parameters params, Objective objective) {
        this(arch, params, objective, Kernels.best());
    }

    ConvGradientStep(VaeArchitecture arch, Parameters params, Objective objective, Kernels kernels) {
        ModelSpec spec = arch.spec();
        if (!supports(spec, params.dataType())) {
            throw new IllegalArgumentException("the hand-written conv step needs a conv encoder or decoder in FLOAT,"
                    + " got " + arch.describe() + " in " + params.dataType());
        }
        this.kern = kernels;
        this.act = spec.activation();
        this.obj = objective;
        this.dim = arch.dim();
        this.d = arch.latentDim();
        this.k = objective.samples();
        this.paramsBase = pointer(params.flat());
        this.grads = Nd4j.create(DataType.FLOAT, 1, params.size());
        this.gradsBase = pointer(grads);

        // walk the flat buffer in VaeArchitecture's declaration order
        List<Parameters.Param> list = params.list();
        long[] offsets = new long[list.size()];
        long off = 0;
        for (int i = 0; i < list.size(); i++) {
            offsets[i] = off;
            off += list.get(i).length();
        }
        int layers = spec.channels().size();
        int[] hs = new int[layers + 1];
        int[] ws = new int[layers + 1];
        hs[0] = arch.rows();
        ws[0] = arch.cols();
        for (int i = 0; i < layers; i++) {
            hs[i + 1] = (hs[i] - 1) / 2 + 1;
            ws[i + 1] = (ws[i] - 1) / 2 + 1;
        }
        int p = 0;
        if (spec.encoder() == NetKind.CONV) {
            int in = 1;
            for (int i = 0; i < layers; i++, p += 2) {
                int out = spec.channels().get(i);
                enc.add(new Conv(hs[i], ws[i], in, out, offsets[p], slot(offsets[p + 1], out)));
                in = out;
            }
            enc.add(new Permute(hs[layers] * ws[layers], in, true));
        } else {
            for (int i = 0; i < spec.hidden().size(); i++, p += 2) {
                Parameters.Param w = list.get(p);
                enc.add(new Dense((int) w.shape()[0], (int) w.shape()[1], offsets[p], slot(offsets[p + 1],
                        (int) w.shape()[1]), true));
            }
        }
        int f = (int) list.get(p).shape()[0];
        mu = new Dense(f, d, offsets[p], slot(offsets[p + 1], d), false);
        lv = new Dense(f, d, offsets[p + 2], slot(offsets[p + 3], d), false);
        p += 4;
        if (spec.decoder() == NetKind.CONV) {
            Parameters.Param w0 = list.get(p);
            int width = (int) w0.shape()[1];
            dec.add(new Dense(d, width, offsets[p], slot(offsets[p + 1], width), true));
            p += 2;
            int cl = spec.channels().get(layers - 1);
            dec.add(new Permute(hs[layers] * ws[layers], cl, false));
            for (int j = 0; j < layers; j++, p += 2) {
                int level = layers - j;
                long[] s = list.get(p).shape(); // [kH, kW, outC, inC]
                dec.add(new Deconv(hs[level], ws[level], hs[level - 1], ws[level - 1], (int) s[0], (int) s[1],
                        (int) s[3], (int) s[2], offsets[p], slot(offsets[p + 1], (int) s[2]), j < layers - 1));
            }
        } else {
            for (; p < list.size(); p += 2) {
                Parameters.Param w = list.get(p);
                int out = (int) w.shape()[1];
                dec.add(new Dense((int) w.shape()[0], out, offsets[p], slot(offsets[p + 1], out),
                        p + 2 < list.size()));
            }
        }
        if (p != list.size()) {
            throw new IllegalStateException("parameter layout not understood: " + list);
        }
        int hb = 0;
        for (long[] s : biasSlots) {
            hb += (int) s[2];
        }
        this.bias = new float[hb];
        this.gBias = new float[hb];
        this.last = dec.get(dec.size() - 1);
        this.outBias = new float[dim];
        this.gOutBias = new float[dim];
    }

    private int slot(long flatOffset, int length) {
        int hb = 0;
        for (long[] s : biasSlots) {
            hb += (int) s[2];
        }
        biasSlots.add(new long[]{flatOffset, hb, length});
        return hb;
    }

    /** Whether this step can train a model of {@code spec} in {@code dtype}. */
    public static boolean supports(ModelSpec spec, DataType dtype) {
        return dtype == DataType.FLOAT && (spec.encoder() == NetKind.CONV || spec.decoder() == NetKind.CONV);
    }

    private static FloatPointer pointer(INDArray a) {
        if (a.dataType() != DataType.FLOAT || a.ordering() != 'c' || a.elementWiseStride() != 1) {
            throw new IllegalArgumentException("expected a contiguous c-ordered FLOAT array, got " + a.dataType()
                    + " " + a.ordering() + " stride " + a.elementWiseStride());
        }
        return new FloatPointer(a.data().addressPointer()).position(a.offset());
    }

    private static FloatPointer at(FloatPointer base, long offset) {
        return new FloatPointer(base).position(base.position() + offset);
    }

    /** Row-major C[m x n] = op(A) op(B) + beta C, with op(A) m x kk. */
    private static void gemm(boolean ta, boolean tb, int m, int n, int kk, FloatPointer a, int lda, FloatPointer b,
                             int ldb, float beta, FloatPointer c, int ldc) {
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, kk, 1f,
                a, lda, b, ldb, beta, c, ldc);
    }

    // ------------------------------------------------------------------------------------------------ layers

    /**
     * One layer's linear part (the bias and activation are applied by the step, over {@code channels}
     * columns): values per row in and out, its forward output on the heap, its own native copies of what its
     * weight gradient needs.
     */
    private abstract class Layer {
        final int inW;
        final int outW;
        /** Bias/activation period of the output (channels of NHWC, or the width of a dense layer); 0: none. */
        final int channels;
        /** Heap offset of the bias, or -1. */
        final int hb;
        final boolean hidden;
        float[] outH;

        Layer(int inW, int outW, int channels, int hb, boolean hidden) {
            this.inW = inW;
            this.outW = outW;
            this.channels = channels;
            this.hb = hb;
            this.hidden = hidden;
        }

        /** Allocates the buffers for {@code rows} rows. */
        abstract void alloc(int rows);

        /** Floats of native scratch needed for {@code rows} rows. */
        abstract long scratch(int rows);

        /** outH = linear(in), without the bias. */
        abstract void forward(float[] in, int rows);

        /** Weight gradient from {@code dOut} (d loss / d pre-activation output) and, if non-null, d loss / d in. */
        abstract void backward(float[] dOut, int rows, float[] dIn);

        void close() {
        }
    }

    /** x W with W [in, out] at {@code w}. */
    private final class Dense extends Layer {
        final long w;
        FloatPointer inN;
        /** Whether inN is another layer's (the logvar head reads the mu head's copy of the features). */
        boolean borrowed;

        Dense(int in, int out, long w, int hb, boolean hidden) {
            super(in, out, out, hb, hidden);
            this.w = w;
        }

        @Override
        void alloc(int rows) {
            inN = new FloatPointer((long) rows * inW);
            outH = new float[rows * outW];
        }

        @Override
        long scratch(int rows) {
            return (long) rows * Math.max(inW, outW);
        }

        @Override
        void forward(float[] in, int rows) {
            if (!borrowed) {
                inN.put(in, 0, rows * inW);
            }
            gemm(false, false, rows, outW, inW, inN, inW, at(paramsBase, w), outW, 0f, scratchA, outW);
            scratchA.get(outH, 0, rows * outW);
        }

        @Override
        void backward(float[] dOut, int rows, float[] dIn) {
            scratchA.put(dOut, 0, rows * outW);
            gemm(true, false, inW, outW, rows, inN, inW, scratchA, outW, 0f, at(gradsBase, w), outW);
            if (dIn != null) {
                gemm(false, true, rows, inW, outW, scratchA, outW, at(paramsBase, w), outW, 0f, scratchB, inW);
                scratchB.get(dIn, 0, rows * inW);
            }
        }

        @Override
        void close() {
            if (inN != null && !borrowed) {
                inN.close();
            }
        }
    }

    /** Conv2d(3, stride 2, padding 1) on NHWC [h, w, inC] to [oh, ow, outC]; W [3, 3, inC, outC] at {@code w}. */
    private final class Conv extends Layer {
        final int h;
        final int wd;
        final int oh;
        final int ow;
        final int inC;
        final int outC;
        final long w;
        float[] colsH;
        FloatPointer colsN;
        final float[] wT;
        final float[] wG;

        Conv(int h, int wd, int inC, int outC, long w, int hb) {
            super(h * wd * inC, ((h - 1) / 2 + 1) * ((wd - 1) / 2 + 1) * outC, outC, hb, true);
            this.h = h;
            this.wd = wd;
            this.oh = (h - 1) / 2 + 1;
            this.ow = (wd - 1) / 2 + 1;
            this.inC = inC;
            this.outC = outC;
            this.w = w;
            this.wT = new float[9 * inC * outC];
            this.wG = new float[9 * inC * outC];
        }

        @Override
        void alloc(int rows) {
            int pix = rows * oh * ow;
            colsH = new float[block(rows) * oh * ow * 9 * inC];
            colsN = new FloatPointer((long) pix * 9 * inC);
            outH = new float[rows * outW];
        }

        /** Examples per block of columns (see BLOCK_FLOATS). */
        int block(int rows) {
            return Math.max(1, Math.min(rows, BLOCK_FLOATS / (oh * ow * 9 * inC)));
        }

        @Override
        long scratch(int rows) {
            return Math.max((long) rows * oh * ow * Math.max(9 * inC, outC), 9L * inC * outC);
        }

        @Override
        void forward(float[] in, int rows) {
            int kc = 9 * inC;
            int bl = block(rows);
            for (int e0 = 0; e0 < rows; e0 += bl) {
                int m = Math.min(bl, rows - e0);
                int pix = m * oh * ow;
                long off = (long) e0 * oh * ow;
                im2col(in, e0, m);
                at(colsN, off * kc).put(colsH, 0, pix * kc);
                gemm(false, false, pix, outC, kc, at(colsN, off * kc), kc, at(paramsBase, w), outC, 0f,
                        at(scratchA, off * outC), outC);
            }
            scratchA.get(outH, 0, rows * outW);
        }

        @Override
        void backward(float[] dOut, int rows, float[] dIn) {
            int pix = rows * oh * ow;
            int kc = 9 * inC;
            scratchA.put(dOut, 0, pix * outC);
            // dW^T = dOut^T cols, then transposed: OpenBLAS ran this form ~1.5x faster than cols^T dOut
            gemm(true, false, outC, kc, pix, scratchA, outC, colsN, kc, 0f, scratchB, kc);
            scratchB.get(wT, 0, kc * outC);
            for (int r = 0; r < kc; r++) {
                for (int c = 0; c < outC; c++) {
                    wG[r * outC + c] = wT[c * kc + r];
                }
            }
            at(gradsBase, w).put(wG, 0, kc * outC);
            if (dIn != null) {
                Arrays.fill(dIn, 0, rows * inW, 0f);
                int bl = block(rows);
                for (int e0 = 0; e0 < rows; e0 += bl) {
                    int m = Math.min(bl, rows - e0);
                    long off = (long) e0 * oh * ow;
                    gemm(false, true, m * oh * ow, kc, outC, at(scratchA, off * outC), outC, at(paramsBase, w),
                            outC, 0f, scratchB, kc);
                    scratchB.get(colsH, 0, m * oh * ow * kc); // the forward's columns live on in colsN
                    col2im(dIn, e0, m);
                }
            }
        }

        /** Columns of examples e0 .. e0 + m: output pixel (oy, ox) reads input (2 oy + dy - 1, 2 ox + dx - 1); outside the image: the zero padding. */
        private void im2col(float[] in, int e0, int m) {
            int o = 0;
            for (int e = e0; e < e0 + m; e++) {
                int base = e * h * wd * inC;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        for (int dy = 0; dy < 3; dy++) {
                            int iy = 2 * oy + dy - 1;
                            for (int dx = 0; dx < 3; dx++, o += inC) {
                                int ix = 2 * ox + dx - 1;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) {
                                    Arrays.fill(colsH, o, o + inC, 0f);
                                } else {
                                    int s = base + (iy * wd + ix) * inC;
                                    for (int c = 0; c < inC; c++) {
                                        colsH[o + c] = in[s + c];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        /** The adjoint of im2col (examples e0 .. e0 + m): every column entry added back to the pixel it was read from. */
        private void col2im(float[] dIn, int e0, int m) {
            int o = 0;
            for (int e = e0; e < e0 + m; e++) {
                int base = e * h * wd * inC;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        for (int dy = 0; dy < 3; dy++) {
                            int iy = 2 * oy + dy - 1;
                            for (int dx = 0; dx < 3; dx++, o += inC) {
                                int ix = 2 * ox + dx - 1;
                                if (iy >= 0 && iy < h && ix >= 0 && ix < wd) {
                                    int s = base + (iy * wd + ix) * inC;
                                    for (int c = 0; c < inC; c++) {
                                        dIn[s + c] += colsH[o + c];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        @Override
        void close() {
            if (colsN != null) {
                colsN.close();
            }
        }
    }

    /**
     * ConvTranspose2d(stride 2, padding 1) on NHWC [h, w, inC] to [oh, ow, outC] with a kh x kw kernel,
     * W [kh, kw, outC, inC] at {@code w}: input pixel (iy, ix) adds x W[ky, kx] to output pixel
     * (2 iy - 1 + ky, 2 ix - 1 + kx) when that lies inside the output.
     */
    private final class Deconv extends Layer {
        final int h;
        final int wd;
        final int oh;
        final int ow;
        final int kh;
        final int kw;
        final int inC;
        final int outC;
        final int patch; // kh kw outC: one input pixel's contributions
        final long w;
        FloatPointer inN;
        float[] patchH;

        Deconv(int h, int wd, int oh, int ow, int kh, int kw, int inC, int outC, long w, int hb, boolean hidden) {
            super(h * wd * inC, oh * ow * outC, outC, hb, hidden);
            this.h = h;
            this.wd = wd;
            this.oh = oh;
            this.ow = ow;
            this.kh = kh;
            this.kw = kw;
            this.inC = inC;
            this.outC = outC;
            this.patch = kh * kw * outC;
            this.w = w;
        }

        /** Examples per block: a block's patches (at most BLOCK_FLOATS) stay in cache between gemm and scatter. */
        int block(int rows) {
            return Math.max(1, Math.min(rows, BLOCK_FLOATS / (h * wd * patch)));
        }

        @Override
        void alloc(int rows) {
            inN = new FloatPointer((long) rows * inW);
            patchH = new float[block(rows) * h * wd * patch];
            outH = new float[rows * outW];
        }

        @Override
        long scratch(int rows) {
            return (long) rows * h * wd * Math.max(patch, inC);
        }

        @Override
        void forward(float[] in, int rows) {
            inN.put(in, 0, rows * inW);
            Arrays.fill(outH, 0, rows * outW, 0f);
            int bl = block(rows);
            for (int e0 = 0; e0 < rows; e0 += bl) {
                int m = Math.min(bl, rows - e0);
                int pix = m * h * wd;
                gemm(false, true, pix, patch, inC, at(inN, (long) e0 * inW), inC, at(paramsBase, w), inC, 0f,
                        scratchA, patch);
                scratchA.get(patchH, 0, pix * patch);
                int p = 0;
                for (int e = e0; e < e0 + m; e++) {
                    int base = e * outW;
                    for (int iy = 0; iy < h; iy++) {
                        for (int ix = 0; ix < wd; ix++, p += patch) {
                            // the taps that land inside the output: 0 <= 2 iy - 1 + ky < oh, likewise kx
                            int ky1 = Math.min(kh, oh + 1 - 2 * iy);
                            int kx0 = Math.max(0, 1 - 2 * ix);
                            int kx1 = Math.min(kw, ow + 1 - 2 * ix);
                            for (int ky = Math.max(0, 1 - 2 * iy); ky < ky1; ky++) {
                                int oy = 2 * iy - 1 + ky;
                                for (int kx = kx0; kx < kx1; kx++) {
                                    int ox = 2 * ix - 1 + kx;
                                    int o = base + (oy * ow + ox) * outC;
                                    int s = p + (ky * kw + kx) * outC;
                                    for (int c = 0; c < outC; c++) {
                                        outH[o + c] += patchH[s + c];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        @Override
        void backward(float[] dOut, int rows, float[] dIn) {
            int bl = block(rows);
            for (int e0 = 0; e0 < rows; e0 += bl) {
                int m = Math.min(bl, rows - e0);
                int pix = m * h * wd;
                // gather each input pixel's output patch of d loss / d out (zero where it fell outside)
                int p = 0;
                for (int e = e0; e < e0 + m; e++) {
                    int base = e * outW;
                    for (int iy = 0; iy < h; iy++) {
                        for (int ix = 0; ix < wd; ix++, p += patch) {
                            int ky0 = Math.max(0, 1 - 2 * iy);
                            int ky1 = Math.min(kh, oh + 1 - 2 * iy);
                            int kx0 = Math.max(0, 1 - 2 * ix);
                            int kx1 = Math.min(kw, ow + 1 - 2 * ix);
                            if (ky0 > 0 || ky1 < kh || kx0 > 0 || kx1 < kw) {
                                Arrays.fill(patchH, p, p + patch, 0f); // a border pixel: some taps fall outside
                            }
                            for (int ky = ky0; ky < ky1; ky++) {
                                int oy = 2 * iy - 1 + ky;
                                for (int kx = kx0; kx < kx1; kx++) {
                                    int ox = 2 * ix - 1 + kx;
                                    int s = p + (ky * kw + kx) * outC;
                                    int o = base + (oy * ow + ox) * outC;
                                    for (int c = 0; c < outC; c++) {
                                        patchH[s + c] = dOut[o + c];
                                    }
                                }
                            }
                        }
                    }
                }
                scratchA.put(patchH, 0, pix * patch);
                // the weight gradient sums over the blocks
                gemm(true, false, patch, inC, pix, scratchA, patch, at(inN, (long) e0 * inW), inC, e0 == 0 ? 0f : 1f,
                        at(gradsBase, w), inC);
                if (dIn != null) {
                    gemm(false, false, pix, inC, patch, scratchA, patch, at(paramsBase, w), inC, 0f, scratchB, inC);
                    scratchB.get(dIn, e0 * inW, m * inW);
                }
            }
        }

        @Override
        void close() {
            if (inN != null) {
                inN.close();
            }
        }
    }

    /** NHWC [pix, c] to NCHW [c, pix] per row ({@code toNchw}), or back: PyTorch's flatten/view order. */
    private final class Permute extends Layer {
        final int pix;
        final int c;
        final boolean toNchw;

        Permute(int pix, int c, boolean toNchw) {
            super(pix * c, pix * c, 0, -1, false);
            this.pix = pix;
            this.c = c;
            this.toNchw = toNchw;
        }

        @Override
        void alloc(int rows) {
            outH = new float[rows * outW];
        }

        @Override
        long scratch(int rows) {
            return 0;
        }

        @Override
        void forward(float[] in, int rows) {
            permute(in, outH, rows, toNchw);
        }

        @Override
        void backward(float[] dOut, int rows, float[] dIn) {
            if (dIn != null) {
                permute(dOut, dIn, rows, !toNchw);
            }
        }

        private void permute(float[] src, float[] dst, int rows, boolean nhwcToNchw) {
            for (int e = 0; e < rows; e++) {
                int base = e * pix * c;
                for (int q = 0; q < pix; q++) {
                    for (int ch = 0; ch < c; ch++) {
                        if (nhwcToNchw) {
                            dst[base + ch * pix + q] = src[base + q * c + ch];
                        } else {
                            dst[base + q * c + ch] = src[base + ch * pix + q];
                        }
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ buffers

    private void ensure(int n) {
        if (n <= cap) {
            return;
        }
        close0();
        int rows = k * n;
        long scratch = (long) n * Math.max(mu.inW, d);
        int widest = Math.max(dim, mu.inW);
        for (Layer l : enc) {
            l.alloc(n);
            scratch = Math.max(scratch, l.scratch(n));
            widest = Math.max(widest, Math.max(l.inW, l.outW));
        }
        for (Layer l : dec) {
            l.alloc(rows);
            scratch = Math.max(scratch, l.scratch(rows));
            widest = Math.max(widest, Math.max(l.inW, l.outW) * k);
        }
        scratchA = new FloatPointer(scratch);
        scratchB = new FloatPointer(scratch);
        dH1 = new float[n * widest];
        dH2 = new float[n * widest];
        xH = new float[n * dim];
        epsH = new float[rows * d];
        mu.alloc(n);
        lv.outH = new float[n * d];
        lv.inN = mu.inN;
        lv.borrowed = true;
        muN = new FloatPointer((long) n * d);
        lvN = new FloatPointer((long) n * d);
        muH = new float[n * d];
        lvH = new float[n * d];
        stdH = new float[n * d];
        dMuH = new float[n * d];
        dLvH = new float[n * d];
        zH = new float[rows * d];
        dzH = new float[rows * d];
        nll = new double[rows];
        sqErr = new double[rows];
        logW = new double[rows];
        coef = new float[rows];
        klDimMean = new double[d];
        cap = n;
    }

    // ------------------------------------------------------------------------------------------------ the step

    @Override
    public Values compute(INDArray x, INDArray eps, double betaValue) {
        if (x.rank() != 2 || x.size(1) != dim) {
            throw new IllegalArgumentException("x: expected [n, " + dim + "], got " + Arrays.toString(x.shape()));
        }
        int n = (int) x.size(0);
        if (eps.rank() != 2 || eps.size(0) != (long) k * n || eps.size(1) != d) {
            throw new IllegalArgumentException("eps: expected [" + (long) k * n + ", " + d + "], got "
                    + Arrays.toString(eps.shape()));
        }
        ensure(n);
        float beta = (float) betaValue;
        Values v = forward(x, eps, n, beta);
        backward(n, beta);
        return v;
    }

    private void biasActivate(Layer l, int rows) {
        if (l.channels > 0) {
            int pixels = rows * (l.outW / l.channels);
            if (l.hidden) {
                kern.biasActivate(l.outH, pixels, l.channels, bias, l.hb, act);
            } else {
                kern.addBias(l.outH, pixels, l.channels, bias, l.hb);
            }
        }
    }

    private Values forward(INDArray x, INDArray eps, int n, float beta) {
        int rows = k * n;
        pointer(x).get(xH, 0, n * dim);
        pointer(eps).get(epsH, 0, rows * d);
        for (long[] s : biasSlots) {
            at(paramsBase, s[0]).get(bias, (int) s[1], (int) s[2]);
        }

        // encoder and heads
        float[] in = xH;
        for (Layer l : enc) {
            l.forward(in, n);
            biasActivate(l, n);
            in = l.outH;
        }
        mu.forward(in, n);
        lv.forward(in, n);
        biasActivate(mu, n);
        biasActivate(lv, n);
        System.arraycopy(mu.outH, 0, muH, 0, n * d);
        System.arraycopy(lv.outH, 0, lvH, 0, n * d);

        double klSum = LatentGradients.reparameterise(n, k, d, muH, lvH, stdH, epsH, zH, klDimMean);

        // decoder; the last layer's bias is added with the likelihood
        in = zH;
        for (Layer l : dec) {
            l.forward(in, rows);
            if (l != last) {
                biasActivate(l, rows);
            }
            in = l.outH;
        }
        if (last.channels == dim) {
            System.arraycopy(bias, last.hb, outBias, 0, dim);
        } else {
            Arrays.fill(outBias, bias[last.hb]); // one output channel
        }
        kern.reconstruction(obj.reconstruction(), last.outH, xH, rows, n, dim, outBias, 0, nll, sqErr);

        return LatentGradients.objective(obj, n, k, d, beta, nll, klSum, klDimMean, zH, epsH, lvH, logW, coef);
    }

    private void backward(int n, float beta) {
        int rows = k * n;
        // logits: d loss / d logits overwrites them; the last layer's bias gradient from its column sums
        kern.reconstructionBack(obj.reconstruction(), last.outH, xH, rows, n, dim, coef, gOutBias, 0);
        if (last.channels == dim) {
            System.arraycopy(gOutBias, 0, gBias, last.hb, dim);
        } else {
            float s = 0f;
            for (int j = 0; j < dim; j++) {
                s += gOutBias[j];
            }
            gBias[last.hb] = s;
        }
        float[] dOut = last.outH;
        float[] spare = dH1;
        for (int j = dec.size() - 1; j >= 0; j--) {
            Layer l = dec.get(j);
            if (l != last) {
                activateBack(l, dOut, rows);
            }
            float[] dIn = j == 0 ? dzH : spare;
            l.backward(dOut, rows, dIn);
            spare = dIn == dH1 ? dH2 : dH1;
            dOut = dIn;
        }

        reparamBack(n, beta);
        kern.columnSums(dMuH, n, d, gBias, mu.hb);
        kern.columnSums(dLvH, n, d, gBias, lv.hb);
        int f = mu.inW;
        muN.put(dMuH, 0, n * d);
        lvN.put(dLvH, 0, n * d);
        gemm(true, false, f, d, n, mu.inN, f, muN, d, 0f, at(gradsBase, mu.w), d);
        gemm(true, false, f, d, n, lv.inN, f, lvN, d, 0f, at(gradsBase, lv.w), d);
        if (!enc.isEmpty()) {
            // d features = dmu Wmu^T + dlogvar Wlogvar^T
            gemm(false, true, n, f, d, muN, d, at(paramsBase, mu.w), d, 0f, scratchB, f);
            gemm(false, true, n, f, d, lvN, d, at(paramsBase, lv.w), d, 1f, scratchB, f);
            scratchB.get(dH1, 0, n * f);
            dOut = dH1;
            spare = dH2;
            for (int i = enc.size() - 1; i >= 0; i--) {
                Layer l = enc.get(i);
                activateBack(l, dOut, n);
                float[] dIn = i == 0 ? null : spare;
                l.backward(dOut, n, dIn);
                spare = dOut;
                dOut = dIn;
            }
        }
        for (long[] s : biasSlots) {
            at(gradsBase, s[0]).put(gBias, (int) s[1], (int) s[2]);
        }
    }

    private void activateBack(Layer l, float[] dOut, int rows) {
        if (l.channels > 0) {
            int pixels = rows * (l.outW / l.channels);
            if (l.hidden) {
                kern.activateBack(dOut, l.outH, pixels, l.channels, act, gBias, l.hb);
            } else {
                kern.columnSums(dOut, pixels, l.channels, gBias, l.hb);
            }
        }
    }

    private void reparamBack(int n, float beta) {
        LatentGradients.reparamBack(n, k, d, beta, obj, dzH, zH, epsH, muH, lvH, stdH, coef, klDimMean, dMuH, dLvH);
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
            for (Layer l : enc) {
                l.close();
            }
            mu.close();
            lv.close();
            for (Layer l : dec) {
                l.close();
            }
            for (FloatPointer p : new FloatPointer[]{scratchA, scratchB, muN, lvN}) {
                p.close();
            }
            cap = 0;
        }
    }
}
