package org.vaelab.model.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.vaelab.model.Parameters;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.Shape;

/**
 * BatchNorm's fast path against its twin (FLOAT) in both modes, running statistics included, and the twin
 * against finite differences (DOUBLE).
 */
class BatchNormLayerTest {
    static Shape shape(boolean image) {
        return image ? Shape.image(3, 4, 5) : Shape.vector(7);
    }

    static BatchNormLayer layer(boolean image) {
        return new BatchNormLayer("bn", shape(image), new LayerSpec.BatchNorm());
    }

    @Test
    void parametersAndStateAsPyTorch() {
        BatchNormLayer l = new BatchNormLayer("enc_batchnorm2", Shape.image(16, 7, 7), new LayerSpec.BatchNorm());
        List<Parameters.Param> p = l.params();
        assertEquals(List.of("enc_batchnorm2_W", "enc_batchnorm2_b"), p.stream().map(Parameters.Param::name).toList());
        assertArrayEquals(new long[]{16}, p.get(0).shape());
        assertEquals(Parameters.Init.ONES, p.get(0).init());
        assertEquals(Parameters.Init.ZEROS, p.get(1).init());
        List<Parameters.Param> s = l.state();
        assertEquals(List.of("enc_batchnorm2_mean", "enc_batchnorm2_var"),
                s.stream().map(Parameters.Param::name).toList());
        assertEquals(Parameters.Init.ZEROS, s.get(0).init());
        assertEquals(Parameters.Init.ONES, s.get(1).init());
        assertEquals(32, l.paramCount());
    }

    /**
     * Small shapes, then batches spanning many chunks of the loops (so partial float sums are moved into
     * double several times), one channel, and more channels than a chunk holds.
     */
    @ParameterizedTest(name = "[{0}, {1}, {2}] image={3} rows={4}")
    @CsvSource({"7,1,1,false,5", "3,4,5,true,5", "2,28,28,true,24", "1,28,28,true,24", "1500,1,1,false,24"})
    void trainingForwardBackwardAndRunningStatisticsMatchTheTwin(int c, int hh, int ww, boolean image, int rows) {
        Shape s = image ? Shape.image(c, hh, ww) : Shape.vector(c);
        try (LayerHarness h = new LayerHarness(new BatchNormLayer("bn", s, new LayerSpec.BatchNorm()),
                DataType.FLOAT, 21)) {
            double[] x = h.input(rows);
            double[] r = h.upstream(rows);
            Map<String, INDArray> t = LayerHarness.run(h.twin(x, r, rows, true), h.params.names());
            h.layer.allocate(rows);
            float[] xf = LayerHarness.floats(x);
            float[] y = h.layer.forward(xf, rows, true);
            LayerHarness.assertClose(y, t.get("y"), 1e-5, "y");
            LayerHarness.assertClose(h.state.view("bn_mean").toFloatVector(), t.get("bn_mean"), 1e-6, "running mean");
            LayerHarness.assertClose(h.state.view("bn_var").toFloatVector(), t.get("bn_var"), 1e-5, "running var");
            float[] dIn = new float[xf.length];
            h.layer.backward(LayerHarness.floats(r), rows, dIn);
            LayerHarness.assertClose(dIn, t.get("dx"), 1e-4, "dx");
            LayerHarness.assertClose(h.grad("bn_W"), t.get("dbn_W"), 1e-4, "dW");
            LayerHarness.assertClose(h.grad("bn_b"), t.get("dbn_b"), 1e-4, "db");
        }
    }

    @ParameterizedTest(name = "image={0}")
    @CsvSource({"false", "true"})
    void evaluationUsesTheRunningStatisticsAndLeavesThem(boolean image) {
        int rows = 4;
        try (LayerHarness h = new LayerHarness(layer(image), DataType.FLOAT, 22)) {
            double[] x = h.input(rows);
            Map<String, INDArray> t = LayerHarness.run(h.twin(x, h.upstream(rows), rows, false), h.params.names());
            float[] before = h.state.toFloats();
            h.layer.allocate(rows);
            float[] xf = LayerHarness.floats(x);
            LayerHarness.assertClose(h.layer.forward(xf, rows, false), t.get("y"), 1e-5, "y");
            assertArrayEquals(before, h.state.toFloats());
            assertThrows(IllegalStateException.class, () -> h.layer.backward(new float[xf.length], rows, null));
            // the running statistics really are used: a training forward of the same rows gives another output
            float[] train = h.layer.forward(xf, rows, true);
            double diff = 0;
            double[] ev = t.get("y").dup().castTo(DataType.DOUBLE).data().asDouble();
            for (int i = 0; i < ev.length; i++) {
                diff = Math.max(diff, Math.abs(train[i] - ev[i]));
            }
            assertTrue(diff > 0.1, "training and evaluation outputs agree: " + diff);
        }
    }

    @ParameterizedTest(name = "image={0}")
    @CsvSource({"false", "true"})
    void runningStatisticsAfterSeveralForwardsMatchTheTwinIterated(boolean image) {
        try (LayerHarness fast = new LayerHarness(layer(image), DataType.FLOAT, 23);
             LayerHarness ref = new LayerHarness(layer(image), DataType.DOUBLE, 23)) {
            fast.layer.allocate(6);
            for (int rows : new int[]{6, 2, 5}) {
                double[] x = fast.input(rows);
                fast.layer.forward(LayerHarness.floats(x), rows, true);
                LayerHarness.Twin t = ref.twin(x, fast.upstream(rows), rows, true);
                Map<String, INDArray> o = t.sd().output(Map.of(), t.updates().values().toArray(new String[0]));
                Map<String, INDArray> next = new LinkedHashMap<>();
                t.updates().forEach((entry, var) -> next.put(entry, o.get(var)));
                ref.state.apply(next);
            }
            LayerHarness.assertClose(fast.state.toFloats(), ref.state.flat(), 1e-5, "running statistics");
            // and they moved: three steps of momentum 0.1 from random starting values
            double[] start = new LayerHarness(layer(image), DataType.DOUBLE, 23).state.flat().toDoubleVector();
            double[] end = ref.state.flat().toDoubleVector();
            for (int i = 0; i < start.length; i++) {
                assertTrue(Math.abs(start[i] - end[i]) > 1e-3, "entry " + i + " did not move");
            }
        }
    }

    @Test
    void oneValuePerChannelInTrainingIsRefusedAsByPyTorch() {
        try (LayerHarness h = new LayerHarness(layer(false), DataType.FLOAT, 24)) {
            h.layer.allocate(1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> h.layer.forward(new float[7], 1, true));
            assertTrue(e.getMessage().contains("at least 2 examples"), e.getMessage());
            h.layer.forward(new float[7], 1, false); // evaluation of one example is fine
        }
        try (LayerHarness h = new LayerHarness(layer(true), DataType.FLOAT, 24)) {
            h.layer.allocate(1);
            h.layer.forward(new float[60], 1, true); // one image still has 20 values per channel
        }
    }

    @ParameterizedTest(name = "image={0} training={1}")
    @CsvSource({"false,true", "true,true", "false,false", "true,false"})
    void twinGradientsMatchFiniteDifferences(boolean image, boolean training) {
        int rows = 3;
        try (LayerHarness h = new LayerHarness(layer(image), DataType.DOUBLE, 25)) {
            assertTrue(LayerHarness.gradientCheck(h.twin(h.input(rows), h.upstream(rows), rows, training)));
        }
    }

    @ParameterizedTest(name = "image={0} training={1}")
    @CsvSource({"false,true", "true,true", "true,false"})
    void oneTwinWithAPlaceholderServesAnyBatchSize(boolean image, boolean training) {
        try (LayerHarness h = new LayerHarness(layer(image), DataType.FLOAT, 26)) {
            var twin = h.placeholderTwin(training);
            h.layer.allocate(7);
            for (int rows : new int[]{7, 3, 5}) {
                double[] x = h.input(rows);
                Map<String, INDArray> t = twin.apply(x, rows);
                LayerHarness.assertClose(LayerHarness.head(h.layer.forward(LayerHarness.floats(x), rows, training),
                        x.length), t.get("y"), 1e-5,
                        "y of " + rows + " rows");
                assertEquals(training ? List.of("y", "bn_mean", "bn_var") : List.of("y"), List.copyOf(t.keySet()));
                if (training) {
                    // the graph was fed the state before this step; the fast path has since moved it in place
                    LayerHarness.assertClose(h.state.view("bn_mean").toFloatVector(), t.get("bn_mean"), 1e-6, "mean");
                    LayerHarness.assertClose(h.state.view("bn_var").toFloatVector(), t.get("bn_var"), 1e-5, "var");
                }
            }
        }
    }
}
