package org.vaelab.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * The layer lists a model's encoder and decoder stand for. The {@code mlp} and {@code conv} shorthands expand
 * here into the lists they always meant (so their parameters, their order and their initialisation are those
 * of the models vaelab trained before layer lists existed); explicit lists are returned as written.
 *
 * <ul>
 *   <li>mlp encoder: {@code linear h, act} per width of {@code model.hidden}.</li>
 *   <li>conv encoder: {@code conv c (kernel 3, stride 2, padding 1), act} per entry of {@code model.channels},
 *       then {@code flatten}.</li>
 *   <li>mlp decoder: the widths reversed ({@code linear h, act} each), then {@code linear rows*cols}.</li>
 *   <li>conv decoder: {@code linear C*h*w, act, reshape [C, h, w]} at the encoder's last size, then per level a
 *       {@code conv_transpose} (stride 2, padding 1, kernel {@code out - 2 in + 4} per axis, landing on the
 *       encoder's sizes in reverse), with {@code act} between all but the last, down to 1 channel.</li>
 * </ul>
 *
 * <p>{@link #problems} infers the shapes through both lists for an image size, as validation does before
 * anything runs: the first layer of a list that does not fit, and a decoder that does not end in
 * {@code rows * cols} values ({@code [rows*cols]} or {@code [1, rows, cols]}), or that ends in a sigmoid
 * (vaelab applies the likelihood's sigmoid itself).
 */
public final class LayerLists {
    private LayerLists() {
    }

    /** A layer list as the spec file states it (every option included): YAML/JSON-ready lists, maps and words. */
    public static List<Object> tree(List<LayerSpec> layers) {
        return LayerTrees.tree(layers);
    }

    /** The input of the encoder: one grey image. */
    public static Shape input(int rows, int cols) {
        return Shape.image(1, rows, cols);
    }

    /** The encoder's layers for images of {@code rows} x {@code cols}. */
    public static List<LayerSpec> encoder(ModelSpec m, int rows, int cols) {
        if (m.encoder() == NetKind.LAYERS) {
            return m.encoderLayers();
        }
        LayerSpec act = new LayerSpec.Act(LayerSpec.Nonlinearity.of(m.activation()));
        List<LayerSpec> out = new ArrayList<>();
        if (m.encoder() == NetKind.MLP) {
            out.add(new LayerSpec.Flatten());
            for (int h : m.hidden()) {
                out.add(new LayerSpec.Linear(h));
                out.add(act);
            }
        } else {
            for (int c : m.channels()) {
                out.add(new LayerSpec.Conv(c, 3, 3, 2, 1, 1, false));
                out.add(act);
            }
            out.add(new LayerSpec.Flatten());
        }
        return out;
    }

    /** The decoder's layers: from z to {@code rows * cols} values (logits, or the mean before the sigmoid). */
    public static List<LayerSpec> decoder(ModelSpec m, int rows, int cols) {
        if (m.decoder() == NetKind.LAYERS) {
            return m.decoderLayers();
        }
        LayerSpec act = new LayerSpec.Act(LayerSpec.Nonlinearity.of(m.activation()));
        List<LayerSpec> out = new ArrayList<>();
        if (m.decoder() == NetKind.MLP) {
            List<Integer> hidden = m.hidden();
            for (int i = hidden.size() - 1; i >= 0; i--) {
                out.add(new LayerSpec.Linear(hidden.get(i)));
                out.add(act);
            }
            out.add(new LayerSpec.Linear(rows * cols));
            return out;
        }
        List<Integer> ch = m.channels();
        int levels = ch.size();
        int[] hs = new int[levels + 1];
        int[] ws = new int[levels + 1];
        hs[0] = rows;
        ws[0] = cols;
        for (int i = 0; i < levels; i++) {
            // Conv2d(k=3, s=2, p=1) maps s to ceil(s / 2)
            hs[i + 1] = (hs[i] - 1) / 2 + 1;
            ws[i + 1] = (ws[i] - 1) / 2 + 1;
        }
        int last = ch.get(levels - 1);
        out.add(new LayerSpec.Linear(last * hs[levels] * ws[levels]));
        out.add(act);
        out.add(new LayerSpec.Reshape(last, hs[levels], ws[levels]));
        for (int level = levels; level >= 1; level--) {
            int outC = level == 1 ? 1 : ch.get(level - 2);
            // ConvTranspose2d(stride 2, padding 1): out = 2 (in - 1) - 2 + k, so k = out - 2 in + 4
            int kh = hs[level - 1] - 2 * hs[level] + 4;
            int kw = ws[level - 1] - 2 * ws[level] + 4;
            out.add(new LayerSpec.ConvTranspose(outC, kh, kw, 2, 1, 1, 0, 0));
            if (level > 1) {
                out.add(act);
            }
        }
        return out;
    }

    /** Where a model's layers do not fit: {@code index} is the layer's place in its list, -1 the whole list. */
    public record LayerProblem(String side, int index, String message) {
        /** {@code model.encoder[3]}, or {@code model.encoder} for the whole list. */
        public String path() {
            return "model." + side + (index < 0 ? "" : "[" + index + "]");
        }
    }

    /**
     * The output shape of every layer of {@code layers} from {@code in}, in order.
     *
     * @throws LayerSpec.LayerShapeException from the first layer that does not fit
     */
    public static List<Shape> shapes(Shape in, List<LayerSpec> layers) {
        List<Shape> out = new ArrayList<>();
        Shape s = in;
        for (LayerSpec layer : layers) {
            s = layer.output(s);
            out.add(s);
        }
        return out;
    }

    /** Every place where the model's layers do not fit images of {@code rows} x {@code cols}; empty when all fit. */
    public static List<LayerProblem> problems(ModelSpec m, int rows, int cols) {
        List<LayerProblem> problems = new ArrayList<>();
        walk("encoder", m.encoder(), input(rows, cols), encoder(m, rows, cols), problems);
        List<LayerSpec> dec = decoder(m, rows, cols);
        Shape out = walk("decoder", m.decoder(), Shape.vector(m.latentDim()), dec, problems);
        int last = m.decoder() == NetKind.LAYERS ? dec.size() - 1 : -1;
        if (!dec.isEmpty() && dec.get(dec.size() - 1) instanceof LayerSpec.Act a
                && a.fn() == LayerSpec.Nonlinearity.SIGMOID) {
            problems.add(new LayerProblem("decoder", last, "sigmoid: the decoder ends in the likelihood's logits (bce)"
                    + " or its mean before the sigmoid (mse), and vaelab applies the sigmoid itself; remove this layer"));
        }
        if (out != null && !out.equals(Shape.vector(rows * cols)) && !out.equals(input(rows, cols))) {
            String fix = out.image() ? "make the last layer output [1, " + rows + ", " + cols + "], or add flatten and {linear: "
                    + rows * cols + "}" : "end with {linear: " + rows * cols + "}";
            problems.add(new LayerProblem("decoder", last, "the decoder ends in " + out + " but " + rows + "x" + cols
                    + " images need " + rows * cols + " values, [" + rows * cols + "] or " + input(rows, cols)
                    + "; " + fix));
        }
        return problems;
    }

    /** The list's output shape, or null after recording the layer that does not fit. */
    private static Shape walk(String side, NetKind kind, Shape in, List<LayerSpec> layers, List<LayerProblem> out) {
        Shape s = in;
        for (int i = 0; i < layers.size(); i++) {
            try {
                s = layers.get(i).output(s);
            } catch (LayerSpec.LayerShapeException e) {
                out.add(new LayerProblem(side, kind == NetKind.LAYERS ? i : -1, e.getMessage()));
                return null;
            }
        }
        return s;
    }
}
