package org.vaelab.model.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.Shape;

/**
 * The conv-family twins against PyTorch 1.13's {@code F.conv2d} (incl. {@code padding='same'} with an even
 * kernel), {@code F.conv_transpose2d} (incl. output_padding), {@code F.max_pool2d} (on inputs with ties) and
 * {@code F.interpolate(mode='nearest')}, in float64: forward output and the gradients of input, weight and bias
 * under {@code sum(out * r)} (src/test/resources/org/vaelab/model/layers/layers_mirror.py). The fast paths are
 * tied to the twins by the other tests of this package. Skipped when Debian's /usr/bin/python3 has no torch.
 */
class LayersTorchMirrorTest {


    private static Map<String, Object> export(String name, Layer l, LayerHarness.Values v, Map<String, Object> cfg) {
        LayerHarness.Result t = LayerHarness.twin(l, v, DataType.DOUBLE);
        Map<String, Object> c = new LinkedHashMap<>(cfg);
        c.put("name", name);
        Shape in = l.inShape();
        c.put("in", new int[]{in.channels(), in.height(), in.width()});
        c.put("rows", v.rows());
        c.put("x", LayerHarness.toDouble(v.x()));
        c.put("r", LayerHarness.toDouble(v.r()));
        c.put("out", t.out());
        c.put("dx", t.dIn());
        if (!l.params().isEmpty()) {
            int wLen = (int) l.params().get(0).length();
            double[] p = LayerHarness.toDouble(v.params());
            c.put("W", Arrays.copyOfRange(p, 0, wLen));
            c.put("b", Arrays.copyOfRange(p, wLen, p.length));
            c.put("dW", Arrays.copyOfRange(t.grads(), 0, wLen));
            c.put("db", Arrays.copyOfRange(t.grads(), wLen, t.grads().length));
        }
        return c;
    }

    private static Map<String, Object> conv(String name, Shape in, LayerSpec.Conv s, LayerSpec.Nonlinearity act,
                                            int rows) {
        ConvLayer l = new ConvLayer("c", in, s);
        Map<String, Object> cfg = new LinkedHashMap<>(Map.of("kind", "conv", "channels", s.channels(), "kh", s.kh(),
                "kw", s.kw(), "stride", s.stride(), "padH", s.padH(), "padW", s.padW(), "same", s.same()));
        if (act != null) {
            assertTrue(l.fuse(act));
            cfg.put("act", act.yaml());
        }
        return export(name, l, LayerHarness.Values.random(l, rows, name.hashCode()), cfg);
    }

    private static Map<String, Object> convT(String name, Shape in, LayerSpec.ConvTranspose s, int rows) {
        ConvTransposeLayer l = new ConvTransposeLayer("t", in, s);
        Map<String, Object> cfg = new LinkedHashMap<>(Map.of("kind", "conv_transpose", "channels", s.channels(),
                "kh", s.kh(), "kw", s.kw(), "stride", s.stride(), "padH", s.padH(), "padW", s.padW(),
                "outPadH", s.outPadH(), "outPadW", s.outPadW()));
        return export(name, l, LayerHarness.Values.random(l, rows, name.hashCode()), cfg);
    }

    @Test
    void twinsMatchPyTorch(@TempDir Path dir) throws Exception {
        assumeTrue(LayerHarness.torchAvailable(), "no torch in " + LayerHarness.PYTHON);
        List<Map<String, Object>> cases = new ArrayList<>();
        cases.add(conv("conv k3 s2 p1", Shape.image(2, 7, 6), new LayerSpec.Conv(3, 3, 3, 2, 1, 1, false), null, 2));
        cases.add(conv("conv k4 same", Shape.image(2, 6, 5), new LayerSpec.Conv(2, 4, 4, 1, 0, 0, true), null, 2));
        cases.add(conv("conv k2x3 same", Shape.image(1, 5, 6), new LayerSpec.Conv(2, 2, 3, 1, 0, 0, true), null, 1));
        cases.add(conv("conv k5x3 s3 p2x1", Shape.image(1, 8, 7), new LayerSpec.Conv(2, 5, 3, 3, 2, 1, false),
                null, 2));
        cases.add(conv("conv k7 valid to 1x1 + tanh", Shape.image(3, 7, 7), new LayerSpec.Conv(4, 7, 7, 1, 0, 0,
                false), LayerSpec.Nonlinearity.TANH, 2));
        cases.add(conv("conv k1 s2 + relu", Shape.image(3, 5, 5), new LayerSpec.Conv(2, 1, 1, 2, 0, 0, false),
                LayerSpec.Nonlinearity.RELU, 3));
        cases.add(convT("convT k3 s2 p1 op1", Shape.image(3, 4, 4), new LayerSpec.ConvTranspose(2, 3, 3, 2, 1, 1, 1, 1),
                2));
        cases.add(convT("convT k7 1x1", Shape.image(4, 1, 1), new LayerSpec.ConvTranspose(3, 7, 7, 1, 0, 0, 0, 0), 2));
        cases.add(convT("convT k5x3 s3 p2x0 op2x1", Shape.image(2, 3, 4),
                new LayerSpec.ConvTranspose(2, 5, 3, 3, 2, 0, 2, 1), 2));
        cases.add(convT("convT k4 s2 p1", Shape.image(2, 3, 3), new LayerSpec.ConvTranspose(1, 4, 4, 2, 1, 1, 0, 0), 3));
        for (int[] p : new int[][]{{3, 5, 7, 2}, {2, 7, 8, 3}}) {
            MaxPoolLayer l = new MaxPoolLayer("m", Shape.image(p[0], p[1], p[2]), new LayerSpec.MaxPool(p[3]));
            LayerHarness.Values v = LayerHarness.Values.random(l, 2, p[3]);
            float[] x = v.x().clone();
            for (int i = 0; i < x.length; i++) {
                x[i] = Math.round(x[i]) * 0.5f; // ties in most windows
            }
            cases.add(export("maxpool k" + p[3] + " with ties", l, new LayerHarness.Values(v.params(), x, v.r(), 2),
                    Map.of("kind", "maxpool", "k", p[3])));
        }
        for (int[] p : new int[][]{{2, 3, 4, 2}, {1, 2, 3, 3}}) {
            UpsampleLayer l = new UpsampleLayer("u", Shape.image(p[0], p[1], p[2]), new LayerSpec.Upsample(p[3]));
            cases.add(export("upsample k" + p[3], l, LayerHarness.Values.random(l, 2, p[3]),
                    Map.of("kind", "upsample", "k", p[3])));
        }

        JsonNode r = LayerHarness.mirror("layers_mirror.py", cases, dir, 180);
        String text = r.toString();
        assertEquals(cases.size(), r.size(), text);
        for (Iterator<Map.Entry<String, JsonNode>> it = r.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> c = it.next();
            for (Iterator<Map.Entry<String, JsonNode>> a = c.getValue().fields(); a.hasNext(); ) {
                Map.Entry<String, JsonNode> d = a.next();
                assertTrue(d.getValue().asDouble() < 1e-10, c.getKey() + ": " + d.getKey()
                        + " differs from PyTorch by " + d.getValue().asDouble() + " (relative): " + text);
            }
        }
    }
}
