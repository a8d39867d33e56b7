package org.vaelab.diagnostics;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a run's latent code ended up: the four words of {@link RunVerdict}, in the order a reader should
 * worry about them last to first. Written in files and pages in lower case ({@link #json()}).
 */
public enum Verdict {
    /** Every unit active. */
    HEALTHY,
    /** Some units inactive. */
    PARTIAL_COLLAPSE,
    /** No unit active, or the total KL too small to carry information. */
    POSTERIOR_COLLAPSE,
    /** Training went non-finite. */
    DIVERGED;

    /** The word as written in summary.json and index.json, e.g. {@code partial_collapse}. */
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The word as a reader sees it, e.g. {@code partial collapse}. */
    public String words() {
        return json().replace('_', ' ');
    }

    /** The verdict written as {@code text} (any case); throws naming the allowed words. */
    public static Verdict fromJson(String text) {
        for (Verdict v : values()) {
            if (v.json().equalsIgnoreCase(text)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown verdict '" + text + "' (allowed: "
                + Arrays.stream(values()).map(Verdict::json).collect(Collectors.joining(", ")) + ")");
    }

    /** The file form, so that a verdict in a message reads as it does in summary.json. */
    @Override
    public String toString() {
        return json();
    }
}
