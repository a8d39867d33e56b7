package org.vaelab.data;

import java.util.SplittableRandom;

/**
 * Cheap per-pixel randomness: one {@code nextLong()} feeds eight byte draws, so binarising or dequantising a
 * 60000-image epoch costs a few million generator calls instead of 47 million.
 */
final class PixelNoise {
    private final SplittableRandom rng;
    private long bits;
    private int bytesLeft;

    PixelNoise(long seed) {
        this.rng = new SplittableRandom(seed);
    }

    /** Uniform on 0..254 (a byte, redrawn when it is 255), so {@code byte255() < p} has probability p/255 exactly. */
    int byte255() {
        while (true) {
            int b = nextByte();
            if (b != 255) {
                return b;
            }
        }
    }

    /** Uniform on 0..65535. */
    int bits16() {
        return (nextByte() << 8) | nextByte();
    }

    /** 1 with probability p/255, else 0: the Bernoulli draw behind both static and dynamic binarisation. */
    boolean bernoulli(int p) {
        return byte255() < p;
    }

    private int nextByte() {
        if (bytesLeft == 0) {
            bits = rng.nextLong();
            bytesLeft = 8;
        }
        int b = (int) bits & 0xff;
        bits >>>= 8;
        bytesLeft--;
        return b;
    }
}
