package org.vaelab.model.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.Shape;

/**
 * ConvTransposeLayer's fast path against its twin (FLOAT), and the twin against finite differences (DOUBLE):
 * kernels 1 to 7 (square and not), strides 1 to 3, padding 0 to 2, output_padding 0 to 2 (below and above the
 * padding, where the last rows get only the bias), 1x1 inputs, one and several channels and rows, and blocks
 * that split the batch unevenly.
 */
class ConvTransposeLayerTest {

    static ConvTransposeLayer layer(int inC, int h, int w, int outC, int kh, int kw, int stride, int padH, int padW,
                                    int opH, int opW) {
        return new ConvTransposeLayer("dec_deconv1", Shape.image(inC, h, w),
                new LayerSpec.ConvTranspose(outC, kh, kw, stride, padH, padW, opH, opW));
    }

    @ParameterizedTest(name = "in [{0},{1},{2}] out {3} k {4}x{5} s {6} p {7}x{8} op {9}x{10} rows {11} block {12}")
    @CsvSource({
            "2, 4, 4, 3, 3, 3, 2, 1, 1, 1, 1, 2, 0",
            "4, 1, 1, 2, 7, 7, 1, 0, 0, 0, 0, 2, 0",
            "3, 4, 4, 2, 4, 4, 2, 1, 1, 0, 0, 3, 0",
            "2, 3, 5, 1, 5, 5, 3, 2, 2, 2, 1, 2, 0",
            "1, 5, 4, 2, 3, 3, 1, 0, 0, 0, 0, 1, 0",
            "2, 3, 3, 2, 2, 3, 2, 0, 1, 1, 0, 3, 0",
            "3, 4, 3, 1, 3, 3, 2, 1, 1, 0, 0, 2, 0",
            "2, 4, 4, 3, 1, 1, 2, 0, 0, 1, 1, 2, 0",
            "1, 3, 4, 1, 5, 3, 3, 1, 0, 2, 2, 1, 0",
            // blocks of 2 examples over 5 rows, and of one example
            "2, 4, 3, 3, 3, 3, 2, 1, 1, 1, 1, 5, 2",
            "2, 3, 3, 2, 4, 4, 2, 1, 1, 0, 0, 3, 1",
    })
    void matchesTheTwinAndFiniteDifferences(int inC, int h, int w, int outC, int kh, int kw, int stride, int padH,
                                            int padW, int opH, int opW, int rows, int blockExamples) {
        ConvTransposeLayer l = layer(inC, h, w, outC, kh, kw, stride, padH, padW, opH, opW);
        if (blockExamples > 0) {
            l.blockFloats(blockExamples * h * w * kh * kw * outC);
        }
        LayerHarness.compareWithTwin(l, LayerHarness.Values.random(l, rows, 31));
        LayerHarness.checkTwinGradients(l, LayerHarness.Values.random(l, Math.min(rows, 2), 6));
    }

    @Test
    void shapesAndParametersFollowPyTorch() {
        ConvTransposeLayer l = layer(64, 1, 1, 32, 7, 7, 1, 0, 0, 0, 0);
        assertEquals(Shape.image(32, 7, 7), l.outShape());
        assertArrayEquals(new long[]{7, 7, 32, 64}, l.params().get(0).shape());
        assertEquals("dec_deconv1_W", l.params().get(0).name());
        assertEquals("dec_deconv1_b", l.params().get(1).name());
        assertEquals(32L * 49, l.params().get(0).fanIn()); // PyTorch: weight.size(1) * kH * kW
        assertEquals(32L * 49, l.params().get(1).fanIn());
        // notebook 003: 7 -> 14 with kernel 3, stride 2, padding 1, output_padding 1
        assertEquals(Shape.image(16, 14, 14), layer(32, 7, 7, 16, 3, 3, 2, 1, 1, 1, 1).outShape());
    }

    @ParameterizedTest
    @EnumSource(value = LayerSpec.Nonlinearity.class, names = {"RELU", "LEAKY_RELU", "ELU", "TANH"})
    void aFusedActivationMatchesTheTwinWithIt(LayerSpec.Nonlinearity fn) {
        ConvTransposeLayer l = layer(2, 4, 4, 3, 3, 3, 2, 1, 1, 1, 1);
        assertTrue(l.fuse(fn));
        assertFalse(l.fuse(fn));
        LayerHarness.compareWithTwin(l, LayerHarness.Values.random(l, 3, 29));
    }

    @Test
    void sigmoidIsNotFused() {
        assertFalse(layer(2, 4, 4, 3, 3, 3, 2, 1, 1, 1, 1).fuse(LayerSpec.Nonlinearity.SIGMOID));
    }

    @Test
    void anEvaluationForwardNeedsOneBlockAndAgrees() {
        ConvTransposeLayer l = layer(2, 4, 3, 3, 3, 3, 2, 1, 1, 1, 1);
        l.fuse(LayerSpec.Nonlinearity.RELU);
        l.blockFloats(2 * 4 * 3 * 9 * 3);
        LayerHarness.assertEvaluationAgrees(l, LayerHarness.Values.random(l, 5, 13));
    }

    @Test
    void twoBackwardsGiveTheSameGradientsAcrossBlocks() {
        // the weight gradient sums over blocks: the first block must overwrite what the last call left
        ConvTransposeLayer l = layer(2, 3, 3, 2, 3, 3, 2, 1, 1, 0, 0);
        l.blockFloats(1);
        LayerHarness.Values v = LayerHarness.Values.random(l, 3, 4);
        assertArrayEquals(LayerHarness.fast(l, v).grads(), LayerHarness.fast(l, v).grads(), 0.0);
    }

    @Test
    void aFirstLayerWithoutInputGradientGetsTheSameParameterGradients() {
        LayerHarness.Values v = LayerHarness.Values.random(layer(2, 3, 3, 2, 3, 3, 2, 1, 1, 0, 0), 3, 8);
        assertArrayEquals(LayerHarness.fast(layer(2, 3, 3, 2, 3, 3, 2, 1, 1, 0, 0), v).grads(), LayerHarness.fast(layer(2, 3, 3, 2, 3, 3, 2, 1, 1, 0, 0), v, false).grads(), 0.0);
    }
}
