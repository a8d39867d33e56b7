package org.vaelab.model.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.opentest4j.AssertionFailedError;
import org.vaelab.model.ScalarKernels;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.Shape;

/**
 * ConvLayer's fast path against its SameDiff twin (FLOAT), and the twin's gradients against finite differences
 * (DOUBLE), over kernels 1 to 7 (square and not), strides 1 to 3, padding 0 to 2 and 'same' (odd and even
 * kernels), odd and even sizes, one and several channels, one and several rows, and blocks of examples that
 * split the batch unevenly.
 */
class ConvLayerTest {

    static ConvLayer layer(int inC, int h, int w, int outC, int kh, int kw, int stride, int padH, int padW,
                           boolean same) {
        return new ConvLayer("enc_conv1", Shape.image(inC, h, w),
                new LayerSpec.Conv(outC, kh, kw, stride, padH, padW, same));
    }

    @ParameterizedTest(name = "in [{0},{1},{2}] out {3} k {4}x{5} s {6} p {7}x{8} same={9} rows {10} block {11}")
    @CsvSource({
            "1, 5, 5, 1, 1, 1, 1, 0, 0, false, 1, 0",
            "1, 7, 6, 3, 3, 3, 2, 1, 1, false, 3, 0",
            "2, 8, 8, 4, 5, 5, 1, 2, 2, false, 2, 0",
            "3, 9, 7, 2, 7, 7, 1, 0, 0, false, 2, 0",
            "1, 7, 7, 3, 7, 7, 1, 0, 0, false, 3, 0",
            "2, 7, 8, 3, 3, 3, 3, 1, 1, false, 4, 0",
            "2, 6, 5, 3, 3, 2, 2, 2, 1, false, 2, 0",
            "2, 5, 5, 2, 5, 5, 2, 2, 2, false, 1, 0",
            "2, 6, 6, 3, 4, 4, 1, 0, 0, true, 2, 0",
            "2, 5, 6, 2, 3, 5, 1, 0, 0, true, 3, 0",
            "1, 5, 4, 2, 2, 2, 1, 0, 0, true, 1, 0",
            "3, 6, 5, 2, 1, 1, 2, 0, 0, false, 3, 0",
            // blocks of 2 examples over 5 rows (2 + 2 + 1), and of one example
            "2, 6, 7, 3, 3, 3, 2, 1, 1, false, 5, 2",
            "2, 5, 5, 2, 5, 5, 1, 0, 0, true, 3, 1",
            // kernel rows of kW inC >= ConvLayer.DIRECT_RUN values: im2col's bulk copies into native memory, with
            // padding (zeros written there), stride, 'same' and blocks
            "4, 7, 6, 3, 5, 5, 2, 2, 2, false, 3, 0",
            "8, 5, 6, 4, 3, 3, 1, 0, 0, true, 5, 2",
            "6, 6, 6, 2, 3, 3, 1, 0, 0, false, 2, 0",
    })
    void matchesTheTwinAndFiniteDifferences(int inC, int h, int w, int outC, int kh, int kw, int stride, int padH,
                                            int padW, boolean same, int rows, int blockExamples) {
        ConvLayer l = layer(inC, h, w, outC, kh, kw, stride, padH, padW, same);
        if (blockExamples > 0) {
            l.blockFloats(blockExamples * l.outShape().height() * l.outShape().width() * kh * kw * inC);
        }
        LayerHarness.Values v = LayerHarness.Values.random(l, rows, 17);
        LayerHarness.compareWithTwin(l, v);
        LayerHarness.checkTwinGradients(l, LayerHarness.Values.random(l, Math.min(rows, 2), 5));
    }

    @Test
    void shapesAndParametersFollowPyTorch() {
        ConvLayer l = layer(3, 28, 28, 8, 5, 3, 2, 1, 1, false);
        assertEquals(Shape.image(8, 13, 14), l.outShape());
        assertEquals(2, l.params().size());
        assertEquals("enc_conv1_W", l.params().get(0).name());
        assertArrayEquals(new long[]{5, 3, 3, 8}, l.params().get(0).shape());
        assertEquals(45, l.params().get(0).fanIn());
        assertArrayEquals(new long[]{8}, l.params().get(1).shape());
        assertEquals(45, l.params().get(1).fanIn());
        assertEquals(5 * 3 * 3 * 8 + 8, l.paramCount());
        assertEquals(Shape.image(4, 7, 6), layer(2, 7, 6, 4, 4, 4, 1, 0, 0, true).outShape());
        assertThrows(LayerSpec.LayerShapeException.class, () -> layer(1, 6, 6, 2, 9, 9, 1, 0, 0, false));
    }

    @ParameterizedTest
    @EnumSource(value = LayerSpec.Nonlinearity.class, names = {"RELU", "LEAKY_RELU", "ELU", "TANH"})
    void aFusedActivationMatchesTheTwinWithIt(LayerSpec.Nonlinearity fn) {
        ConvLayer l = layer(2, 6, 7, 3, 3, 3, 2, 1, 1, false);
        assertTrue(l.fuse(fn));
        assertFalse(l.fuse(fn), "a second activation cannot be fused");
        LayerHarness.compareWithTwin(l, LayerHarness.Values.random(l, 3, 23));
    }

    @Test
    void sigmoidIsNotFused() {
        ConvLayer l = layer(1, 5, 5, 2, 3, 3, 1, 1, 1, false);
        assertFalse(l.fuse(LayerSpec.Nonlinearity.SIGMOID));
        // still the plain conv
        LayerHarness.compareWithTwin(l, LayerHarness.Values.random(l, 2, 3));
    }

    @Test
    void theScalarKernelsGiveTheSameLayer() {
        ConvLayer a = layer(2, 7, 6, 3, 3, 3, 1, 1, 1, false);
        a.fuse(LayerSpec.Nonlinearity.ELU);
        LayerHarness.Values v = LayerHarness.Values.random(a, 4, 9);
        LayerHarness.Result ra = LayerHarness.fast(a, v);
        ConvLayer b = layer(2, 7, 6, 3, 3, 3, 1, 1, 1, false);
        b.fuse(LayerSpec.Nonlinearity.ELU);
        b.kernels(new ScalarKernels());
        LayerHarness.Result rb = LayerHarness.fast(b, v);
        LayerHarness.assertClose(ra.out(), rb.out(), 1e-6, "scalar kernels, output");
        LayerHarness.assertClose(ra.dIn(), rb.dIn(), 1e-5, "scalar kernels, d input");
        LayerHarness.assertClose(ra.grads(), rb.grads(), 1e-5, "scalar kernels, grads");
    }

    @Test
    void anEvaluationForwardNeedsOneBlockAndAgrees() {
        // blocks of 2 examples over 5 rows: the evaluation reuses one block of columns, then training grows them
        ConvLayer l = layer(2, 6, 7, 3, 3, 3, 2, 1, 1, false);
        l.fuse(LayerSpec.Nonlinearity.TANH);
        l.blockFloats(2 * l.outShape().height() * l.outShape().width() * 9 * 2);
        LayerHarness.assertEvaluationAgrees(l, LayerHarness.Values.random(l, 5, 12));
    }

    @Test
    void anEvaluationForwardAgreesWithBulkCopiedColumns() {
        ConvLayer l = layer(8, 6, 7, 3, 3, 3, 2, 1, 1, false);
        assertTrue(3 * 8 >= ConvLayer.DIRECT_RUN);
        l.fuse(LayerSpec.Nonlinearity.RELU);
        l.blockFloats(2 * l.outShape().height() * l.outShape().width() * 9 * 8);
        LayerHarness.assertEvaluationAgrees(l, LayerHarness.Values.random(l, 5, 13));
    }

    @Test
    void twoBackwardsGiveTheSameGradients() {
        ConvLayer l = layer(2, 6, 6, 2, 3, 3, 2, 1, 1, false);
        l.blockFloats(1);
        LayerHarness.Values v = LayerHarness.Values.random(l, 3, 4);
        assertArrayEquals(LayerHarness.fast(l, v).grads(), LayerHarness.fast(l, v).grads(), 0.0);
    }

    /** The comparison is not vacuous: one weight-gradient element off by ten tolerances fails it. */
    @Test
    void aBrokenGradientFailsTheComparison() {
        ConvLayer l = layer(2, 6, 6, 2, 3, 3, 2, 1, 1, false);
        LayerHarness.Values v = LayerHarness.Values.random(l, 2, 4);
        LayerHarness.Result f = LayerHarness.fast(l, v);
        LayerHarness.Result t = LayerHarness.twin(l, v, org.nd4j.linalg.api.buffer.DataType.FLOAT);
        LayerHarness.assertClose(t.grads(), f.grads(), LayerHarness.GRAD_TOL, "intact");
        double scale = 0;
        for (double d : t.grads()) {
            scale = Math.max(scale, Math.abs(d));
        }
        double[] broken = f.grads().clone();
        broken[5] += 10 * LayerHarness.GRAD_TOL * scale;
        assertThrows(AssertionFailedError.class,
                () -> LayerHarness.assertClose(t.grads(), broken, LayerHarness.GRAD_TOL, "broken"));
        assertTrue(List.of(l.params().get(0).name()).contains("enc_conv1_W"));
    }

    @Test
    void aFirstLayerWithoutInputGradientGetsTheSameParameterGradients() {
        LayerHarness.Values v = LayerHarness.Values.random(layer(2, 6, 6, 2, 3, 3, 2, 1, 1, false), 3, 8);
        assertArrayEquals(LayerHarness.fast(layer(2, 6, 6, 2, 3, 3, 2, 1, 1, false), v).grads(), LayerHarness.fast(layer(2, 6, 6, 2, 3, 3, 2, 1, 1, false), v, false).grads(), 0.0);
    }
}
