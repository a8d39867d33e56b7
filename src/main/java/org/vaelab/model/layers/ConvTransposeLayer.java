package org.vaelab.model.layers;

import static org.vaelab.model.layers.ConvSupport.at;
import static org.vaelab.model.layers.ConvSupport.gemm;

import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.DeConv2DConfig;
import org.vaelab.model.Kernels;
import org.vaelab.model.Parameters;
import org.vaelab.spec.Activation;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.Shape;

/**
 * {@code nn.ConvTranspose2d(inC, outC, (kH, kW), stride, padding, output_padding)} on NHWC examples, W
 * {@code [kH, kW, outC, inC]}, b {@code [outC]}, fan-in {@code outC kH kW} (PyTorch takes it from
 * {@code weight.size(1)}); optionally with the following nonlinearity fused in ({@link #fuse}). Input pixel
 * (iy, ix) adds {@code W[ky, kx] x} to output pixel (s iy - padH + ky, s ix - padW + kx) when that lies inside
 * the output; output_padding only makes the output larger (rows no tap reaches hold the bias).
 *
 * <p>Fast path: per block of examples one sgemm gives every input pixel's {@code kH kW outC} patch ({@code x
 * W^T}), scattered and summed into the output (col2im); the backward gathers the same patches of d out, then
 * {@code dW = patches^T x} (summed over the blocks) and {@code dx = patches W}.
 *
 * <p>Twin: M2.1's own {@code sd.cnn().deconv2d} (NHWC, weights [kH, kW, outC, inC]) with PyTorch's padding.
 * M2.1's deconv2d has no output_padding, so with output_padding > 0 the twin runs it unpadded (the full
 * {@code (in - 1) s + k} output), zero-pads the end by what padding cannot supply, crops PyTorch's window and
 * adds the bias.
 */
public final class ConvTransposeLayer extends Layer {
    private final int h;
    private final int wd;
    private final int inC;
    private final int oh;
    private final int ow;
    private final int outC;
    private final int kh;
    private final int kw;
    private final int stride;
    private final int padH;
    private final int padW;
    private final int outPadH;
    private final int outPadW;
    /** One input pixel's contributions: kH kW outC. */
    private final int patch;
    private final long wLen;
    private final List<Parameters.Param> paramList;

    private int blockFloats = ConvSupport.BLOCK_FLOATS;
    private Activation act;
    /** The bias is left to the reconstruction kernel (the decoder's last layer, see {@link #deferBias}). */
    private boolean deferred;

    private int cap;
    /** Native copy of the input: one block's for evaluations, every example's once a training forward needs it. */
    private FloatPointer inN;
    private long inCap;
    private float[] patchH;
    private float[] outH;
    private final float[] bias;
    private final float[] gBias;

    /** A transposed conv named {@code name} (parameters {@code name_W}, {@code name_b}) on inputs of {@code in}. */
    public ConvTransposeLayer(String name, Shape in, LayerSpec.ConvTranspose spec) {
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
        this.padH = spec.padH();
        this.padW = spec.padW();
        this.outPadH = spec.outPadH();
        this.outPadW = spec.outPadW();
        this.patch = kh * kw * outC;
        this.wLen = (long) patch * inC;
        long fanIn = patch; // PyTorch: weight.size(1) * kH * kW = outC * kH * kW
        this.paramList = List.of(new Parameters.Param(name + "_W", new long[]{kh, kw, outC, inC}, fanIn),
                new Parameters.Param(name + "_b", new long[]{outC}, fanIn));
        this.bias = new float[outC];
        this.gBias = new float[outC];
    }

    /** As {@link ConvLayer#fuse}: absorbs a following relu, leaky_relu, elu or tanh; false for sigmoid. */
    public boolean fuse(LayerSpec.Nonlinearity fn) {
        Activation a = ConvSupport.fusable(fn);
        if (a == null || act != null || deferred) {
            return false;
        }
        act = a;
        return true;
    }

    @Override
    public boolean deferBias() {
        if (act != null) {
            return false; // the bias must go in before the nonlinearity
        }
        deferred = true;
        return true;
    }

    @Override
    public void deferredBias(float[] perValue) {
        at(params, wLen).get(bias, 0, outC);
        // NHWC per example: value p * outC + c has channel c's bias
        for (int i = 0; i < out.size(); i++) {
            perValue[i] = bias[i % outC];
        }
    }

    @Override
    public void deferredBiasGradient(float[] perValue) {
        java.util.Arrays.fill(gBias, 0f);
        for (int i = 0; i < out.size(); i++) {
            gBias[i % outC] += perValue[i];
        }
        at(grads, wLen).put(gBias, 0, outC);
    }

    void kernels(Kernels k) {
        useKernels(k);
    }

    void blockFloats(int floats) {
        this.blockFloats = floats;
    }

    @Override
    public List<Parameters.Param> params() {
        return paramList;
    }

    /** Examples per block: a block's patches stay in cache between gemm and scatter. */
    private int block(int rows) {
        return ConvSupport.block(rows, (long) h * wd * patch, blockFloats);
    }

    @Override
    public void allocate(int rows) {
        workspace.reserve((long) block(rows) * h * wd * Math.max(patch, inC));
        if (rows <= cap) {
            return;
        }
        close();
        // an evaluation needs one block of the input; the first training forward grows it (once per size)
        input(block(rows));
        patchH = new float[block(rows) * h * wd * patch];
        outH = new float[rows * out.size()];
        cap = rows;
    }

    /** First tap (inclusive) of a kernel axis landing inside the output for input position i. */
    private static int tap0(int i, int s, int pad) {
        return Math.max(0, pad - s * i);
    }

    /** Last tap (exclusive) of a kernel axis landing inside an output of size o for input position i. */
    private static int tap1(int i, int s, int pad, int k, int o) {
        return Math.min(k, o + pad - s * i);
    }

    /** Makes the native input hold {@code examples} examples. */
    private void input(int examples) {
        long need = Math.max(1, (long) examples * in.size());
        if (need > inCap) {
            if (inN != null) {
                inN.close();
            }
            inN = new FloatPointer(need);
            inCap = need;
        }
    }

    @Override
    public float[] forward(float[] input, int rows, boolean training) {
        FloatPointer a = workspace.a();
        int inW = in.size();
        int outW = out.size();
        Arrays.fill(outH, 0, rows * outW, 0f);
        int bl = block(rows);
        if (training) {
            input(rows);
            inN.put(input, 0, rows * inW);
        }
        for (int e0 = 0; e0 < rows; e0 += bl) {
            int m = Math.min(bl, rows - e0);
            int pix = m * h * wd;
            FloatPointer x = at(inN, (long) e0 * inW);
            if (!training) {
                // the backward needs every example's input; an evaluation reuses the first block's place
                x = inN;
                x.put(input, e0 * inW, m * inW);
            }
            gemm(false, true, pix, patch, inC, x, inC, at(params, 0), inC, 0f, a, patch);
            a.get(patchH, 0, pix * patch);
            int p = 0;
            for (int e = e0; e < e0 + m; e++) {
                int base = e * outW;
                for (int iy = 0; iy < h; iy++) {
                    int ky0 = tap0(iy, stride, padH);
                    int ky1 = tap1(iy, stride, padH, kh, oh);
                    for (int ix = 0; ix < wd; ix++, p += patch) {
                        int kx0 = tap0(ix, stride, padW);
                        int kx1 = tap1(ix, stride, padW, kw, ow);
                        for (int ky = ky0; ky < ky1; ky++) {
                            int oy = stride * iy - padH + ky;
                            for (int kx = kx0; kx < kx1; kx++) {
                                int o = base + (oy * ow + stride * ix - padW + kx) * outC;
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
        int pixels = rows * oh * ow;
        if (deferred) {
            return outH;
        }
        ConvSupport.biasForward(kernels, params, wLen, bias, outH, pixels, outC, act);
        return outH;
    }

    @Override
    public void backward(float[] dOut, int rows, float[] dIn) {
        int pixels = rows * oh * ow;
        if (!deferred) {
            // a deferred bias (never with an activation) has its gradient from the reconstruction kernel
            ConvSupport.biasBackward(kernels, dOut, outH, pixels, outC, act, gBias, grads, wLen);
        }
        FloatPointer a = workspace.a();
        FloatPointer b = workspace.b();
        int inW = in.size();
        int outW = out.size();
        int bl = block(rows);
        for (int e0 = 0; e0 < rows; e0 += bl) {
            int m = Math.min(bl, rows - e0);
            int pix = m * h * wd;
            // gather each input pixel's output patch of d loss / d out (zero where it fell outside)
            int p = 0;
            for (int e = e0; e < e0 + m; e++) {
                int base = e * outW;
                for (int iy = 0; iy < h; iy++) {
                    int ky0 = tap0(iy, stride, padH);
                    int ky1 = tap1(iy, stride, padH, kh, oh);
                    for (int ix = 0; ix < wd; ix++, p += patch) {
                        int kx0 = tap0(ix, stride, padW);
                        int kx1 = tap1(ix, stride, padW, kw, ow);
                        if (ky0 > 0 || ky1 < kh || kx0 > 0 || kx1 < kw) {
                            Arrays.fill(patchH, p, p + patch, 0f); // a border pixel: some taps fall outside
                        }
                        for (int ky = ky0; ky < ky1; ky++) {
                            int oy = stride * iy - padH + ky;
                            for (int kx = kx0; kx < kx1; kx++) {
                                int o = base + (oy * ow + stride * ix - padW + kx) * outC;
                                int s = p + (ky * kw + kx) * outC;
                                // a loop, not arraycopy: outC is 1 in the last layer
                                for (int c = 0; c < outC; c++) {
                                    patchH[s + c] = dOut[o + c];
                                }
                            }
                        }
                    }
                }
            }
            a.put(patchH, 0, pix * patch);
            // the weight gradient sums over the blocks
            gemm(true, false, patch, inC, pix, a, patch, at(inN, (long) e0 * inW), inC, e0 == 0 ? 0f : 1f,
                    at(grads, 0), inC);
            if (dIn != null) {
                gemm(false, false, pix, inC, patch, a, patch, at(params, 0), inC, 0f, b, inC);
                b.get(dIn, e0 * inW, m * inW);
            }
        }
    }

    @Override
    public SDVariable graph(GraphContext g, SDVariable x) {
        SameDiff sd = g.sd();
        SDVariable w = g.param(name + "_W");
        SDVariable b = g.param(name + "_b");
        SDVariable y;
        if (outPadH == 0 && outPadW == 0) {
            y = sd.cnn().deconv2d(x, w, b, config(padH, padW));
        } else {
            // the full output rows [0, (h - 1) s + k) hold PyTorch's window [pad, pad + oh) except for the
            // output_padding rows past the end when pad < output_padding: those get no tap, only the bias
            SDVariable full = sd.cnn().deconv2d(x, w, config(0, 0));
            int fullH = (h - 1) * stride + kh;
            int fullW = (wd - 1) * stride + kw;
            int extraH = Math.max(0, padH + oh - fullH);
            int extraW = Math.max(0, padW + ow - fullW);
            if (extraH > 0 || extraW > 0) {
                full = ConvSupport.pad(sd, full, 0, extraH, 0, extraW);
            }
            y = sd.nn.biasAdd(ConvSupport.crop(sd, full, padH, oh, padW, ow), b, false);
        }
        return act == null ? y : ConvSupport.activate(sd, y, act);
    }

    private DeConv2DConfig config(int ph, int pw) {
        return DeConv2DConfig.builder().kH(kh).kW(kw).sH(stride).sW(stride).pH(ph).pW(pw).dH(1).dW(1)
                .isSameMode(false).dataFormat(DeConv2DConfig.NHWC).build();
    }

    @Override
    public void close() {
        if (inN != null) {
            inN.close();
            inN = null;
        }
        inCap = 0;
        cap = 0;
    }
}
