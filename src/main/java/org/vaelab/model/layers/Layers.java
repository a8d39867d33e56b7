package org.vaelab.model.layers;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
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
    /**
     * Layer classes written in another branch (normalisation), found by name with the package's constructor
     * convention {@code (String name, Shape in, <its LayerSpec record>)}, so merging them needs no edit here.
     * Replace with direct constructors, as for the conv family, once they are merged.
     */
    private static final Map<Class<? extends LayerSpec>, String> ELSEWHERE = Map.of(
            LayerSpec.LayerNorm.class, "LayerNormLayer",
            LayerSpec.BatchNorm.class, "BatchNormLayer");

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
     * @throws UnsupportedOperationException if a kind's layer class is not part of this build
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

    /** Whether every kind in {@code specs} has a layer class in this build. */
    public static boolean available(List<LayerSpec> specs) {
        for (LayerSpec s : specs) {
            String cls = ELSEWHERE.get(s.getClass());
            if (cls != null && find(cls) == null) {
                return false;
            }
        }
        return true;
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
        String cls = ELSEWHERE.get(s.getClass());
        Class<?> c = cls == null ? null : find(cls);
        if (c == null) {
            throw new UnsupportedOperationException(s.kind() + ": this build has no fast layer for it yet ("
                    + (cls == null ? s.getClass().getSimpleName() : cls) + ")");
        }
        try {
            Constructor<?> k = c.getConstructor(String.class, Shape.class, s.getClass());
            return (Layer) k.newInstance(name, in, s);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(cls + " lacks the constructor (String, Shape, "
                    + s.getClass().getSimpleName() + ")", e);
        }
    }

    private static Class<?> find(String simpleName) {
        try {
            return Class.forName(Layers.class.getPackageName() + "." + simpleName);
        } catch (ClassNotFoundException e) {
            return null;
        }
    }
}
