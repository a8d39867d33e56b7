package org.vaelab.model.layers;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.vaelab.spec.Shape;

/**
 * Between the layers' image layout (NHWC per example) and PyTorch's C, H, W order, which {@code flatten} and
 * {@code reshape} read and write; for one channel both are the same memory.
 */
final class Permute {
    private Permute() {
    }

    /** Per row of {@code c * pix} values: NHWC [pix, c] to C,H,W [c, pix]. */
    static void toChw(float[] src, float[] dst, int rows, int pix, int c) {
        for (int e = 0; e < rows; e++) {
            int base = e * pix * c;
            for (int q = 0; q < pix; q++) {
                for (int ch = 0; ch < c; ch++) {
                    dst[base + ch * pix + q] = src[base + q * c + ch];
                }
            }
        }
    }

    /** The inverse of {@link #toChw}. */
    static void toNhwc(float[] src, float[] dst, int rows, int pix, int c) {
        for (int e = 0; e < rows; e++) {
            int base = e * pix * c;
            for (int ch = 0; ch < c; ch++) {
                for (int q = 0; q < pix; q++) {
                    dst[base + q * c + ch] = src[base + ch * pix + q];
                }
            }
        }
    }

    /** Graph form: an activation of shape {@code s} ([n, F] or NHWC) as [n, size] in C, H, W order. */
    static SDVariable chwRows(SameDiff sd, SDVariable x, Shape s) {
        if (!s.image()) {
            return x;
        }
        if (s.channels() == 1) {
            return sd.reshape(x, -1, s.size());
        }
        return sd.reshape(sd.permute(x, 0, 3, 1, 2), -1, s.size());
    }

    /** Graph form: [n, size] in C, H, W order as the NHWC image {@code s}. */
    static SDVariable nhwc(SameDiff sd, SDVariable rows, Shape s) {
        if (s.channels() == 1) {
            return sd.reshape(rows, -1, s.height(), s.width(), 1);
        }
        return sd.permute(sd.reshape(rows, -1, s.channels(), s.height(), s.width()), 0, 2, 3, 1);
    }
}
