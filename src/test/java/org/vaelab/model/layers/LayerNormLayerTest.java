package org.vaelab.model.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.vaelab.model.Parameters;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.Shape;

/** LayerNorm's fast path against its twin (FLOAT), the twin against finite differences (DOUBLE). */
class LayerNormLayerTest {
    /** A vector, and an image with C, H, W all different so a wrong index mapping cannot hide. */
    static Shape shape(boolean image) {
        return image ? Shape.image(3, 4, 5) : Shape.vector(7);
    }

    @Test
    void parametersHavePyTorchsShapeAndInit() {
        LayerNormLayer l = new LayerNormLayer("dec_layernorm1", Shape.image(3, 4, 5), new LayerSpec.LayerNorm());
        List<Parameters.Param> p = l.params();
        assertEquals("dec_layernorm1_W", p.get(0).name());
        assertArrayEquals(new long[]{3, 4, 5}, p.get(0).shape());
        assertEquals(Parameters.Init.ONES, p.get(0).init());
        assertEquals("dec_layernorm1_b", p.get(1).name());
        assertEquals(Parameters.Init.ZEROS, p.get(1).init());
        assertTrue(l.state().isEmpty());
        assertEquals(120, l.paramCount());
        assertArrayEquals(new long[]{784},
                new LayerNormLayer("x", Shape.vector(784), new LayerSpec.LayerNorm()).params().get(0).shape());
    }

    /** Small shapes, and rows longer than the 64 summing lanes and not a multiple of them. */
    @ParameterizedTest(name = "[{0}, {1}, {2}] image={3}")
    @CsvSource({"7,1,1,false", "3,4,5,true", "198,1,1,false", "2,9,11,true"})
    void fastForwardAndBackwardMatchTheTwin(int c, int hh, int ww, boolean image) {
        int rows = 6;
        Shape s = image ? Shape.image(c, hh, ww) : Shape.vector(c);
        try (LayerHarness h = new LayerHarness(new LayerNormLayer("ln", s, new LayerSpec.LayerNorm()),
                DataType.FLOAT, 11)) {
            double[] x = h.input(rows);
            double[] r = h.upstream(rows);
            Map<String, INDArray> t = LayerHarness.run(h.twin(x, r, rows, true), h.params.names());
            h.layer.allocate(rows);
            float[] xf = LayerHarness.floats(x);
            // evaluation mode computes the same function and keeps nothing for a backward
            LayerHarness.assertClose(h.layer.forward(xf, rows, false).clone(), t.get("y"), 1e-5, "eval y");
            assertThrows(IllegalStateException.class, () -> h.layer.backward(new float[xf.length], rows, null));
            float[] y = h.layer.forward(xf, rows, true);
            LayerHarness.assertClose(y, t.get("y"), 1e-5, "y");
            float[] dIn = new float[xf.length];
            h.layer.backward(LayerHarness.floats(r), rows, dIn);
            LayerHarness.assertClose(dIn, t.get("dx"), 1e-4, "dx");
            LayerHarness.assertClose(h.grad("ln_W"), t.get("dln_W"), 1e-4, "dW");
            LayerHarness.assertClose(h.grad("ln_b"), t.get("dln_b"), 1e-4, "db");
            // without dIn (a first layer) the parameter gradients are still written, and overwritten not added
            h.layer.forward(xf, rows, true);
            h.layer.backward(LayerHarness.floats(r), rows, null);
            LayerHarness.assertClose(h.grad("ln_W"), t.get("dln_W"), 1e-4, "dW again");
        }
    }

    @ParameterizedTest(name = "image={0}")
    @ValueSource(booleans = {false, true})
    void twinGradientsMatchFiniteDifferences(boolean image) {
        int rows = 3;
        try (LayerHarness h = new LayerHarness(new LayerNormLayer("ln", shape(image), new LayerSpec.LayerNorm()),
                DataType.DOUBLE, 5)) {
            assertTrue(LayerHarness.gradientCheck(h.twin(h.input(rows), h.upstream(rows), rows, true)));
        }
    }

    @Test
    void oneTwinWithAPlaceholderServesAnyBatchSize() {
        try (LayerHarness h = new LayerHarness(new LayerNormLayer("ln", shape(true), new LayerSpec.LayerNorm()),
                DataType.FLOAT, 12)) {
            var twin = h.placeholderTwin(true);
            h.layer.allocate(5);
            for (int rows : new int[]{5, 2}) {
                double[] x = h.input(rows);
                LayerHarness.assertClose(LayerHarness.head(h.layer.forward(LayerHarness.floats(x), rows, true),
                        x.length), twin.apply(x, rows).get("y"), 1e-5, "y of " + rows + " rows");
            }
        }
    }
}
