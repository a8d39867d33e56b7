package org.vaelab.model;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The conv model's stride-2 convolution and transposed convolution written as one matrix product each
 * (im2col by slicing, then {@code matmul}), on NHWC activations. They compute exactly what PyTorch's
 * Conv2d(k=3, s=2, p=1) and ConvTranspose2d(s=2, p=1, k=3 or 4) compute, with vaelab's weight layouts.
 *
 * <p>Why not {@code sd.cnn.conv2d}/{@code deconv2d}: in ND4J 1.0.0-M2.1 on one CPU thread those kernels ran
 * the bench conv model's layers at 1-6 GFLOP/s against 30-70 GFLOP/s for a gemm of the same size (their
 * im2col/col2im loops and 6-d permuted copies dominate; measured with {@code ConvOpProbe} in the tests),
 * which made a training step 5-10x slower than PyTorch's. Here the arithmetic is all in gemm and the rest is
 * a handful of contiguous copies (pad, slices, concat, one permute).
 */
final class ConvLayers {
    private ConvLayers() {
    }

    /**
     * relu as x * step(x): the same values (x or 0; a negative x gives -0.0) and the same gradient (0 at
     * x = 0), but its backward pass is two multiplies, where M2.1's relu backward (thresholdedrelu_bp) took
     * 12 ms on a [128, 14, 14, 32] array against 0.4 ms for a multiply (ConvOpProbe).
     */
    static SDVariable relu(SameDiff sd, SDVariable x) {
        return x.mul(sd.math.step(x, 0.0));
    }

    /** Padding array for {@code sd.nn.pad}: {before, after} per dimension. */
    private static SDVariable padding(SameDiff sd, int[][] p) {
        return sd.constant(Nd4j.createFromArray(p));
    }

    /** Slice of dims 1 and 2 of a rank-4 array (all of dims 0 and 3), with the given start, end and stride. */
    private static SDVariable slice2d(SameDiff sd, SDVariable x, int y0, int y1, int x0, int x1, int stride) {
        // begin/end masks on dims 0 and 3 (bits 1 and 8) keep the batch dimension symbolic
        return sd.stridedSlice(x, new long[]{0, y0, x0, 0}, new long[]{0, y1, x1, 0},
                new long[]{1, stride, stride, 1}, 9, 9, 0, 0, 0);
    }

    /**
     * Conv2d(kernel 3, stride 2, padding 1) plus bias on NHWC input.
     *
     * @param x [n, h, w, inC]
     * @param w [3, 3, inC, outC] (vaelab's conv layout)
     * @param b [outC]
     * @return [n, ceil(h / 2), ceil(w / 2), outC]
     */
    static SDVariable conv3x3Stride2(SameDiff sd, SDVariable x, SDVariable w, SDVariable b, int h, int wd, int inC,
                                     int outC) {
        int oh = (h - 1) / 2 + 1;
        int ow = (wd - 1) / 2 + 1;
        // padded rows 0 .. 2*oh are read (output i reads 2i, 2i+1, 2i+2): pad 1 before, 2*oh - h after
        SDVariable xp = sd.nn.pad(x, padding(sd, new int[][]{{0, 0}, {1, 2 * oh - h}, {1, 2 * ow - wd}, {0, 0}}), 0.0);
        SDVariable[] taps = new SDVariable[9];
        for (int dy = 0; dy < 3; dy++) {
            for (int dx = 0; dx < 3; dx++) {
                taps[dy * 3 + dx] = slice2d(sd, xp, dy, dy + 2 * oh - 1, dx, dx + 2 * ow - 1, 2);
            }
        }
        // columns ordered (dy, dx, c): exactly the row order of w [3, 3, inC, outC] flattened to [9 inC, outC]
        SDVariable cols = sd.reshape(sd.concat(3, taps), -1, 9L * inC);
        SDVariable y = sd.nn.linear(cols, sd.reshape(w, 9L * inC, outC), b);
        return sd.reshape(y, -1, oh, ow, outC);
    }

    /**
     * ConvTranspose2d(stride 2, padding 1, output padding 0) plus bias on NHWC input, for kernels of 3 or 4
     * per axis (output size 2 * in - 1 or 2 * in).
     *
     * <p>Each output pixel of a stride-2 transposed conv gets 2 x 2 of the kernel's taps: output row
     * 2u + a sums x[u + s] w[dy] over the two dy of parity 1 - a (s = (a + 1 - dy) / 2). So the layer splits
     * into four output phases (a, b), each a sum of 2 x 2 shifted inputs times kernel taps, computed by one
     * gemm over all phases (every tap used once: no zeros for k = 4), followed by depth-to-space and a
     * one-pixel crop. A 3-tap axis is the 4-tap case with a zero last tap.
     *
     * @param x  [n, h, w, inC]
     * @param w  [kH, kW, outC, inC] (vaelab's transposed-conv layout)
     * @param b  [outC]
     * @param oh output height (2h or 2h - 1), likewise ow
     * @return [n, oh, ow, outC]
     */
    static SDVariable deconvStride2(SameDiff sd, SDVariable x, SDVariable w, SDVariable b, int h, int wd, int inC,
                                    int outC, int oh, int ow) {
        int kh = VaeArchitecture.deconvKernel(h, oh);
        int kw = VaeArchitecture.deconvKernel(wd, ow);
        if (kh < 3 || kh > 4 || kw < 3 || kw > 4) {
            throw new IllegalArgumentException("transposed conv " + h + "x" + wd + " -> " + oh + "x" + ow
                    + " needs kernels of 3 or 4, got " + kh + "x" + kw);
        }
        SDVariable w4 = kh == 4 && kw == 4 ? w
                : sd.nn.pad(w, padding(sd, new int[][]{{0, 4 - kh}, {0, 4 - kw}, {0, 0}, {0, 0}}), 0.0);
        // Both forms below give z [n, h+1, w+1, (e, f, oc)]: output phase (e, f) at (s, t) is output pixel
        // (2s + e - 1, 2t + f - 1). Gather the input (4 inC values per position) when that is smaller than
        // scattering the output (16 outC values per input position), else scatter.
        SDVariable z = 4L * inC <= 16L * outC ? gatherPhases(sd, x, w4, b, h, wd, inC, outC)
                : scatterPhases(sd, x, w4, b, h, wd, inC, outC);
        // depth-to-space as one rank-4 permute ([n (h+1), w+1, e, (f, oc)] -> [n (h+1), e, w+1, (f, oc)]):
        // M2.1 copies rank-4 arrays ~20x faster than rank-6 ones (depth_to_space, or the rank-6 permute)
        z = sd.reshape(z, -1, wd + 1, 2, 2L * outC);
        z = sd.reshape(sd.permute(z, 0, 2, 1, 3), -1, 2L * (h + 1), 2L * (wd + 1), outC);
        return slice2d(sd, z, 1, 1 + oh, 1, 1 + ow, 1);
    }

    /** The input-gathering form: a 2 x 2 stride-1 conv of the zero-padded input with 4 outC output channels. */
    private static SDVariable gatherPhases(SameDiff sd, SDVariable x, SDVariable w4, SDVariable b, int h, int wd,
                                           int inC, int outC) {
        // Window row t of the 2 x 2 window over the padded input, output phase e: kernel row dy = 2 (1 - t) + e
        // (the phase order that makes depth-to-space land output row 2u + a on row 2u + a + 1, cropped
        // below). With the taps concatenated in reversed window order t' = 1 - t, dy = 2 t' + e, so the
        // gemm's weight is a plain permutation of w: big[(t', tx', ic), (e, f, oc)] = w[2t' + e, 2tx' + f, oc, ic].
        SDVariable big = sd.reshape(w4, 2, 2, 2, 2, outC, inC);
        big = sd.reshape(sd.permute(big, 0, 2, 5, 1, 3, 4), 4L * inC, 4L * outC);

        SDVariable xp = sd.nn.pad(x, padding(sd, new int[][]{{0, 0}, {1, 1}, {1, 1}, {0, 0}}), 0.0);
        SDVariable[] taps = new SDVariable[4];
        for (int t = 1, i = 0; t >= 0; t--) {
            for (int tx = 1; tx >= 0; tx--) {
                taps[i++] = slice2d(sd, xp, t, t + h + 1, tx, tx + wd + 1, 1);
            }
        }
        SDVariable cols = sd.reshape(sd.concat(3, taps), -1, 4L * inC);
        // [n (h+1) (w+1), (e, f, oc)], the bias repeated for the four phases
        return sd.nn.linear(cols, big, sd.tile(b, 4));
    }

    /**
     * The output-scattering form (col2im): every input position's contribution to its 4 x 4 output patch in
     * one gemm, y[n h w, (q, p, e, f, oc)] = x w[2q + e, 2p + f, oc, :], then phase (e, f) at (s, t) sums the
     * four slabs (q, p) shifted by (q, p). For a layer with few output channels (the last, with one) this
     * moves 16 values per input position where gathering moves 4 inC.
     */
    private static SDVariable scatterPhases(SameDiff sd, SDVariable x, SDVariable w4, SDVariable b, int h, int wd,
                                            int inC, int outC) {
        // w4 [(q, e), (p, f), oc, ic] -> [ic, (q, p, e, f, oc)]
        SDVariable wt = sd.reshape(w4, 2, 2, 2, 2, outC, inC);
        wt = sd.reshape(sd.permute(wt, 5, 0, 2, 1, 3, 4), inC, 16L * outC);
        SDVariable y = sd.mmul(sd.reshape(x, -1, inC), wt);
        SDVariable yp = sd.nn.pad(sd.reshape(y, -1, h, wd, 16L * outC),
                padding(sd, new int[][]{{0, 0}, {1, 1}, {1, 1}, {0, 0}}), 0.0);
        SDVariable z = null;
        for (int q = 0; q < 2; q++) {
            for (int p = 0; p < 2; p++) {
                long c0 = (q * 2L + p) * 4L * outC;
                // begin/end mask on dim 0 only (bit 1): the batch stays symbolic
                SDVariable slab = sd.stridedSlice(yp, new long[]{0, 1 - q, 1 - p, c0},
                        new long[]{0, 1 - q + h + 1, 1 - p + wd + 1, c0 + 4L * outC}, new long[]{1, 1, 1, 1},
                        1, 1, 0, 0, 0);
                z = z == null ? slab : z.add(slab);
            }
        }
        return sd.nn.biasAdd(z, sd.tile(b, 4), false);
    }
}
