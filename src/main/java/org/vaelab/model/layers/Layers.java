package org.vaelab.model.layers;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.Shape;

/**
 * Turns one side's layer list ({@link LayerSpec}s) into {@link Layer}s with their parameter names: per side
 * ({@code enc}/{@code dec}) a counter per kind, {@code linear} -> {@code enc_dense0, enc_dense1, ...},
 * {@code conv} -> {@code enc_conv{i}}, {@code conv_transpose} -> {@code dec_deconv{j}}, {@code layernorm} ->
 * {@code {side}_layernorm{i}}, {@code batchnorm} -> {@code {side}_batchnorm{i}}: the names vaelab's models had
 * before layer lists, so the shorthands' checkpoints and signatures stay.
 */
public final class Layers {
    private Layers() {
    }

    /** Parameter name stem of a kind, e.g. {@code dense} for {@code linear}. */
    static String stem(LayerSpec s) {
        return switch (s.kind()) {
            case "linear" -> "dense";
            case "conv_transpose" -> "deconv";
            default -> s.kind();
        };
    }

    /**
     * The layers of {@code specs} on inputs of shape {@code in}, named for {@code side} ("enc" or "dec").
     *
     * @throws LayerSpec.LayerShapeException if a layer does not fit its input
     */
    public static List<Layer> build(String side, List<LayerSpec> specs, Shape in) {
        Map<String, Integer> counters = new HashMap<>();
        List<Layer> out = new ArrayList<>();
        Shape shape = in;
        for (LayerSpec s : specs) {
            String stem = stem(s);
            int i = counters.merge(stem, 1, Integer::sum) - 1;
            Layer l = create(side + "_" + stem + i, shape, s);
            out.add(l);
            shape = l.outShape();
        }
        return out;
    }

    /** {@code specs} with a {@code flatten} appended when they end in an image (the heads and the likelihood read vectors). */
    public static List<LayerSpec> endingInVector(List<LayerSpec> specs, Shape in) {
        Shape s = in;
        for (LayerSpec l : specs) {
            s = l.output(s);
        }
        if (!s.image()) {
            return specs;
        }
        List<LayerSpec> out = new ArrayList<>(specs);
        out.add(new LayerSpec.Flatten());
        return out;
    }

    /** One layer. */
    public static Layer create(String name, Shape in, LayerSpec s) {
        if (s instanceof LayerSpec.Linear l) {
            return new LinearLayer(name, in, l);
        }
        if (s instanceof LayerSpec.Act a) {
            return new ActivationLayer(name, in, a);
        }
        if (s instanceof LayerSpec.Flatten f) {
            return new FlattenLayer(name, in, f);
        }
        if (s instanceof LayerSpec.Reshape r) {
            return new ReshapeLayer(name, in, r);
        }
        if (s instanceof LayerSpec.Conv c) {
            return new ConvLayer(name, in, c);
        }
        if (s instanceof LayerSpec.ConvTranspose c) {
            return new ConvTransposeLayer(name, in, c);
        }
        if (s instanceof LayerSpec.MaxPool m) {
            return new MaxPoolLayer(name, in, m);
        }
        if (s instanceof LayerSpec.Upsample u) {
            return new UpsampleLayer(name, in, u);
        }
        if (s instanceof LayerSpec.LayerNorm n) {
            return new LayerNormLayer(name, in, n);
        }
        if (s instanceof LayerSpec.BatchNorm n) {
            return new BatchNormLayer(name, in, n);
        }
        throw new IllegalArgumentException(s.kind() + ": no layer class for " + s.getClass().getSimpleName());
    }
}
