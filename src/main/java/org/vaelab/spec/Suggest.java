package org.vaelab.spec;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Did-you-mean: the closest allowed word to a misspelt key or value. */
public final class Suggest {
    /** Names users bring from PyTorch notebooks, mapped to ours (compared after {@link #fold}). */
    private static final Map<String, String> ALIASES = Map.ofEntries(
            Map.entry("lr", "learning_rate"),
            Map.entry("zdim", "latent_dim"),
            Map.entry("latentsize", "latent_dim"),
            Map.entry("nz", "latent_dim"),
            Map.entry("klweight", "beta"),
            Map.entry("numepochs", "epochs"),
            Map.entry("nepochs", "epochs"),
            Map.entry("bs", "batch_size"),
            Map.entry("clip", "grad_clip"),
            Map.entry("gradientclip", "grad_clip"),
            Map.entry("hiddendims", "hidden"),
            Map.entry("hiddensizes", "hidden"),
            Map.entry("annealing", "warmup"),
            Map.entry("klannealing", "warmup"),
            Map.entry("k", "mc_samples"),
            Map.entry("fashionmnist", "fashion-mnist"),
            Map.entry("gaussian", "mse"),
            Map.entry("gpu", "cuda"),
            Map.entry("bernoulli", "bce"),
            Map.entry("leakyrelu", "leaky_relu"));

    private Suggest() {
    }

    /** The best candidate for {@code input}, or empty when nothing is close enough to be a likely typo. */
    public static Optional<String> closest(String input, Collection<String> candidates) {
        String folded = fold(input);
        for (String c : candidates) {
            if (fold(c).equals(folded)) {
                return Optional.of(c); // only case, '-' or '_' differ
            }
        }
        String alias = ALIASES.get(folded);
        if (alias != null) {
            for (String c : candidates) {
                if (c.equals(alias) || c.endsWith("." + alias)) {
                    return Optional.of(c);
                }
            }
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(input.toLowerCase(Locale.ROOT), c);
            int limit = Math.max(1, Math.min(3, Math.max(input.length(), c.length()) / 3));
            if (d <= limit && d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        if (best == null && input.length() >= 4) {
            for (String c : candidates) {
                if (c.startsWith(input.toLowerCase(Locale.ROOT))) {
                    return Optional.of(c); // "batch" -> "batch_size"
                }
            }
        }
        return Optional.ofNullable(best);
    }

    /** Lower case without separators, so that latentDim, latent-dim and LATENT_DIM compare equal. */
    static String fold(String s) {
        return s.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "").replace(" ", "");
    }

    /** Optimal-string-alignment distance: Levenshtein plus adjacent transpositions ("gird" -> "grid" is 1). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
