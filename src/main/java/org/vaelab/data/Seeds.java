package org.vaelab.data;

import java.nio.charset.StandardCharsets;

/**
 * Derives independent seeds for the data's random streams (subset, binarisation, batch order, batch noise) from
 * the run's one seed, so that changing how one stream is used never shifts another.
 *
 * <p>The mixing function is SplitMix64's finaliser (Steele, Lea, Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014), the same one {@link java.util.SplittableRandom} uses.
 */
final class Seeds {
    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private Seeds() {
    }

    /** A seed for the stream called {@code purpose} of the run seeded with {@code seed}. */
    static long derive(long seed, String purpose) {
        long h = mix64(seed + GOLDEN_GAMMA);
        for (byte b : purpose.getBytes(StandardCharsets.UTF_8)) {
            h = mix64(h + GOLDEN_GAMMA + (b & 0xff));
        }
        return h;
    }

    /** A seed for element {@code index} (e.g. a batch number) of a stream. */
    static long derive(long seed, long index) {
        return mix64(mix64(seed + GOLDEN_GAMMA) + (index + 1) * GOLDEN_GAMMA);
    }

    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
