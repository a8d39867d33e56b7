package org.vaelab.model.layers;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.Shape;

/**
 * LayerNorm and BatchNorm on both paths against PyTorch 1.13 (src/test/resources/.../norm_mirror.py): three
 * training batches of different sizes (outputs, input and parameter gradients, then the running statistics)
 * and one evaluation batch, the twin in float64 and the fast path in FLOAT. Skipped when Debian's
 * /usr/bin/python3 has no torch.
 */
class NormTorchMirrorTest {


    private static Layer layer(String kind, Shape s) {
        return kind.equals("layernorm") ? new LayerNormLayer("n", s, new LayerSpec.LayerNorm())
                : new BatchNormLayer("n", s, new LayerSpec.BatchNorm());
    }

    private static double[] doubles(INDArray a) {
        return a.dup().castTo(DataType.DOUBLE).data().asDouble();
    }

    @ParameterizedTest(name = "{0} image={1}")
    @CsvSource({"layernorm,false", "layernorm,true", "batchnorm,false", "batchnorm,true"})
    void bothModesMatchPyTorch(String kind, boolean image, @TempDir Path dir) throws Exception {
        assumeTrue(LayerHarness.torchAvailable(), "no torch in " + LayerHarness.PYTHON);
        Shape s = image ? Shape.image(3, 4, 5) : Shape.vector(6);
        Map<String, Object> out = new LinkedHashMap<>();
        try (LayerHarness ref = new LayerHarness(layer(kind, s), DataType.DOUBLE, 31);
             LayerHarness fast = new LayerHarness(layer(kind, s), DataType.FLOAT, 31)) {
            out.put("kind", kind);
            out.put("c", s.channels());
            out.put("h", s.height());
            out.put("w", s.width());
            out.put("image", image);
            out.put("W", doubles(ref.params.view("n_W")));
            out.put("b", doubles(ref.params.view("n_b")));
            if (kind.equals("batchnorm")) {
                out.put("mean0", doubles(ref.state.view("n_mean")));
                out.put("var0", doubles(ref.state.view("n_var")));
            }
            fast.layer.allocate(5);
            List<Object> batches = new ArrayList<>();
            for (int rows : new int[]{5, 2, 4}) {
                double[] x = ref.input(rows);
                double[] r = ref.upstream(rows);
                Map<String, INDArray> t = LayerHarness.run(ref.twin(x, r, rows, true), ref.params.names());
                Map<String, INDArray> next = new LinkedHashMap<>();
                for (String e : ref.state.names()) {
                    next.put(e, t.get(e));
                }
                ref.state.apply(next);
                Map<String, Object> b = new LinkedHashMap<>();
                b.put("rows", rows);
                b.put("x", x);
                b.put("r", r);
                b.put("twin", Map.of("y", doubles(t.get("y")), "dx", doubles(t.get("dx")),
                        "dW", doubles(t.get("dn_W")), "db", doubles(t.get("dn_b"))));
                float[] y = fast.layer.forward(LayerHarness.floats(x), rows, true).clone();
                float[] dx = new float[x.length];
                fast.layer.backward(LayerHarness.floats(r), rows, dx);
                b.put("fast", Map.of("y", trim(y, x.length), "dx", dx, "dW", fast.grad("n_W"),
                        "db", fast.grad("n_b")));
                batches.add(b);
            }
            out.put("batches", batches);
            if (kind.equals("batchnorm")) {
                out.put("twin_mean", doubles(ref.state.view("n_mean")));
                out.put("twin_var", doubles(ref.state.view("n_var")));
                out.put("fast_mean", fast.state.view("n_mean").toFloatVector());
                out.put("fast_var", fast.state.view("n_var").toFloatVector());
            }
            int rows = 3;
            double[] x = ref.input(rows);
            Map<String, INDArray> t = LayerHarness.run(ref.twin(x, ref.upstream(rows), rows, false),
                    ref.params.names());
            out.put("eval", Map.of("rows", rows, "x", x, "twin", doubles(t.get("y")),
                    "fast", trim(fast.layer.forward(LayerHarness.floats(x), rows, false), x.length)));
        }
        JsonNode r = LayerHarness.mirror("norm_mirror.py", out, dir, 120);
        String text = r.toString();
        assertTrue(r.get("twin").asDouble() < 1e-10, "the twin differs from PyTorch: " + text);
        assertTrue(r.get("fast").asDouble() < 1e-4, "the fast path differs from PyTorch: " + text);
    }

    /** The fast path's output buffer may be longer than the rows asked for. */
    private static float[] trim(float[] a, int n) {
        float[] t = new float[n];
        System.arraycopy(a, 0, t, 0, n);
        return t;
    }
}
