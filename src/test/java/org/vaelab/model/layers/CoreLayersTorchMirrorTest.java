package org.vaelab.model.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.LayerSpec.Nonlinearity;
import org.vaelab.spec.Shape;

/**
 * The twins of the engine's own layer kinds against PyTorch 1.13 in float64: {@code F.linear} (alone and with
 * each fused nonlinearity), every nonlinearity on its own (relu, leaky_relu 0.01, elu, tanh, sigmoid) on images
 * and vectors, {@code nn.Flatten} of a many-channel image and {@code view(-1, C, H, W)} from a vector and from an
 * image: forward output and the gradients of input, weight and bias under {@code sum(out * r)}
 * (src/test/resources/org/vaelab/model/layers/core_mirror.py). The fast paths are tied to the twins by
 * LayersTest. Skipped when Debian's /usr/bin/python3 has no torch.
 */
class CoreLayersTorchMirrorTest {
    private static final int ROWS = 3;


    private static long[] layout(Shape s) {
        return s.image() ? new long[]{ROWS, s.height(), s.width(), s.channels()} : new long[]{ROWS, s.channels()};
    }

    private static double[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = 4 * r.nextDouble() - 2;
        }
        return a;
    }

    private static Object shape(Shape s) {
        return new Object[]{s.channels(), s.height(), s.width(), s.image()};
    }

    /** One case: the layer (fused with {@code fn} if given) run as a DOUBLE twin, and what PyTorch must match. */
    private static Map<String, Object> export(String name, Shape in, LayerSpec spec, Nonlinearity fn) {
        Layer l = Layers.create("l", in, spec);
        if (fn != null) {
            assertTrue(l.fuse(fn), name);
        }
        Shape out = l.outShape();
        double[] x = random(ROWS * in.size(), name.hashCode());
        double[] r = random(ROWS * out.size(), name.hashCode() + 1L);
        SameDiff sd = SameDiff.create();
        SDVariable xv = sd.var("input", Nd4j.createFromArray(x).reshape(layout(in)));
        Map<String, INDArray> values = new HashMap<>();
        long seed = 7;
        for (org.vaelab.model.Parameters.Param p : l.params()) {
            values.put(p.name(), Nd4j.createFromArray(random((int) p.length(), seed++)).reshape(p.shape()));
        }
        Map<String, SDVariable> vars = new HashMap<>();
        ParamContext g = new ParamContext(sd, n -> vars.computeIfAbsent(n, k -> sd.var(k, values.get(k))), null,
                true);
        SDVariable y = l.graph(g, xv);
        sd.setLossVariables(sd.sum(y.mul(sd.constant(Nd4j.createFromArray(r).reshape(layout(out))))));
        List<String> names = new ArrayList<>(List.of("input"));
        l.params().forEach(p -> names.add(p.name()));
        Map<String, INDArray> grads = sd.calculateGradients(Map.of(), names);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", name);
        c.put("kind", spec instanceof LayerSpec.Act ? "act" : spec.kind());
        c.put("in", shape(in));
        c.put("out_shape", shape(out));
        c.put("rows", ROWS);
        c.put("x", x);
        c.put("r", r);
        c.put("out", sd.output(Map.of(), y.name()).get(y.name()).dup().data().asDouble());
        c.put("dx", grads.get("input").dup().data().asDouble());
        Nonlinearity act = spec instanceof LayerSpec.Act a ? a.fn() : fn;
        if (act != null) {
            c.put("act", act.yaml());
        }
        if (spec instanceof LayerSpec.Linear lin) {
            c.put("features", lin.features());
            c.put("W", values.get("l_W").data().asDouble());
            c.put("b", values.get("l_b").data().asDouble());
            c.put("dW", grads.get("l_W").dup().data().asDouble());
            c.put("db", grads.get("l_b").dup().data().asDouble());
        }
        return c;
    }

    @Test
    void twinsMatchPyTorch(@TempDir Path dir) throws Exception {
        assumeTrue(LayerHarness.torchAvailable(), "no torch in " + LayerHarness.PYTHON);
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        List<Map<String, Object>> cases = new ArrayList<>();
        try {
            cases.add(export("linear", Shape.vector(7), new LayerSpec.Linear(5), null));
            for (Nonlinearity fn : Nonlinearity.values()) {
                cases.add(export("linear + " + fn.yaml(), Shape.vector(6), new LayerSpec.Linear(4), fn));
                cases.add(export(fn.yaml() + " on an image", Shape.image(3, 2, 4), new LayerSpec.Act(fn), null));
                cases.add(export(fn.yaml() + " on a vector", Shape.vector(5), new LayerSpec.Act(fn), null));
            }
            cases.add(export("flatten 3 channels", Shape.image(3, 2, 4), new LayerSpec.Flatten(), null));
            cases.add(export("flatten 1 channel", Shape.image(1, 3, 4), new LayerSpec.Flatten(), null));
            cases.add(export("view vector to [3, 2, 2]", Shape.vector(12), new LayerSpec.Reshape(3, 2, 2), null));
            cases.add(export("view [3, 2, 2] to [2, 3, 2]", Shape.image(3, 2, 2), new LayerSpec.Reshape(2, 3, 2),
                    null));
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }

        JsonNode r = LayerHarness.mirror("core_mirror.py", cases, dir, 180);
        String text = r.toString();
        assertEquals(cases.size(), r.size(), text);
        for (Iterator<Map.Entry<String, JsonNode>> it = r.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> c = it.next();
            for (Iterator<Map.Entry<String, JsonNode>> a = c.getValue().fields(); a.hasNext(); ) {
                Map.Entry<String, JsonNode> d = a.next();
                // M2.1's leakyrelu_bp multiplies by the slope as a float (0.01f = 0.01 - 2.2e-10), its forward
                // does not: its gradients differ from PyTorch's by ~2e-10 relative, which the fast path shares
                double tol = c.getKey().contains("leaky_relu") && !d.getKey().equals("out") ? 5e-10 : 1e-10;
                assertTrue(d.getValue().asDouble() < tol, c.getKey() + ": " + d.getKey()
                        + " differs from PyTorch by " + d.getValue().asDouble() + " (relative): " + text);
            }
        }
    }
}
