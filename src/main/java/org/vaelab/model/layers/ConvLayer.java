package org.vaelab.model.layers;

import static org.vaelab.model.layers.ConvSupport.at;
import static org.vaelab.model.layers.ConvSupport.gemm;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.vaelab.model.Kernels;
import org.vaelab.model.Parameters;
import org.vaelab.spec.Activation;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.Shape;

/**
 * {@code nn.Conv2d(inC, outC, (kH, kW), stride, padding)} (or {@code padding='same'} at stride 1: (k - 1) / 2
 * before, the rest after, as PyTorch) on NHWC examples, W {@code [kH, kW, inC, outC]}, b {@code [outC]},
 * fan-in {@code inC kH kW}; optionally with the following nonlinearity fused in ({@link #fuse}).
 *
 * <p>Fast path: im2col in blocks of examples (columns ordered (ky, kx, c), the row order of W flattened to
 * {@code [kH kW inC, outC]}) and one OpenBLAS sgemm per block; the columns stay in native memory for the
 * backward, whose weight gradient is one gemm {@code dOut^T cols} (then transposed: OpenBLAS ran this form
 * ~1.5x faster than {@code cols^T dOut}) and whose input gradient is {@code dOut W^T} per block, scattered back
 * by col2im.
 *
 * <p>Twin: M2.1's own {@code sd.cnn().conv2d} with NHWC data and YXIO weights (the op the GPU path runs),
 * explicit symmetric padding, or {@code PaddingMode.SAME} for 'same' (which pads the odd remainder of an even
 * kernel after, as PyTorch: checked against PyTorch in {@code LayersTorchMirrorTest}).
 */
public final class ConvLayer extends Layer {
    private final int h;
    private final int wd;
    private final int inC;
    private final int oh;
    private final int ow;
    private final int outC;
    private final int kh;
    private final int kw;
    private final int stride;
    private final boolean same;
    /** Padding before the first row / column; the padding after is implied by the output size. */
    private final int padTop;
    private final int padLeft;
    /** Values per column: kH kW inC. */
    private final int kc;
    private final long wLen;
    private final List<Parameters.Param> paramList;

    private int blockFloats = ConvSupport.BLOCK_FLOATS;
    /** The fused activation, or null. */
    private Activation act;

    private int cap;
    /** Native columns: one block's for evaluations, every example's once a training forward needs them. */
    private FloatPointer colsN;
    private long colsCap;
    /** The native columns as a buffer, for im2col's bulk copies. */
    private FloatBuffer colsB;
    /**
     * Kernel rows of at least this many values (kW inC) are copied by im2col straight into the native columns,
     * one bulk copy each: through the heap block, notebook 004's second layer (96 values a row) spent as long
     * copying the block out as filling it. Shorter rows go through the heap block: a bulk copy per 5 values
     * (its first layer) costs more than the copy.
     */
    static final int DIRECT_RUN = 16;
    private float[] colsH;
    private float[] outH;
    private final float[] bias;
    private final float[] gBias;
    private final float[] wT;
    private final float[] wG;
    /** Offset in the input of each value of a column from the patch's first value, in column order. */
    private final int[] patch;

    /** A conv layer named {@code name} (parameters {@code name_W}, {@code name_b}) on inputs of shape {@code in}. */
    public ConvLayer(String name, Shape in, LayerSpec.Conv spec) {
        super(name, in, spec.output(in));
        this.h = in.height();
        this.wd = in.width();
        this.inC = in.channels();
        this.oh = out.height();
        this.ow = out.width();
        this.outC = out.channels();
        this.kh = spec.kh();
        this.kw = spec.kw();
        this.stride = spec.stride();
        this.same = spec.same();
        this.padTop = same ? (kh - 1) / 2 : spec.padH();
        this.padLeft = same ? (kw - 1) / 2 : spec.padW();
        this.kc = kh * kw * inC;
        this.wLen = (long) kc * outC;
        long fanIn = kc; // PyTorch: inC * kH * kW
        this.paramList = List.of(new Parameters.Param(name + "_W", new long[]{kh, kw, inC, outC}, fanIn),
                new Parameters.Param(name + "_b", new long[]{outC}, fanIn));
        this.bias = new float[outC];
        this.gBias = new float[outC];
        this.wT = new float[kc * outC];
        this.wG = new float[kc * outC];
        this.patch = new int[kc];
        for (int ky = 0; ky < kh; ky++) {
            for (int j = 0; j < kw * inC; j++) {
                patch[ky * kw * inC + j] = ky * wd * inC + j;
            }
        }
    }

    /**
     * Absorbs the nonlinearity that follows this layer into its forward, backward and twin (bias and activation
     * in one pass, as today's conv step does); returns false, changing nothing, for one it cannot absorb
     * (sigmoid), or when one is fused already. After {@code true} the caller must drop the activation layer.
     */
    public boolean fuse(LayerSpec.Nonlinearity fn) {
        Activation a = ConvSupport.fusable(fn);
        if (a == null || act != null) {
            return false;
        }
        act = a;
        return true;
    }

    /** The kernels (tests pin the scalar ones). */
    void kernels(Kernels k) {
        useKernels(k);
    }

    /** Floats of columns per gemm (tests shrink it to cross block boundaries). */
    void blockFloats(int floats) {
        this.blockFloats = floats;
    }

    @Override
    public List<Parameters.Param> params() {
        return paramList;
    }

    private int block(int rows) {
        return ConvSupport.block(rows, (long) oh * ow * kc, blockFloats);
    }

    @Override
    public void allocate(int rows) {
        long pix = (long) rows * oh * ow;
        workspace.reserve(Math.max(Math.max(pix * outC, (long) block(rows) * oh * ow * kc), wLen));
        if (rows <= cap) {
            return;
        }
        close();
        // an evaluation needs one block of columns; the first training forward grows them (once per size)
        cols(block(rows));
        colsH = new float[block(rows) * oh * ow * kc];
        outH = new float[rows * out.size()];
        cap = rows;
    }

    /** Makes the native columns hold {@code examples} examples. */
    private void cols(int examples) {
        long need = Math.max(1, (long) examples * oh * ow * kc);
        if (need > colsCap) {
            if (colsN != null) {
                colsN.close();
            }
            colsN = new FloatPointer(need);
            // a buffer indexes with int: larger columns go through the heap block
            colsB = need <= Integer.MAX_VALUE ? colsN.asBuffer() : null;
            colsCap = need;
        }
    }

    @Override
    public float[] forward(float[] input, int rows, boolean training) {
        FloatPointer a = workspace.a();
        FloatPointer w = at(params, 0);
        int bl = block(rows);
        if (training) {
            cols(rows);
        }
        for (int e0 = 0; e0 < rows; e0 += bl) {
            int m = Math.min(bl, rows - e0);
            int pix = m * oh * ow;
            long off = (long) e0 * oh * ow;
            // the backward needs every block's columns; an evaluation reuses the first block's place
            FloatPointer cols = training ? at(colsN, off * kc) : colsN;
            if (kw * inC >= DIRECT_RUN && colsB != null) {
                im2col(input, e0, m, colsB, training ? (int) (off * kc) : 0);
            } else {
                im2col(input, e0, m);
                cols.put(colsH, 0, pix * kc);
            }
            gemm(false, false, pix, outC, kc, cols, kc, w, outC, 0f, at(a, off * outC), outC);
        }
        int pixels = rows * oh * ow;
        a.get(outH, 0, pixels * outC);
        ConvSupport.biasForward(kernels, params, wLen, bias, outH, pixels, outC, act);
        return outH;
    }

    @Override
    public void backward(float[] dOut, int rows, float[] dIn) {
        int pixels = rows * oh * ow;
        ConvSupport.biasBackward(kernels, dOut, outH, pixels, outC, act, gBias, grads, wLen);
        FloatPointer a = workspace.a();
        FloatPointer b = workspace.b();
        a.put(dOut, 0, pixels * outC);
        // dW^T = dOut^T cols, then transposed: OpenBLAS ran this form ~1.5x faster than cols^T dOut
        gemm(true, false, outC, kc, pixels, a, outC, colsN, kc, 0f, b, kc);
        b.get(wT, 0, kc * outC);
        for (int r = 0; r < kc; r++) {
            for (int c = 0; c < outC; c++) {
                wG[r * outC + c] = wT[c * kc + r];
            }
        }
        at(grads, 0).put(wG, 0, kc * outC);
        if (dIn != null) {
            Arrays.fill(dIn, 0, rows * in.size(), 0f);
            int bl = block(rows);
            for (int e0 = 0; e0 < rows; e0 += bl) {
                int m = Math.min(bl, rows - e0);
                long off = (long) e0 * oh * ow;
                gemm(false, true, m * oh * ow, kc, outC, at(a, off * outC), outC, at(params, 0), outC, 0f, b, kc);
                b.get(colsH, 0, m * oh * ow * kc);
                col2im(dIn, e0, m);
            }
        }
    }

    /**
     * Columns of examples e0 .. e0 + m: output pixel (oy, ox) reads input (s oy + ky - padTop, s ox + kx -
     * padLeft); outside the image: the zero padding. A kernel row inside the image is kW inC consecutive input
     * values, copied in one loop: per value tests made the first layer's im2col (one channel, 25 values a
     * column) cost three times its gemm.
     */
    private void im2col(float[] x, int e0, int m) {
        int o = 0;
        int inW = in.size();
        int run = kw * inC;
        int[] tab = patch;
        for (int e = e0; e < e0 + m; e++) {
            int base = e * inW;
            for (int oy = 0; oy < oh; oy++) {
                int y0 = stride * oy - padTop;
                boolean rowsIn = y0 >= 0 && y0 + kh <= h;
                for (int ox = 0; ox < ow; ox++) {
                    int x0 = stride * ox - padLeft;
                    boolean colsIn = x0 >= 0 && x0 + kw <= wd;
                    if (rowsIn && colsIn) {
                        // the whole patch inside: one loop over its kc values (five loops of five values, the
                        // first layer's rows, cost more in loop entries than in copies)
                        int s = base + (y0 * wd + x0) * inC;
                        for (int j = 0; j < kc; j++) {
                            colsH[o + j] = x[s + tab[j]];
                        }
                        o += kc;
                        continue;
                    }
                    for (int ky = 0; ky < kh; ky++, o += run) {
                        int iy = y0 + ky;
                        if (iy < 0 || iy >= h) {
                            Arrays.fill(colsH, o, o + run, 0f);
                        } else if (colsIn) {
                            int s = base + (iy * wd + x0) * inC;
                            for (int j = 0; j < run; j++) {
                                colsH[o + j] = x[s + j];
                            }
                        } else {
                            for (int kx = 0; kx < kw; kx++) {
                                int ix = x0 + kx;
                                int p = o + kx * inC;
                                if (ix < 0 || ix >= wd) {
                                    Arrays.fill(colsH, p, p + inC, 0f);
                                } else {
                                    int s = base + (iy * wd + ix) * inC;
                                    for (int c = 0; c < inC; c++) {
                                        colsH[p + c] = x[s + c];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * {@link #im2col(float[], int, int)} written straight into {@code dst} from index {@code dOff}, each kernel
     * row inside the image one bulk copy.
     */
    private void im2col(float[] x, int e0, int m, FloatBuffer dst, int dOff) {
        int o = dOff;
        int inW = in.size();
        int run = kw * inC;
        for (int e = e0; e < e0 + m; e++) {
            int base = e * inW;
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int x0 = stride * ox - padLeft;
                    boolean colsIn = x0 >= 0 && x0 + kw <= wd;
                    for (int ky = 0; ky < kh; ky++, o += run) {
                        int iy = stride * oy + ky - padTop;
                        if (iy < 0 || iy >= h) {
                            zero(dst, o, run);
                        } else if (colsIn) {
                            dst.put(o, x, base + (iy * wd + x0) * inC, run);
                        } else {
                            for (int kx = 0; kx < kw; kx++) {
                                int ix = x0 + kx;
                                if (ix < 0 || ix >= wd) {
                                    zero(dst, o + kx * inC, inC);
                                } else {
                                    dst.put(o + kx * inC, x, base + (iy * wd + ix) * inC, inC);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static void zero(FloatBuffer dst, int from, int n) {
        for (int i = 0; i < n; i++) {
            dst.put(from + i, 0f);
        }
    }

    /** The adjoint of im2col (examples e0 .. e0 + m): every column entry added back to the pixel it was read from. */
    private void col2im(float[] dIn, int e0, int m) {
        int o = 0;
        int inW = in.size();
        int run = kw * inC;
        for (int e = e0; e < e0 + m; e++) {
            int base = e * inW;
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int x0 = stride * ox - padLeft;
                    boolean colsIn = x0 >= 0 && x0 + kw <= wd;
                    for (int ky = 0; ky < kh; ky++, o += run) {
                        int iy = stride * oy + ky - padTop;
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        if (colsIn) {
                            int s = base + (iy * wd + x0) * inC;
                            for (int j = 0; j < run; j++) {
                                dIn[s + j] += colsH[o + j];
                            }
                        } else {
                            for (int kx = 0; kx < kw; kx++) {
                                int ix = x0 + kx;
                                if (ix >= 0 && ix < wd) {
                                    int s = base + (iy * wd + ix) * inC;
                                    int p = o + kx * inC;
                                    for (int c = 0; c < inC; c++) {
                                        dIn[s + c] += colsH[p + c];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    public SDVariable graph(GraphContext g, SDVariable x) {
        SameDiff sd = g.sd();
        Conv2DConfig cfg = Conv2DConfig.builder().kH(kh).kW(kw).sH(stride).sW(stride)
                .pH(same ? 0 : padTop).pW(same ? 0 : padLeft).dH(1).dW(1)
                .paddingMode(same ? PaddingMode.SAME : PaddingMode.VALID)
                .dataFormat(Conv2DConfig.NHWC).weightsFormat(WeightsFormat.YXIO).build();
        SDVariable y = sd.cnn().conv2d(x, g.param(name + "_W"), g.param(name + "_b"), cfg);
        return act == null ? y : ConvSupport.activate(sd, y, act);
    }

    @Override
    public void close() {
        if (colsN != null) {
            colsN.close();
            colsN = null;
            colsB = null;
        }
        colsCap = 0;
        cap = 0;
    }
}
