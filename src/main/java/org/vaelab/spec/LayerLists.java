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
 */
public final class LayerLists {
    private LayerLists() {
    }

    /** The input of the encoder: one grey image. */
    public static Shape input(int rows, int cols) {
        return Shape.image(1, rows, cols);
    }

    /** The encoder's layers for images of {@code rows} x {@code cols}. */
    public static List<LayerSpec> encoder(ModelSpec m, int rows, int cols) {
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
}
