package org.vaelab.model.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.opentest4j.AssertionFailedError;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.Shape;

/**
 * MaxPoolLayer and UpsampleLayer against their twins (FLOAT) and the twins against finite differences (DOUBLE),
 * over window/scale 1 to 3, odd sizes (pooling drops the incomplete windows), one and several channels and
 * rows; max pooling's tie rule (first maximum in the window) on inputs full of ties, by hand and against the twin.
 */
class PoolingLayersTest {

    static MaxPoolLayer pool(int c, int h, int w, int k) {
        return new MaxPoolLayer("enc_pool1", Shape.image(c, h, w), new LayerSpec.MaxPool(k));
    }

    static UpsampleLayer up(int c, int h, int w, int k) {
        return new UpsampleLayer("dec_up1", Shape.image(c, h, w), new LayerSpec.Upsample(k));
    }

    @ParameterizedTest(name = "maxpool [{0},{1},{2}] k {3} rows {4}")
    @CsvSource({"1, 4, 4, 2, 1", "3, 5, 7, 2, 2", "2, 9, 9, 3, 3", "2, 7, 8, 3, 2", "2, 3, 4, 1, 2", "4, 6, 6, 2, 3"})
    void maxPoolMatchesTheTwinAndFiniteDifferences(int c, int h, int w, int k, int rows) {
        MaxPoolLayer l = pool(c, h, w, k);
        assertEquals(Shape.image(c, h / k, w / k), l.outShape());
        assertTrue(l.params().isEmpty());
        LayerHarness.compareWithTwin(l, LayerHarness.Values.random(l, rows, 41));
        LayerHarness.checkTwinGradients(l, LayerHarness.Values.random(l, Math.min(rows, 2), 8));
    }

    @ParameterizedTest(name = "upsample [{0},{1},{2}] k {3} rows {4}")
    @CsvSource({"1, 3, 3, 2, 1", "3, 4, 5, 3, 2", "2, 2, 3, 1, 2", "2, 5, 4, 2, 3"})
    void upsampleMatchesTheTwinAndFiniteDifferences(int c, int h, int w, int k, int rows) {
        UpsampleLayer l = up(c, h, w, k);
        assertEquals(Shape.image(c, h * k, w * k), l.outShape());
        LayerHarness.compareWithTwin(l, LayerHarness.Values.random(l, rows, 43));
        LayerHarness.checkTwinGradients(l, LayerHarness.Values.random(l, Math.min(rows, 2), 9));
    }

    /** Values on a coarse grid: most 2x2 and 3x3 windows hold equal maxima. */
    private static LayerHarness.Values ties(Layer l, int rows, long seed) {
        LayerHarness.Values v = LayerHarness.Values.random(l, rows, seed);
        float[] x = v.x().clone();
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.round(x[i]) * 0.5f;
        }
        return new LayerHarness.Values(v.params(), x, v.r(), rows);
    }

    @ParameterizedTest(name = "ties: [{0},{1},{2}] k {3}")
    // 19 channels: the Vector API backward's full lanes (8 or 16) and its scalar tail
    @CsvSource({"3, 6, 6, 2", "2, 7, 9, 3", "19, 4, 6, 2"})
    void tiesGoToTheFirstMaximumInBothPaths(int c, int h, int w, int k) {
        MaxPoolLayer l = pool(c, h, w, k);
        LayerHarness.compareWithTwin(l, ties(l, 3, 47));
    }

    @Test
    void aTieByHand() {
        // one channel, 2x2 window [[1, 1], [0, 1]] and [[0, 2], [2, 2]]: the gradient goes to the first max
        MaxPoolLayer l = pool(1, 2, 4, 2);
        float[] x = {1, 1, 0, 2, 0, 1, 2, 2};
        LayerHarness.Result f = LayerHarness.fast(l, new LayerHarness.Values(new float[0], x, new float[]{5, 7}, 1));
        assertArrayEquals(new double[]{1, 2}, f.out(), 0.0);
        assertArrayEquals(new double[]{5, 0, 0, 7, 0, 0, 0, 0}, f.dIn(), 0.0);
    }

    @Test
    void aNaNWinsItsWindow() {
        MaxPoolLayer l = pool(1, 2, 2, 2);
        float[] x = {1, Float.NaN, 3, 2};
        LayerHarness.Result f = LayerHarness.fast(l, new LayerHarness.Values(new float[0], x, new float[]{1}, 1));
        assertTrue(Double.isNaN(f.out()[0]));
        assertArrayEquals(new double[]{0, 1, 0, 0}, f.dIn(), 0.0);
    }

    /**
     * The backward finds each window's winner again from the maximum: PyTorch's rule in the cases its arithmetic
     * search leaves to plain tests (a NaN maximum: the last NaN; an infinite one: the first) and a tie of -0 and
     * +0 (the first).
     */
    @Test
    void theBackwardFindsPyTorchsWinnerInEveryWindow() {
        MaxPoolLayer l = pool(1, 2, 8, 2);
        float inf = Float.POSITIVE_INFINITY;
        // windows [[NaN, 1], [NaN, 2]], [[1, inf], [inf, 0]], [[-0, 0], [-1, 0]], [[-inf, -inf], [-inf, -inf]]
        float[] x = {Float.NaN, 1, 1, inf, -0f, 0f, -inf, -inf, Float.NaN, 2, inf, 0, -1, 0, -inf, -inf};
        LayerHarness.Result f = LayerHarness.fast(l, new LayerHarness.Values(new float[0], x,
                new float[]{3, 5, 7, 9}, 1));
        assertTrue(Double.isNaN(f.out()[0]));
        assertEquals(inf, f.out()[1]);
        assertEquals(0.0, Math.abs(f.out()[2])); // its sign may differ from PyTorch's (MaxPoolLayer#forward)
        assertEquals(-inf, f.out()[3]);
        assertArrayEquals(new double[]{0, 0, 0, 5, 7, 0, 9, 0, 3, 0, 0, 0, 0, 0, 0, 0}, f.dIn(), 0.0);
    }

    /**
     * The SIMD backward (8 or 16 channels at a time) against the scalar one on windows full of ties, NaNs (the
     * last NaN wins) and infinities, with a channel count that leaves a scalar tail.
     */
    @Test
    void theScalarAndVectorBackwardsRouteAlike() {
        MaxPoolLayer v = pool(19, 4, 6, 2);
        LayerHarness.Values t = ties(v, 3, 53);
        float[] x = t.x().clone();
        java.util.SplittableRandom rng = new java.util.SplittableRandom(7);
        for (int i = 0; i < x.length; i++) {
            int r = rng.nextInt(20);
            // NaNs only in the last channels (the scalar tail) and in one window's first channel (its lanes go
            // the scalar way): elsewhere the lanes' own search runs, on ties, infinities and -0
            boolean nan = i % 19 >= 16 && r == 0 || i == 0;
            x[i] = nan ? Float.NaN : r == 1 ? Float.POSITIVE_INFINITY : r == 2 ? Float.NEGATIVE_INFINITY
                    : r == 3 ? -0f : x[i];
        }
        LayerHarness.Values vals = new LayerHarness.Values(t.params(), x, t.r(), 3);
        assertTrue(org.vaelab.model.Kernels.best().name().startsWith("vector"), "tests run with the Vector API");
        LayerHarness.Result fast = LayerHarness.fast(v, vals);
        MaxPoolLayer s = pool(19, 4, 6, 2);
        s.useKernels(new org.vaelab.model.ScalarKernels());
        LayerHarness.Result scalar = LayerHarness.fast(s, vals);
        assertArrayEquals(scalar.dIn(), fast.dIn(), 0.0);
        double nonZero = 0;
        for (double d : fast.dIn()) {
            nonZero += d != 0 ? 1 : 0;
        }
        // every window routes its gradient to one value
        assertEquals(3 * 2 * 3 * 19, nonZero, 3 * 2 * 3 * 19 * 0.01);
    }

    @Test
    void upsampleByHand() {
        UpsampleLayer l = up(2, 1, 2, 2);
        // NHWC [1, 2, 2]: pixel 0 = (1, 2), pixel 1 = (3, 4)
        float[] x = {1, 2, 3, 4};
        float[] r = new float[16];
        for (int i = 0; i < 16; i++) {
            r[i] = i;
        }
        LayerHarness.Result f = LayerHarness.fast(l, new LayerHarness.Values(new float[0], x, r, 1));
        assertArrayEquals(new double[]{1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4}, f.out(), 0.0);
        // channel 0 of pixel 0 collects r at output positions (0,0), (0,1), (1,0), (1,1): 0 + 2 + 8 + 10
        assertArrayEquals(new double[]{20, 24, 36, 40}, f.dIn(), 0.0);
    }

    /**
     * Why UpsampleLayer's twin permutes to NCHW: M2.1's upsampling2d backward is wrong for NHWC. If this fails
     * after an ND4J upgrade, the bug is fixed and the twin can call the NHWC op directly.
     */
    @Test
    void m21UpsamplingBackwardIsWrongInNhwc() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", Nd4j.arange(6).castTo(DataType.DOUBLE).reshape(1, 1, 3, 2));
        SDVariable y = sd.cnn().upsampling2d(x, 2, 2, false);
        sd.sum("loss", y.mul(sd.constant("r", Nd4j.arange(24).castTo(DataType.DOUBLE).reshape(1, 2, 6, 2))));
        sd.setLossVariables("loss");
        double got = sd.calculateGradients(Map.of(), "x").get("x").getDouble(0);
        // d loss / d x[0, 0, 0, 0] = r at (0,0), (0,1), (1,0), (1,1) in channel 0 = 0 + 2 + 12 + 14
        assertNotEquals(28.0, got, 1e-9, "M2.1's NHWC upsampling2d backward is right now: use it in the twin");
    }

    /** The finite-difference check is not vacuous: it catches that bug in a twin that used the NHWC op. */
    @Test
    void theFiniteDifferenceCheckCatchesTheNhwcBackward() {
        Layer buggy = new Layer("up", Shape.image(2, 2, 3), Shape.image(2, 4, 6)) {
            @Override
            public void allocate(int rows) {
            }

            @Override
            public float[] forward(float[] input, int rows, boolean training) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void backward(float[] dOut, int rows, float[] dIn) {
                throw new UnsupportedOperationException();
            }

            @Override
            public SDVariable graph(GraphContext g, SDVariable x) {
                return g.sd().cnn().upsampling2d(x, 2, 2, false);
            }
        };
        LayerHarness.Values v = LayerHarness.Values.random(buggy, 2, 9);
        assertThrows(AssertionFailedError.class, () -> LayerHarness.checkTwinGradients(buggy, v));
    }
}
