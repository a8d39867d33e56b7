package org.vaelab.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A model's layers with their output shapes and parameter counts, as torchinfo prints them: the encoder's
 * layers from the image, the mean and log-variance heads, the decoder's layers from z, and the total. Pure:
 * computed from the spec alone, and {@link #render} returns the text.
 *
 * <p>Parameters per layer, as PyTorch counts them: linear {@code in*out + out}; conv and conv_transpose
 * {@code kh*kw*inC*outC + outC}; layernorm {@code 2 * size} (weight and bias over the whole input);
 * batchnorm {@code 2 * C} (running statistics are state, not parameters); everything else 0.
 *
 * @param input the encoder's input, one image {@code [1, rows, cols]}
 * @param rows  one row per layer and head, in the order a forward pass meets them
 * @param total parameters of the whole model
 */
public record ModelSummary(Shape input, List<Row> rows, long total) {
    public ModelSummary {
        rows = List.copyOf(rows);
    }

    /**
     * One line of the summary.
     *
     * @param part   encoder, heads or decoder
     * @param index  place in the part's list (heads: 0 mean, 1 log-variance)
     * @param layer  the layer as the spec writes it ({@code conv: 16, kernel: 3, stride: 2, padding: 1}),
     *               heads as {@code mu: linear 16}
     * @param output output shape per example
     * @param params trainable parameters
     */
    public record Row(String part, int index, String layer, Shape output, long params) {
    }

    /**
     * The summary of {@code m} for images of {@code rows} x {@code cols}.
     *
     * @throws LayerSpec.LayerShapeException if a layer does not fit (validation reports that first)
     */
    public static ModelSummary of(ModelSpec m, int rows, int cols) {
        List<Row> out = new ArrayList<>();
        long total = 0;
        Shape in = LayerLists.input(rows, cols);
        List<LayerSpec> enc = LayerLists.encoder(m, rows, cols);
        for (int i = 0; i < enc.size(); i++) {
            Shape next = enc.get(i).output(in);
            long p = params(enc.get(i), in, next);
            out.add(new Row("encoder", i, LayerTrees.describe(enc.get(i)), next, p));
            total += p;
            in = next;
        }
        // The heads read the encoder's output flattened (PyTorch's x.view(-1, C*H*W)).
        long head = (long) in.size() * m.latentDim() + m.latentDim();
        out.add(new Row("heads", 0, "mu: linear " + m.latentDim(), Shape.vector(m.latentDim()), head));
        out.add(new Row("heads", 1, "logvar: linear " + m.latentDim(), Shape.vector(m.latentDim()), head));
        total += 2 * head;
        in = Shape.vector(m.latentDim());
        List<LayerSpec> dec = LayerLists.decoder(m, rows, cols);
        for (int i = 0; i < dec.size(); i++) {
            Shape next = dec.get(i).output(in);
            long p = params(dec.get(i), in, next);
            out.add(new Row("decoder", i, LayerTrees.describe(dec.get(i)), next, p));
            total += p;
            in = next;
        }
        return new ModelSummary(LayerLists.input(rows, cols), out, total);
    }

    /** Trainable parameters of {@code layer} between {@code in} and {@code out}. */
    public static long params(LayerSpec layer, Shape in, Shape out) {
        if (layer instanceof LayerSpec.Linear l) {
            return (long) in.size() * l.features() + l.features();
        }
        if (layer instanceof LayerSpec.Conv c) {
            return (long) c.kh() * c.kw() * in.channels() * c.channels() + c.channels();
        }
        if (layer instanceof LayerSpec.ConvTranspose c) {
            return (long) c.kh() * c.kw() * in.channels() * c.channels() + c.channels();
        }
        if (layer instanceof LayerSpec.LayerNorm) {
            return 2L * in.size();
        }
        if (layer instanceof LayerSpec.BatchNorm) {
            return 2L * in.channels();
        }
        return 0;
    }

    /** Total parameters formatted with thousands separators: {@code 1,234,567}. */
    public static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /**
     * The table: a header, the input shape, then per part its layers ({@code index  layer  output  params}),
     * and the total. Columns are aligned; lines end with "\n" and have no trailing spaces.
     */
    public String render() {
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {"layer", "output", "params"});
        lines.add(null);
        lines.add(new String[] {"input", input.toString(), ""});
        String part = "";
        int digits = Integer.toString(rows.stream().mapToInt(Row::index).max().orElse(0)).length();
        for (Row r : rows) {
            if (!r.part().equals(part)) {
                part = r.part();
                lines.add(new String[] {part, "", ""});
            }
            String index = Integer.toString(r.index());
            String name = r.part().equals("heads") ? "  " + r.layer()
                    : "  " + " ".repeat(digits - index.length()) + index + "  " + r.layer();
            lines.add(new String[] {name, r.output().toString(), count(r.params())});
        }
        lines.add(null);
        int[] width = new int[3];
        for (String[] l : lines) {
            for (int c = 0; l != null && c < 3; c++) {
                width[c] = Math.max(width[c], l[c].length());
            }
        }
        int ruler = width[0] + width[1] + width[2] + 4;
        StringBuilder out = new StringBuilder();
        for (String[] l : lines) {
            if (l == null) {
                out.append("=".repeat(ruler)).append('\n');
                continue;
            }
            String line = l[0] + " ".repeat(width[0] - l[0].length() + 2) + l[1]
                    + " ".repeat(width[1] - l[1].length() + 2) + " ".repeat(width[2] - l[2].length()) + l[2];
            out.append(line.stripTrailing()).append('\n');
        }
        out.append("total params: ").append(count(total)).append('\n');
        return out.toString();
    }
}
