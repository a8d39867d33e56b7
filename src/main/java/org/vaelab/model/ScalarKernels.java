package org.vaelab.model;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.vaelab.spec.LayerSpec.Nonlinearity;
import org.vaelab.spec.Reconstruction;

/** {@link Kernels} in plain Java loops: the reference the vector kernels are tested against. */
public final class ScalarKernels implements Kernels {
    /** PyTorch's default negative slope for leaky_relu (also what the SameDiff graphs use). */
    static final float LEAKY_SLOPE = 0.01f;

    static float activate(float v, Nonlinearity act) {
        return switch (act) {
            case RELU -> v > 0f ? v : 0f;
            case TANH -> (float) Math.tanh(v);
            case ELU -> v > 0f ? v : (float) Math.expm1(v);
            case LEAKY_RELU -> v > 0f ? v : LEAKY_SLOPE * v;
            case SIGMOID -> sigmoid(v);
        };
    }

    static float derivative(float out, Nonlinearity act) {
        return switch (act) {
            case RELU -> out > 0f ? 1f : 0f;
            case TANH -> 1f - out * out;
            case ELU -> out > 0f ? 1f : out + 1f; // d/dx (e^x - 1) = e^x = out + 1
            case LEAKY_RELU -> out > 0f ? 1f : LEAKY_SLOPE;
            case SIGMOID -> out * (1f - out);
        };
    }

    @Override
    public void activate(float[] a, int n, Nonlinearity act) {
        for (int i = 0; i < n; i++) {
            a[i] = activate(a[i], act);
        }
    }

    @Override
    public void activateBack(float[] d, float[] out, int n, Nonlinearity act) {
        for (int i = 0; i < n; i++) {
            d[i] *= derivative(out[i], act);
        }
    }

    @Override
    public void biasActivate(float[] a, int rows, int cols, float[] bias, int bOff, Nonlinearity act) {
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            for (int j = 0; j < cols; j++) {
                a[base + j] = activate(a[base + j] + bias[bOff + j], act);
            }
        }
    }

    @Override
    public void addBias(float[] a, int rows, int cols, float[] bias, int bOff) {
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            for (int j = 0; j < cols; j++) {
                a[base + j] += bias[bOff + j];
            }
        }
    }

    @Override
    public void activateBack(float[] d, float[] out, int rows, int cols, Nonlinearity act, float[] gBias,
                             int gOff) {
        Arrays.fill(gBias, gOff, gOff + cols, 0f);
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            for (int j = 0; j < cols; j++) {
                float v = d[base + j] * derivative(out[base + j], act);
                d[base + j] = v;
                gBias[gOff + j] += v;
            }
        }
    }

    @Override
    public void columnSums(float[] d, int rows, int cols, float[] gBias, int gOff) {
        Arrays.fill(gBias, gOff, gOff + cols, 0f);
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            for (int j = 0; j < cols; j++) {
                gBias[gOff + j] += d[base + j];
            }
        }
    }

    @Override
    public void reconstruction(Reconstruction rec, float[] l, float[] x, int rows, int examples, int cols,
                               float[] bias, int bOff, double[] nll, double[] sqErr) {
        double constant = 0.5 * cols * LossTerms.LOG_2PI;
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            int xb = (r % examples) * cols;
            float acc = 0f;
            for (int j = 0; j < cols; j++) {
                float v = l[base + j] + bias[bOff + j];
                l[base + j] = v;
                float xv = x[xb + j];
                if (rec == Reconstruction.BCE) {
                    // softplus(v) - x v = max(v, 0) - x v + log1p(exp(-|v|)): no overflow for any v
                    acc += Math.max(v, 0f) - xv * v + (float) Math.log1p(Math.exp(-Math.abs(v)));
                } else {
                    float e = sigmoid(v) - xv;
                    acc += e * e;
                }
            }
            if (rec == Reconstruction.BCE) {
                nll[r] = acc;
            } else {
                sqErr[r] = acc;
                nll[r] = 0.5 * acc + constant;
            }
        }
    }

    static float sigmoid(float v) {
        // from exp(-|v|) so it never overflows
        float e = (float) Math.exp(-Math.abs(v));
        return v >= 0f ? 1f / (1f + e) : e / (1f + e);
    }

    @Override
    public void reconstructionBack(Reconstruction rec, float[] l, float[] x, int rows, int examples, int cols,
                                   float[] coef, float[] gBias, int gOff) {
        Arrays.fill(gBias, gOff, gOff + cols, 0f);
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            int xb = (r % examples) * cols;
            float c = coef[r];
            for (int j = 0; j < cols; j++) {
                float s = sigmoid(l[base + j]);
                float e = s - x[xb + j];
                float v = rec == Reconstruction.BCE ? e * c : e * s * (1f - s) * c;
                l[base + j] = v;
                gBias[gOff + j] += v;
            }
        }
    }

    @Override
    public void adam(ByteBuffer p, ByteBuffer g, float[] m, float[] v, int n, double lr, double beta1, double beta2,
                     double eps, long step) {
        float stepSize = (float) (lr / (1 - Math.pow(beta1, step)));
        float invSqrtC2 = (float) (1 / Math.sqrt(1 - Math.pow(beta2, step)));
        adamRange(p, g, m, v, 0, n, stepSize, invSqrtC2, (float) beta1, (float) beta2, (float) eps);
    }

    /**
     * Adam on indices {@code from..to}: lr * mHat / (sqrt(vHat) + eps) written as stepSize * m / (sqrt(v) *
     * invSqrtC2 + eps) with stepSize = lr / (1 - beta1^t) and invSqrtC2 = 1 / sqrt(1 - beta2^t).
     */
    static void adamRange(ByteBuffer p, ByteBuffer g, float[] m, float[] v, int from, int to, float stepSize,
                          float invSqrtC2, float b1, float b2, float e) {
        float ob1 = 1f - b1;
        float ob2 = 1f - b2;
        for (int i = from; i < to; i++) {
            int at = i * Float.BYTES;
            float gi = g.getFloat(at);
            float mi = b1 * m[i] + ob1 * gi;
            float vi = b2 * v[i] + ob2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            p.putFloat(at, p.getFloat(at) - stepSize * mi / ((float) Math.sqrt(vi) * invSqrtC2 + e));
        }
    }

    @Override
    public double sumOfSquares(float[] g, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += (double) g[i] * g[i];
        }
        return s;
    }

    @Override
    public String name() {
        return "scalar";
    }

    /** {@link Kernels#maxPoolBack} for channels {@code j0 .. j1} of the window. */
    static void maxPoolBack(float[] x, int xOff, int[] win, float[] out, float[] d, int oOff, int j0, int j1,
                            float[] dIn) {
        int last = win.length - 1;
        for (int j = j0; j < j1; j++) {
            float m = out[oOff + j];
            int f0 = xOff + j;
            int at = f0 + win[last];
            if (m != m || Float.isInfinite(m)) {
                at = slowSearch(x, f0, win, m);
            } else {
                for (int q = last - 1; q >= 0; q--) {
                    int s = f0 + win[q];
                    // x == m without a branch (the JIT kept one for a ternary, and which value wins is a coin
                    // toss): x - m is +-0 exactly when they are equal (finite m; IEEE gradual underflow)
                    int b = Float.floatToRawIntBits(x[s] - m) << 1;
                    int mask = (b | -b) >> 31;
                    at = at & mask | s & ~mask;
                }
            }
            for (int q = 0; q <= last; q++) {
                dIn[f0 + win[q]] = 0f;
            }
            dIn[at] = d[oOff + j];
        }
    }

    /** The winner of a window whose maximum is NaN (its last NaN) or infinite (its first value equal to it). */
    private static int slowSearch(float[] x, int f0, int[] win, float m) {
        if (Float.isNaN(m)) {
            for (int q = win.length - 1; q > 0; q--) {
                if (Float.isNaN(x[f0 + win[q]])) {
                    return f0 + win[q];
                }
            }
            return f0;
        }
        for (int q = 0; q < win.length - 1; q++) {
            if (x[f0 + win[q]] == m) {
                return f0 + win[q];
            }
        }
        return f0 + win[win.length - 1];
    }
}
