package org.vaelab.model.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.validation.GradCheckUtil;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.model.Kernels;
import org.vaelab.model.Parameters;
import org.vaelab.model.ScalarKernels;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.LayerSpec.Nonlinearity;
import org.vaelab.spec.Shape;

/**
 * Each of the engine's own layer kinds (linear, the nonlinearities, flatten, reshape), alone and chained, with
 * and without a fused activation: the fast FLOAT forward and backward (output, d input, every parameter
 * gradient) against the SameDiff twin in FLOAT, with both kernel sets, and the twin's DOUBLE gradients against
 * finite differences.
 */
class LayersTest {
    private static final int N = 3;

    private static LayerSpec act(Nonlinearity fn) {
        return new LayerSpec.Act(fn);
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        out.add(Arguments.of("linear", Shape.vector(7), List.of(new LayerSpec.Linear(5))));
        for (Nonlinearity fn : Nonlinearity.values()) {
            // fused into the linear layer
            out.add(Arguments.of("linear+" + fn.yaml(), Shape.vector(7), List.of(new LayerSpec.Linear(6), act(fn))));
            // on its own, on an image
            out.add(Arguments.of(fn.yaml(), Shape.image(3, 2, 4), List.of(act(fn))));
        }
        out.add(Arguments.of("flatten 3ch", Shape.image(3, 2, 4), List.of(new LayerSpec.Flatten())));
        out.add(Arguments.of("flatten 1ch", Shape.image(1, 3, 4), List.of(new LayerSpec.Flatten())));
        out.add(Arguments.of("reshape to 3ch", Shape.vector(12), List.of(new LayerSpec.Reshape(3, 2, 2))));
        out.add(Arguments.of("reshape 1ch", Shape.vector(12), List.of(new LayerSpec.Reshape(1, 3, 4))));
        out.add(Arguments.of("reshape image", Shape.image(3, 2, 2), List.of(new LayerSpec.Reshape(2, 3, 2))));
        out.add(Arguments.of("chain", Shape.image(2, 3, 3), List.of(new LayerSpec.Flatten(),
                new LayerSpec.Linear(8), act(Nonlinearity.ELU), new LayerSpec.Reshape(2, 2, 2),
                act(Nonlinearity.SIGMOID), new LayerSpec.Flatten(), new LayerSpec.Linear(3),
                new LayerSpec.Linear(4), act(Nonlinearity.TANH))));
        return out.stream();
    }

    private static long[] shape(int n, Shape s) {
        return s.image() ? new long[]{n, s.height(), s.width(), s.channels()} : new long[]{n, s.channels()};
    }

    private static float[] random(int len, long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = (float) ((2 * r.nextDouble() - 1) * scale);
        }
        return a;
    }

    private static Map<String, Long> offsets(List<Parameters.Param> ps) {
        Map<String, Long> m = new HashMap<>();
        long off = 0;
        for (Parameters.Param p : ps) {
            m.put(p.name(), off);
            off += p.length();
        }
        return m;
    }

    /** The twin of {@code layers} on {@code x}, parameters as variables named as in the flat buffer. */
    private static SDVariable twin(SameDiff sd, List<Layer> layers, SDVariable x, Parameters p) {
        Map<String, SDVariable> vars = new HashMap<>();
        ParamContext g = new ParamContext(sd, n -> vars.computeIfAbsent(n, k -> sd.var(k, p.view(k).dup())),
                null, true);
        SDVariable h = x;
        for (Layer l : layers) {
            h = l.graph(g, h);
        }
        return h;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void fastMatchesTheTwin(String label, Shape in, List<LayerSpec> specs) {
        compare(in, specs, Kernels.best());
        compare(in, specs, new ScalarKernels());
    }

    private static void compare(Shape in, List<LayerSpec> specs, Kernels kern) {
        List<Layer> layers = Layers.build("enc", specs, in);
        Shape outShape = layers.get(layers.size() - 1).outShape();
        List<Parameters.Param> ps = new ArrayList<>();
        layers.forEach(l -> ps.addAll(l.params()));
        // one dummy value keeps the buffer non-empty for parameter-free layers
        List<Parameters.Param> all = ps.isEmpty() ? List.of(new Parameters.Param("unused", new long[]{1}, 1)) : ps;
        try (Parameters p = new Parameters(all, DataType.FLOAT); Workspace ws = new Workspace()) {
            p.initialise(5);
            p.flat().muli(2); // larger weights: some pre-activations well below zero
            INDArray grads = Nd4j.create(DataType.FLOAT, 1, p.size());
            LayerStack stack = new LayerStack(layers);
            stack.useKernels(kern);
            stack.bind(Blas.pointer(p.flat()), Blas.pointer(grads), offsets(all), ws);
            stack.allocate(N, true);
            ws.commit();
            float[] x = random(N * in.size(), 1, 2);
            float[] y = stack.forward(x, N, true).clone();
            float[] gOut = random(N * outShape.size(), 2, 1);
            float[] dIn = new float[N * in.size()];
            stack.backward(gOut.clone(), N, dIn);

            SameDiff sd = SameDiff.create();
            SDVariable xv = sd.var("input", Nd4j.createFromArray(x).reshape(shape(N, in)));
            SDVariable h = twin(sd, stack.running(), xv, p);
            SDVariable loss = sd.sum(h.mul(sd.constant(Nd4j.createFromArray(gOut).reshape(shape(N, outShape)))));
            sd.setLossVariables(loss);
            float[] yRef = sd.output(Map.of(), h.name()).get(h.name()).dup().data().asFloat();
            assertClose(yRef, y, "output");
            List<String> names = new ArrayList<>();
            names.add("input");
            ps.forEach(q -> names.add(q.name()));
            Map<String, INDArray> g = sd.calculateGradients(Map.of(), names);
            assertClose(g.get("input").dup().data().asFloat(), dIn, "d input");
            float[] fast = grads.toFloatVector();
            Map<String, Long> off = offsets(all);
            for (Parameters.Param q : ps) {
                float[] ref = g.get(q.name()).dup().data().asFloat();
                float[] mine = new float[ref.length];
                System.arraycopy(fast, Math.toIntExact(off.get(q.name())), mine, 0, ref.length);
                assertClose(ref, mine, q.name());
            }
            // forward-only on more rows than the backward buffers were sized for
            stack.allocate(2 * N, false);
            ws.commit();
            float[] x2 = new float[2 * N * in.size()];
            System.arraycopy(x, 0, x2, 0, x.length);
            System.arraycopy(x, 0, x2, x.length, x.length);
            float[] y2 = stack.forward(x2, 2 * N, false);
            // (not bit for bit: a flat elementwise pass puts other values in the SIMD loop's scalar tail)
            for (int i = 0; i < y.length; i++) {
                assertEquals(y[i], y2[i], 1e-6f, "row block " + i);
                assertEquals(y[i], y2[y.length + i], 1e-6f, "second row block " + i);
            }
            stack.close();
            grads.close();
        }
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double scale = 1e-3;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 2e-5 * scale, what + "[" + i + "]");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void twinGradientsMatchFiniteDifferences(String label, Shape in, List<LayerSpec> specs) {
        List<Layer> layers = Layers.build("enc", specs, in);
        Shape outShape = layers.get(layers.size() - 1).outShape();
        List<Parameters.Param> ps = new ArrayList<>();
        layers.forEach(l -> ps.addAll(l.params()));
        List<Parameters.Param> all = ps.isEmpty() ? List.of(new Parameters.Param("unused", new long[]{1}, 1)) : ps;
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE); // GradCheckUtil insists
        try (Parameters p = new Parameters(all, DataType.DOUBLE)) {
            p.initialise(5);
            p.flat().muli(2);
            SameDiff sd = SameDiff.create();
            INDArray x = Nd4j.createFromArray(random(N * in.size(), 1, 2)).castTo(DataType.DOUBLE)
                    .reshape(shape(N, in));
            SDVariable h = twin(sd, layers, sd.var("input", x), p);
            INDArray gOut = Nd4j.createFromArray(random(N * outShape.size(), 2, 1)).castTo(DataType.DOUBLE)
                    .reshape(shape(N, outShape));
            sd.setLossVariables(sd.sum(h.mul(sd.constant(gOut))));
            assertTrue(GradCheckUtil.checkGradients(sd, Map.of(), 1e-6, 1e-5, 1e-8, false, false),
                    "gradient check failed for " + label);
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    @Test
    void namesFollowTheShorthandsScheme() {
        List<LayerSpec> specs = List.of(new LayerSpec.Flatten(), new LayerSpec.Linear(4), act(Nonlinearity.RELU),
                new LayerSpec.Linear(3), act(Nonlinearity.RELU));
        List<Layer> l = Layers.build("enc", specs, Shape.image(1, 2, 3));
        assertEquals("enc_dense0", l.get(1).name());
        assertEquals("enc_dense1", l.get(3).name());
        assertEquals(List.of("enc_dense0_W", "enc_dense0_b"), l.get(1).params().stream().map(Parameters.Param::name).toList());
        assertEquals(6, l.get(1).params().get(0).fanIn());
        LayerStack s = new LayerStack(l);
        // both activations fused into the linear layers; the flatten of one channel moves nothing
        assertEquals(3, s.running().size());
        assertSame(Nonlinearity.RELU, s.running().get(1).fused());
        assertTrue(s.running().get(0).copyFree());
        assertFalse(s.deferOutputBias(), "a linear layer with a fused relu cannot leave its bias out");
    }

    @Test
    void aLayerThatDoesNotFitNamesTheShapes() {
        LayerSpec.LayerShapeException e = assertThrows(LayerSpec.LayerShapeException.class,
                () -> Layers.build("dec", List.of(new LayerSpec.Linear(4), new LayerSpec.Reshape(3, 2, 2)),
                        Shape.vector(2)));
        assertTrue(e.getMessage().contains("[4]"), e.getMessage());
    }
}
