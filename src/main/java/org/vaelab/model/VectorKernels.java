package org.vaelab.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.vaelab.spec.LayerSpec.Nonlinearity;
import org.vaelab.spec.Reconstruction;

/**
 * {@link Kernels} on the incubating Vector API of JDK 17 ({@code --add-modules jdk.incubator.vector}): the same
 * formulas as {@link ScalarKernels} in SIMD lanes. Loaded by name from {@link Kernels#best()}, so no other class
 * links against the module.
 *
 * <p>Reproducibility: the API's own transcendental lanewise ops (EXP, LOG1P, TANH) and reduceLanes give
 * different last bits before and after HotSpot compiles a loop (a Java fallback per lane, then SVML stubs and a
 * tree reduction), so a run's numbers would depend on when the JIT kicked in. Here exp and log1p are written out
 * (Cephes' single-precision polynomials, Moshier 1992) with basic IEEE operations and bit shifts only, which give
 * the same bits in every execution mode, and lane sums are taken in lane order.
 */
final class VectorKernels implements Kernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();


    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: adding it to a float of magnitude below 2^22 rounds it to an integer in the low mantissa bits. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = 0x4B400000;
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[L]);

    /** exp(x), relative error ~1e-7, for any x (clamped to [-87.3, 88.3]: 0 and overflow are out of reach). */
    static FloatVector exp(FloatVector x) {
        FloatVector c = x.max(-87.3f).min(88.3f);
        FloatVector t = c.mul(LOG2E).add(ROUND); // n + ROUND with n = round(x / ln 2)
        FloatVector n = t.sub(ROUND);
        IntVector ni = (IntVector) t.reinterpretAsInts();
        ni = ni.sub(ROUND_BITS);
        FloatVector r = c.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
        FloatVector p = r.mul(1.9875691500E-4f).add(1.3981999507E-3f);
        p = p.mul(r).add(8.3334519073E-3f);
        p = p.mul(r).add(4.1665795894E-2f);
        p = p.mul(r).add(1.6666665459E-1f);
        p = p.mul(r).add(5.0000001201E-1f);
        p = p.mul(r.mul(r)).add(r).add(1f);
        FloatVector scale = (FloatVector) ni.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(scale);
    }

    /** Sum of the lanes in lane order (reduceLanes may reassociate differently once compiled). */
    private static float sum(FloatVector v) {
        float[] lanes = LANES.get();
        v.intoArray(lanes, 0);
        float s = 0f;
        for (float x : lanes) {
            s += x;
        }
        return s;
    }

    private static FloatVector activate(FloatVector v, Nonlinearity act) {
        return switch (act) {
            case RELU -> v.max(0f);
            case TANH -> {
                // tanh|v| = (1 - t) / (1 + t) with t = exp(-2|v|), sign restored
                FloatVector t = exp(v.abs().mul(-2f));
                FloatVector a = FloatVector.broadcast(S, 1f).sub(t).div(t.add(1f));
                yield a.blend(a.neg(), v.compare(VectorOperators.LT, 0f));
            }
            case ELU -> exp(v.min(0f)).sub(1f).blend(v, v.compare(VectorOperators.GT, 0f));
            case LEAKY_RELU -> v.mul(ScalarKernels.LEAKY_SLOPE).blend(v, v.compare(VectorOperators.GT, 0f));
            case SIGMOID -> sigmoid(v, exp(v.abs().neg()));
        };
    }

    private static FloatVector derivative(FloatVector out, Nonlinearity act) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        return switch (act) {
            case RELU -> FloatVector.zero(S).blend(one, out.compare(VectorOperators.GT, 0f));
            case TANH -> one.sub(out.mul(out));
            case ELU -> out.add(1f).blend(one, out.compare(VectorOperators.GT, 0f));
            case LEAKY_RELU -> FloatVector.broadcast(S, ScalarKernels.LEAKY_SLOPE)
                    .blend(one, out.compare(VectorOperators.GT, 0f));
            case SIGMOID -> out.mul(one.sub(out));
        };
    }

    @Override
    public void maxPoolBack(float[] x, int xOff, int[] win, float[] out, float[] d, int oOff, int c, float[] dIn) {
        int up = S.loopBound(c);
        FloatVector zero = FloatVector.zero(S);
        int j = 0;
        for (; j < up; j += L) {
            FloatVector m = FloatVector.fromArray(S, out, oOff + j);
            if (m.test(VectorOperators.IS_NAN).anyTrue()) {
                // the last NaN wins: PyTorch's rule, left to the scalar search
                ScalarKernels.maxPoolBack(x, xOff, win, out, d, oOff, j, j + L, dIn);
                continue;
            }
            FloatVector g = FloatVector.fromArray(S, d, oOff + j);
            VectorMask<Float> taken = S.maskAll(false);
            for (int q = 0; q < win.length; q++) {
                int s = xOff + win[q] + j;
                VectorMask<Float> first = FloatVector.fromArray(S, x, s).compare(VectorOperators.EQ, m)
                        .and(taken.not());
                zero.blend(g, first).intoArray(dIn, s);
                taken = taken.or(first);
            }
        }
        ScalarKernels.maxPoolBack(x, xOff, win, out, d, oOff, j, c, dIn);
    }

    @Override
    public void activate(float[] a, int n, Nonlinearity act) {
        int up = S.loopBound(n);
        int i = 0;
        for (; i < up; i += L) {
            activate(FloatVector.fromArray(S, a, i), act).intoArray(a, i);
        }
        for (; i < n; i++) {
            a[i] = ScalarKernels.activate(a[i], act);
        }
    }

    @Override
    public void activateBack(float[] d, float[] out, int n, Nonlinearity act) {
        int up = S.loopBound(n);
        int i = 0;
        for (; i < up; i += L) {
            FloatVector.fromArray(S, d, i).mul(derivative(FloatVector.fromArray(S, out, i), act)).intoArray(d, i);
        }
        for (; i < n; i++) {
            d[i] *= ScalarKernels.derivative(out[i], act);
        }
    }

    @Override
    public void biasActivate(float[] a, int rows, int cols, float[] bias, int bOff, Nonlinearity act) {
        int up = S.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            int j = 0;
            for (; j < up; j += L) {
                activate(FloatVector.fromArray(S, a, base + j).add(FloatVector.fromArray(S, bias, bOff + j)), act)
                        .intoArray(a, base + j);
            }
            for (; j < cols; j++) {
                a[base + j] = ScalarKernels.activate(a[base + j] + bias[bOff + j], act);
            }
        }
    }

    @Override
    public void addBias(float[] a, int rows, int cols, float[] bias, int bOff) {
        int up = S.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            int j = 0;
            for (; j < up; j += L) {
                FloatVector.fromArray(S, a, base + j).add(FloatVector.fromArray(S, bias, bOff + j))
                        .intoArray(a, base + j);
            }
            for (; j < cols; j++) {
                a[base + j] += bias[bOff + j];
            }
        }
    }

    @Override
    public void activateBack(float[] d, float[] out, int rows, int cols, Nonlinearity act, float[] gBias,
                             int gOff) {
        Arrays.fill(gBias, gOff, gOff + cols, 0f);
        int up = S.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            int j = 0;
            for (; j < up; j += L) {
                FloatVector v = FloatVector.fromArray(S, d, base + j)
                        .mul(derivative(FloatVector.fromArray(S, out, base + j), act));
                v.intoArray(d, base + j);
                FloatVector.fromArray(S, gBias, gOff + j).add(v).intoArray(gBias, gOff + j);
            }
            for (; j < cols; j++) {
                float v = d[base + j] * ScalarKernels.derivative(out[base + j], act);
                d[base + j] = v;
                gBias[gOff + j] += v;
            }
        }
    }

    @Override
    public void columnSums(float[] d, int rows, int cols, float[] gBias, int gOff) {
        Arrays.fill(gBias, gOff, gOff + cols, 0f);
        int up = S.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            int j = 0;
            for (; j < up; j += L) {
                FloatVector.fromArray(S, gBias, gOff + j).add(FloatVector.fromArray(S, d, base + j))
                        .intoArray(gBias, gOff + j);
            }
            for (; j < cols; j++) {
                gBias[gOff + j] += d[base + j];
            }
        }
    }

    /** sigmoid(v) from e = exp(-|v|): 1 / (1 + e) for v >= 0, e / (1 + e) below. */
    private static FloatVector sigmoid(FloatVector v, FloatVector e) {
        FloatVector inv = FloatVector.broadcast(S, 1f).div(e.add(1f));
        return inv.blend(e.mul(inv), v.compare(VectorOperators.LT, 0f));
    }

    /**
     * A row at a time in three loops of their own ({@link #biasExp}, {@link #log1pRow}, then {@link #bceRow} or
     * {@link #mseRow}), with the exp and log1p polynomials written out in them. As one loop calling {@link #exp}
     * and a vector log1p, the compiled loop outgrew C2's inlining budget (NodeCountInliningCutoff in
     * -XX:+LogCompilation), the log1p stayed a call, and a boxed vector crossed it at every step: the loss took
     * 6 ns per value, as long as the decoder's matrix products, and 1.7 ns laid out so. Written out, the only
     * calls that can stay calls are these row methods, which pass arrays. Same operations on the same values,
     * so the same bits as before ({@code VectorKernelsTest}).
     */
    @Override
    public void reconstruction(Reconstruction rec, float[] l, float[] x, int rows, int examples, int cols,
                               float[] bias, int bOff, double[] nll, double[] sqErr) {
        double constant = 0.5 * cols * LossTerms.LOG_2PI;
        int up = S.loopBound(cols);
        boolean bce = rec == Reconstruction.BCE;
        float[] e = new float[up];
        float[] lanes = new float[L];
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            int xb = (r % examples) * cols;
            biasExp(l, base, bias, bOff, e, up);
            float sum;
            if (bce) {
                log1pRow(e, up);
                sum = bceRow(l, base, x, xb, e, up, lanes);
            } else {
                sum = mseRow(l, base, x, xb, e, up, lanes);
            }
            for (int j = up; j < cols; j++) {
                float v = l[base + j] + bias[bOff + j];
                l[base + j] = v;
                float xv = x[xb + j];
                if (bce) {
                    sum += Math.max(v, 0f) - xv * v + (float) Math.log1p(Math.exp(-Math.abs(v)));
                } else {
                    float err = ScalarKernels.sigmoid(v) - xv;
                    sum += err * err;
                }
            }
            if (bce) {
                nll[r] = sum;
            } else {
                sqErr[r] = sum;
                nll[r] = 0.5 * sum + constant;
            }
        }
    }

    /**
     * l[base + j] += bias[bOff + j] and e[j] = exp(-|l[base + j]|) for j below {@code up} (whole vectors); the
     * exp is {@link #exp}'s body written out (see {@link #reconstruction}).
     */
    static void biasExp(float[] l, int base, float[] bias, int bOff, float[] e, int up) {
        for (int j = 0; j < up; j += L) {
            FloatVector v = FloatVector.fromArray(S, l, base + j).add(FloatVector.fromArray(S, bias, bOff + j));
            v.intoArray(l, base + j);
            FloatVector c = v.abs().neg().max(-87.3f).min(88.3f);
            FloatVector t = c.mul(LOG2E).add(ROUND);
            FloatVector n = t.sub(ROUND);
            IntVector ni = ((IntVector) t.reinterpretAsInts()).sub(ROUND_BITS);
            FloatVector r = c.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
            FloatVector p = r.mul(1.9875691500E-4f).add(1.3981999507E-3f);
            p = p.mul(r).add(8.3334519073E-3f);
            p = p.mul(r).add(4.1665795894E-2f);
            p = p.mul(r).add(1.6666665459E-1f);
            p = p.mul(r).add(5.0000001201E-1f);
            p = p.mul(r.mul(r)).add(r).add(1f);
            FloatVector scale = (FloatVector) ni.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            p.mul(scale).intoArray(e, j);
        }
    }

    /**
     * e[j] = log(1 + e[j]) for e[j] in [0, 1] (the Bernoulli loss's log1p(exp(-|l|))), j below {@code up}; absolute
     * error ~1e-7. log1p(e) = k ln 2 + log(1 + f) with 1 + f = (1 + e) / 2^k in [sqrt(1/2), sqrt(2)]; f = e itself
     * when k = 0, so small e keep their precision.
     */
    static void log1pRow(float[] e, int up) {
        for (int j = 0; j < up; j += L) {
            FloatVector v = FloatVector.fromArray(S, e, j);
            VectorMask<Float> big = v.compare(VectorOperators.GE, 0.41421356f);
            FloatVector f = v.blend(v.add(1f).mul(0.5f).sub(1f), big);
            FloatVector k = FloatVector.zero(S).blend(1f, big);
            FloatVector z = f.mul(f);
            FloatVector y = f.mul(7.0376836292E-2f).sub(1.1514610310E-1f);
            y = y.mul(f).add(1.1676998740E-1f);
            y = y.mul(f).sub(1.2420140846E-1f);
            y = y.mul(f).add(1.4249322787E-1f);
            y = y.mul(f).sub(1.6668057665E-1f);
            y = y.mul(f).add(2.0000714765E-1f);
            y = y.mul(f).sub(2.4999993993E-1f);
            y = y.mul(f).add(3.3333331174E-1f);
            y = y.mul(f).mul(z);
            y = y.add(k.mul(LN2_LO)).sub(z.mul(0.5f));
            f.add(y).add(k.mul(LN2_HI)).intoArray(e, j);
        }
    }

    /** The Bernoulli loss max(v, 0) - x v + g of the row's first {@code up} values (g = log1p(exp(-|v|))). */
    private static float bceRow(float[] l, int base, float[] x, int xb, float[] g, int up, float[] lanes) {
        FloatVector acc = FloatVector.zero(S);
        for (int j = 0; j < up; j += L) {
            FloatVector v = FloatVector.fromArray(S, l, base + j);
            FloatVector xv = FloatVector.fromArray(S, x, xb + j);
            acc = acc.add(v.max(0f).sub(xv.mul(v)).add(FloatVector.fromArray(S, g, j)));
        }
        acc.intoArray(lanes, 0); // sum()'s lane-order sum, written out
        float sum = 0f;
        for (float a : lanes) {
            sum += a;
        }
        return sum;
    }

    /** The squared errors (sigmoid(v) - x)^2 of the row's first {@code up} values (e = exp(-|v|)). */
    private static float mseRow(float[] l, int base, float[] x, int xb, float[] e, int up, float[] lanes) {
        FloatVector acc = FloatVector.zero(S);
        for (int j = 0; j < up; j += L) {
            FloatVector v = FloatVector.fromArray(S, l, base + j);
            FloatVector ev = FloatVector.fromArray(S, e, j);
            FloatVector inv = FloatVector.broadcast(S, 1f).div(ev.add(1f));
            FloatVector err = inv.blend(ev.mul(inv), v.compare(VectorOperators.LT, 0f))
                    .sub(FloatVector.fromArray(S, x, xb + j));
            acc = acc.add(err.mul(err));
        }
        acc.intoArray(lanes, 0); // sum()'s lane-order sum, written out
        float sum = 0f;
        for (float a : lanes) {
            sum += a;
        }
        return sum;
    }

    @Override
    public void reconstructionBack(Reconstruction rec, float[] l, float[] x, int rows, int examples, int cols,
                                   float[] coef, float[] gBias, int gOff) {
        Arrays.fill(gBias, gOff, gOff + cols, 0f);
        int up = S.loopBound(cols);
        boolean bce = rec == Reconstruction.BCE;
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            int xb = (r % examples) * cols;
            float c = coef[r];
            int j = 0;
            for (; j < up; j += L) {
                FloatVector v = FloatVector.fromArray(S, l, base + j);
                FloatVector s = sigmoid(v, exp(v.abs().neg()));
                FloatVector err = s.sub(FloatVector.fromArray(S, x, xb + j));
                FloatVector dv = bce ? err.mul(c) : err.mul(s).mul(s.neg().add(1f)).mul(c);
                dv.intoArray(l, base + j);
                FloatVector.fromArray(S, gBias, gOff + j).add(dv).intoArray(gBias, gOff + j);
            }
            for (; j < cols; j++) {
                float s = ScalarKernels.sigmoid(l[base + j]);
                float err = s - x[xb + j];
                float dv = bce ? err * c : err * s * (1f - s) * c;
                l[base + j] = dv;
                gBias[gOff + j] += dv;
            }
        }
    }

    @Override
    public void adam(ByteBuffer p, ByteBuffer g, float[] m, float[] v, int n, double lr, double beta1, double beta2,
                     double eps, long step) {
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float ob1 = 1f - b1;
        float ob2 = 1f - b2;
        float stepSize = (float) (lr / (1 - Math.pow(beta1, step)));
        float invSqrtC2 = (float) (1 / Math.sqrt(1 - Math.pow(beta2, step)));
        float e = (float) eps;
        ByteOrder o = ByteOrder.nativeOrder();
        int up = S.loopBound(n);
        for (int i = 0; i < up; i += L) {
            int at = i * Float.BYTES;
            FloatVector gi = FloatVector.fromByteBuffer(S, g, at, o);
            FloatVector mi = FloatVector.fromArray(S, m, i).mul(b1).add(gi.mul(ob1));
            FloatVector vi = FloatVector.fromArray(S, v, i).mul(b2).add(gi.mul(gi).mul(ob2));
            mi.intoArray(m, i);
            vi.intoArray(v, i);
            FloatVector upd = mi.mul(stepSize).div(vi.lanewise(VectorOperators.SQRT).mul(invSqrtC2).add(e));
            FloatVector.fromByteBuffer(S, p, at, o).sub(upd).intoByteBuffer(p, at, o);
        }
        ScalarKernels.adamRange(p, g, m, v, up, n, stepSize, invSqrtC2, b1, b2, e);
    }

    @Override
    public double sumOfSquares(float[] g, int n) {
        // float lanes summed per block of 4096 into a double: no overflow or drift for millions of values
        int up = S.loopBound(n);
        double total = 0;
        int i = 0;
        while (i < up) {
            int end = Math.min(up, i + 4096);
            FloatVector acc = FloatVector.zero(S);
            for (; i < end; i += L) {
                FloatVector gi = FloatVector.fromArray(S, g, i);
                acc = gi.fma(gi, acc);
            }
            total += sum(acc);
        }
        for (; i < n; i++) {
            total += (double) g[i] * g[i];
        }
        return total;
    }

    @Override
    public String name() {
        return "vector" + S.vectorBitSize();
    }
}
