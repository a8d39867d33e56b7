package org.vaelab.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.vaelab.spec.Activation;
import org.vaelab.spec.Reconstruction;

/**
 * The SIMD kernels: accuracy of the hand-written exp and log1p, and agreement with the scalar kernels. (Why they
 * are hand-written: the Vector API's EXP/LOG1P gave runs that differed in the 9th digit between two processes,
 * see VectorKernels; run-to-run reproducibility is checked across processes by the kill-and-resume test.)
 */
class VectorKernelsTest {
    private static final int L = FloatVector.SPECIES_PREFERRED.length();

    private static float[] apply(float[] x, boolean log) {
        float[] out = x.clone();
        if (log) {
            VectorKernels.log1pRow(out, x.length);
            return out;
        }
        for (int i = 0; i < x.length; i += L) {
            VectorKernels.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, i)).intoArray(out, i);
        }
        return out;
    }

    @Test
    void expIsAccurateOverTheWholeRange() {
        float[] x = new float[L * 4000];
        for (int i = 0; i < x.length; i++) {
            x[i] = -87f + 175f * i / x.length;
        }
        float[] y = apply(x, false);
        for (int i = 0; i < x.length; i++) {
            double e = Math.exp(x[i]);
            assertEquals(e, y[i], 3e-7 * e, "exp(" + x[i] + ")");
        }
        float[] edge = new float[L];
        java.util.Arrays.fill(edge, -1000f); // clamped: no garbage from the exponent bits
        assertEquals(0f, apply(edge, false)[0], 1e-37f);
    }

    @Test
    void log1pIsAccurateOnZeroToOne() {
        float[] x = new float[L * 4000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) i / (x.length - 1);
        }
        float[] y = apply(x, true);
        for (int i = 0; i < x.length; i++) {
            double e = Math.log1p(x[i]);
            assertEquals(e, y[i], 3e-7 * Math.max(e, 1e-30) + 1e-9, "log1p(" + x[i] + ")");
        }
    }

    /**
     * The loss's biasExp carries a copy of exp's polynomial (VectorKernels.reconstruction says why); a change to
     * one and not the other would make the loss's exp differ from the activations'.
     */
    @Test
    void theLossRowExpComputesExactlyExp() {
        SplittableRandom r = new SplittableRandom(7);
        int n = L * 300;
        float[] l = new float[n];
        float[] bias = new float[n];
        for (int i = 0; i < n; i++) {
            l[i] = (float) (r.nextGaussian() * (i % 3 == 0 ? 40 : 4));
            bias[i] = (float) r.nextGaussian();
        }
        float[] shifted = l.clone();
        float[] e = new float[n];
        VectorKernels.biasExp(shifted, 0, bias, 0, e, n);
        float[] negAbs = new float[n];
        for (int i = 0; i < n; i++) {
            assertEquals(l[i] + bias[i], shifted[i], "the bias is added in place");
            negAbs[i] = -Math.abs(shifted[i]);
        }
        assertArrayEquals(apply(negAbs, false), e, "biasExp = exp(-|l + bias|), bit for bit");
    }

    /** Adam on buffers: the SIMD step (vector part and tail) against the scalar one, a few float roundings apart. */
    @Test
    void adamAgreesWithTheScalarKernels() {
        int n = L * 20 + 3;
        SplittableRandom r = new SplittableRandom(5);
        float[] p0 = new float[n];
        for (int i = 0; i < n; i++) {
            p0[i] = (float) r.nextDouble(-1, 1);
        }
        java.nio.ByteBuffer pv = direct(p0);
        java.nio.ByteBuffer ps = direct(p0);
        float[] mv = new float[n];
        float[] vv = new float[n];
        float[] ms = new float[n];
        float[] vs = new float[n];
        for (int t = 1; t <= 4; t++) {
            float[] g = new float[n];
            for (int i = 0; i < n; i++) {
                g[i] = (float) r.nextGaussian();
            }
            new VectorKernels().adam(pv, direct(g), mv, vv, n, 0.01, 0.9, 0.999, 1e-8, t);
            new ScalarKernels().adam(ps, direct(g), ms, vs, n, 0.01, 0.9, 0.999, 1e-8, t);
        }
        for (int i = 0; i < n; i++) {
            assertEquals(ps.getFloat(4 * i), pv.getFloat(4 * i), 1e-6f, "parameter " + i);
            assertEquals(p0[i], pv.getFloat(4 * i), 0.05f, "parameter " + i + " moved by about 4 steps of lr");
            assertTrue(pv.getFloat(4 * i) != p0[i], "parameter " + i + " stepped");
        }
    }

    private static java.nio.ByteBuffer direct(float[] values) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(values.length * Float.BYTES)
                .order(java.nio.ByteOrder.nativeOrder());
        b.asFloatBuffer().put(values);
        return b;
    }

    @Test
    void agreesWithTheScalarKernels() {
        SplittableRandom r = new SplittableRandom(2);
        int rows = 5;
        int cols = 40;
        float[] l = new float[rows * cols];
        float[] x = new float[rows * cols];
        float[] bias = new float[cols];
        for (int i = 0; i < l.length; i++) {
            l[i] = (float) r.nextDouble(-12, 12);
            x[i] = (float) r.nextDouble();
        }
        for (Reconstruction rec : Reconstruction.values()) {
            double[] nv = new double[rows];
            double[] ns = new double[rows];
            double[] sv = new double[rows];
            double[] ss = new double[rows];
            new VectorKernels().reconstruction(rec, l.clone(), x, rows, rows, cols, bias, 0, nv, sv);
            new ScalarKernels().reconstruction(rec, l.clone(), x, rows, rows, cols, bias, 0, ns, ss);
            assertArrayEquals(ns, nv, 1e-4);
        }
        for (Activation act : Activation.values()) {
            float[] av = l.clone();
            float[] as = l.clone();
            new VectorKernels().biasActivate(av, rows, cols, bias, 0, act);
            new ScalarKernels().biasActivate(as, rows, cols, bias, 0, act);
            assertArrayEquals(as, av, 2e-6f, act.yaml());
        }
    }

    @Test
    void everyNonlinearityAgreesWithTheScalarKernelsOnFlatArrays() {
        // the standalone activation layer's kernels, sigmoid included, over a length that leaves a scalar tail
        SplittableRandom r = new SplittableRandom(8);
        int n = 5 * L + 3;
        float[] x = new float[n];
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 16 - 8);
            g[i] = (float) r.nextGaussian();
        }
        for (org.vaelab.spec.LayerSpec.Nonlinearity fn : org.vaelab.spec.LayerSpec.Nonlinearity.values()) {
            float[] yv = x.clone();
            float[] ys = x.clone();
            new VectorKernels().activate(yv, n, fn);
            new ScalarKernels().activate(ys, n, fn);
            assertArrayEquals(ys, yv, 2e-6f, fn.yaml());
            float[] dv = g.clone();
            float[] ds = g.clone();
            new VectorKernels().activateBack(dv, ys, n, fn);
            new ScalarKernels().activateBack(ds, ys, n, fn);
            assertArrayEquals(ds, dv, 1e-6f, fn.yaml() + " backward");
        }
        // sigmoid's values themselves, far out on both sides
        float[] s = {-30f, -1f, 0f, 1f, 30f};
        new ScalarKernels().activate(s, s.length, org.vaelab.spec.LayerSpec.Nonlinearity.SIGMOID);
        assertEquals(1 / (1 + Math.exp(30)), s[0], 1e-20);
        assertEquals(0.5, s[2], 0.0);
        assertEquals(1 / (1 + Math.exp(-1)), s[3], 1e-7);
    }
}
