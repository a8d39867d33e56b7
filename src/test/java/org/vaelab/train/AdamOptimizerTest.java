package org.vaelab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class AdamOptimizerTest {

    /** PyTorch's Adam, written out (Kingma and Ba 2015, algorithm 1). */
    private static double[] reference(double[] p, double[][] grads, double lr) {
        double[] m = new double[p.length];
        double[] v = new double[p.length];
        double[] q = p.clone();
        for (int t = 1; t <= grads.length; t++) {
            for (int i = 0; i < p.length; i++) {
                double g = grads[t - 1][i];
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                double mh = m[i] / (1 - Math.pow(0.9, t));
                double vh = v[i] / (1 - Math.pow(0.999, t));
                q[i] -= lr * mh / (Math.sqrt(vh) + 1e-8);
            }
        }
        return q;
    }

    @Test
    void threeStepsMatchTheAlgorithm() {
        double[] p0 = {0.5, -1.0, 2.0};
        double[][] grads = {{0.1, -3.0, 0.05}, {0.2, 1.0, 1e-3}, {-0.4, 0.5, 2.0}};
        try (AdamOptimizer adam = new AdamOptimizer(3, DataType.DOUBLE, 0.01)) {
            INDArray p = Nd4j.createFromArray(new double[][]{p0});
            for (int t = 0; t < grads.length; t++) {
                adam.step(p, Nd4j.createFromArray(new double[][]{grads[t]}), t);
            }
            // PyTorch's form exactly (epsilon after the bias correction), so DOUBLE agrees to rounding
            assertArrayEquals(reference(p0, grads, 0.01), p.toDoubleVector(), 1e-14);
        }
    }

    @Test
    void clippingScalesToTheMaximumNormOnlyWhenAbove() {
        INDArray g = Nd4j.createFromArray(new double[][]{{3, 4}});
        AdamOptimizer.clip(g, 5.0, 1.0);
        assertEquals(1.0, g.norm2Number().doubleValue(), 1e-6);
        INDArray h = Nd4j.createFromArray(new double[][]{{0.3, 0.4}});
        AdamOptimizer.clip(h, 0.5, 1.0);
        assertArrayEquals(new double[]{0.3, 0.4}, h.toDoubleVector(), 0);
        AdamOptimizer.clip(g, 5.0, null);
    }

    @Test
    void stateRoundTrips() {
        try (AdamOptimizer a = new AdamOptimizer(2, DataType.FLOAT, 0.1);
             AdamOptimizer b = new AdamOptimizer(2, DataType.FLOAT, 0.1)) {
            INDArray pa = Nd4j.createFromArray(new float[][]{{1, 2}});
            INDArray pb = pa.dup();
            a.step(pa, Nd4j.createFromArray(new float[][]{{0.5f, -0.5f}}), 0);
            b.restore(a.moments());
            pb.assign(pa);
            a.step(pa, Nd4j.createFromArray(new float[][]{{0.1f, 0.2f}}), 1);
            b.step(pb, Nd4j.createFromArray(new float[][]{{0.1f, 0.2f}}), 1);
            assertArrayEquals(pa.toFloatVector(), pb.toFloatVector(), 0f);
        }
    }

    @Test
    void normIsTheL2NormAndPropagatesNaN() {
        assertEquals(13.0, AdamOptimizer.norm(Nd4j.createFromArray(new float[][]{{3, 4, 12}})), 1e-6);
        assertTrue(Double.isNaN(AdamOptimizer.norm(Nd4j.createFromArray(new float[][]{{3, Float.NaN, 12}}))));
        assertTrue(Double.isInfinite(AdamOptimizer.norm(Nd4j.createFromArray(new float[][]{{3, Float.POSITIVE_INFINITY}}))));
    }

    @Test
    void floatStepsFollowTheDoubleAlgorithmIncludingTinyGradients() {
        // the SIMD float path against the double reference, with gradients near epsilon where the placement of
        // epsilon matters
        int n = 37;
        double[] p0 = new double[n];
        double[][] grads = new double[4][n];
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int i = 0; i < n; i++) {
            p0[i] = r.nextDouble(-1, 1);
            for (int t = 0; t < 4; t++) {
                grads[t][i] = r.nextDouble(-1, 1) * (i % 3 == 0 ? 1e-8 : 1);
            }
        }
        try (AdamOptimizer adam = new AdamOptimizer(n, DataType.FLOAT, 0.01)) {
            float[] pf = new float[n];
            for (int i = 0; i < n; i++) {
                pf[i] = (float) p0[i];
            }
            INDArray p = Nd4j.createFromArray(new float[][]{pf});
            for (int t = 0; t < grads.length; t++) {
                float[] g = new float[n];
                for (int i = 0; i < n; i++) {
                    g[i] = (float) grads[t][i];
                }
                adam.step(p, Nd4j.createFromArray(new float[][]{g}), t);
            }
            double[] expected = reference(p0, grads, 0.01);
            double[] got = p.toDoubleVector();
            for (int i = 0; i < n; i++) {
                assertEquals(expected[i], got[i], 1e-5, "parameter " + i);
            }
        }
    }

    /**
     * The step reads and writes the parameters and gradients where ND4J keeps them: on views that start inside
     * their buffers it gives the bits of the same kernel on plain buffers holding the same values (the vector
     * part and the scalar tail), and touches nothing outside the views.
     */
    @Test
    void theStepOnViewsGivesTheBitsOfTheKernelOnPlainBuffers() {
        int n = 1003; // not a multiple of any vector length: the scalar tail runs too
        java.util.SplittableRandom r = new java.util.SplittableRandom(11);
        float[] p0 = new float[n];
        for (int i = 0; i < n; i++) {
            p0[i] = (float) r.nextDouble(-1, 1);
        }
        java.nio.ByteBuffer pPlain = direct(p0);
        float[] m = new float[n];
        float[] v = new float[n];
        org.vaelab.model.Kernels k = org.vaelab.model.Kernels.best();
        INDArray pBuf = Nd4j.create(DataType.FLOAT, 2, n);
        INDArray gBuf = Nd4j.create(DataType.FLOAT, 3, n);
        INDArray p = pBuf.getRow(1);
        INDArray gv = gBuf.getRow(2);
        assertTrue(p.offset() > 0 && gv.offset() > 0, "views inside their buffers");
        p.assign(Nd4j.createFromArray(p0));
        try (AdamOptimizer adam = new AdamOptimizer(n, DataType.FLOAT, 0.003)) {
            for (int t = 0; t < 5; t++) {
                float[] g = new float[n];
                for (int i = 0; i < n; i++) {
                    g[i] = (float) (r.nextGaussian() * (i % 7 == 0 ? 1e-7 : 0.1));
                }
                gv.assign(Nd4j.createFromArray(g));
                adam.step(p, gv, t);
                k.adam(pPlain, direct(g), m, v, n, 0.003, 0.9, 0.999, 1e-8, t + 1);
            }
        }
        float[] expected = new float[n];
        pPlain.asFloatBuffer().get(expected);
        assertArrayEquals(expected, p.toFloatVector(), 0f, "same bits as the kernel on plain buffers (" + k.name() + ")");
        assertArrayEquals(new float[n], pBuf.getRow(0).toFloatVector(), 0f, "nothing before the view is touched");
    }

    private static java.nio.ByteBuffer direct(float[] values) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(values.length * Float.BYTES)
                .order(java.nio.ByteOrder.nativeOrder());
        b.asFloatBuffer().put(values);
        return b;
    }
}
