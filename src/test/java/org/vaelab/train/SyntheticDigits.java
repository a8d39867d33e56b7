package org.vaelab.train;

import java.util.SplittableRandom;
import org.vaelab.data.DataSplit;
import org.vaelab.data.ImageSet;

/**
 * Test data shaped like MNIST without the download: each of ten classes is a fixed stroke pattern (bars,
 * box, cross, diagonal) drawn with a random shift and stroke intensity, plus sparse speckle. Seeded.
 */
final class SyntheticDigits {
    private SyntheticDigits() {
    }

    static ImageSet make(int n, int side, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] px = new byte[n * side * side];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(10);
            labels[i] = c;
            int dx = r.nextInt(3) - 1;
            int dy = r.nextInt(3) - 1;
            int ink = 160 + r.nextInt(96);
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    int u = x - dx;
                    int v = y - dy;
                    if (on(c, u, v, side)) {
                        px[i * side * side + y * side + x] = (byte) ink;
                    } else if (r.nextInt(50) == 0) {
                        px[i * side * side + y * side + x] = (byte) r.nextInt(128);
                    }
                }
            }
        }
        return new ImageSet(px, labels, side, side);
    }

    static DataSplit split(int train, int test, int side, long seed) {
        return new DataSplit(make(train, side, seed), make(test, side, seed + 1), "synthetic");
    }

    private static boolean on(int c, int x, int y, int s) {
        int m = s / 2;
        int q = s / 4;
        boolean inBox = x >= q && x < s - q && y >= q && y < s - q;
        return switch (c) {
            case 0 -> inBox && (x == q || x == s - q - 1 || y == q || y == s - q - 1);
            case 1 -> x == m && y >= q && y < s - q;
            case 2 -> y == m && x >= q && x < s - q;
            case 3 -> x == y && inBox;
            case 4 -> x == s - 1 - y && inBox;
            case 5 -> inBox && (x == m || y == m);
            case 6 -> inBox && (y == q || y == m || y == s - q - 1);
            case 7 -> inBox && (x == q || x == s - q - 1);
            case 8 -> inBox && (x == y || x == s - 1 - y);
            default -> inBox && (y == q || x == s - q - 1);
        };
    }
}
