package org.vaelab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.vaelab.spec.Binarize;

class BatchesTest {
    private static final int N = 1000;
    private static final int DIM = 7 * 8;
    private final ImageSet set = grey(N);

    /** Random grey images with labels 0..9; pixels cover all of 0..255, including the ends. */
    private static ImageSet grey(int n) {
        SplittableRandom r = new SplittableRandom(17);
        byte[] px = new byte[n * DIM];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i % 5 == 0 ? 0 : i % 5 == 1 ? 255 : r.nextInt(256));
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(10);
        }
        return new ImageSet(px, labels, 7, 8);
    }

    private static List<Batch> all(BatchIterator it) {
        List<Batch> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    private static int[] order(List<Batch> batches) {
        return batches.stream().flatMapToInt(b -> Arrays.stream(b.indices())).toArray();
    }

    @Test
    void trainCoversEveryIndexOncePerEpochWithPartialLastBatch() {
        BatchIterator it = Batches.train(set, 128, Binarize.NONE, false, 1);
        assertEquals(8, it.batches());
        List<Batch> batches = all(it);
        assertEquals(8, batches.size());
        for (int b = 0; b < 7; b++) {
            assertEquals(128, batches.get(b).n());
        }
        Batch last = batches.get(7);
        assertEquals(N - 7 * 128, last.n());
        assertEquals(last.n() * DIM, last.x().length);
        int[] seen = order(batches);
        assertEquals(N, seen.length);
        int[] sorted = seen.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < N; i++) {
            assertEquals(i, sorted[i], "every index exactly once");
        }
        assertFalse(Arrays.equals(sorted, seen), "shuffled");
        for (Batch b : batches) {
            assertEquals(DIM, b.dim());
            for (int k = 0; k < b.n(); k++) {
                assertEquals(set.labels()[b.indices()[k]], b.labels()[k]);
                for (int j = 0; j < DIM; j++) {
                    assertEquals(set.pixel(b.indices()[k], j) / 255f, b.x()[k * DIM + j]);
                }
            }
        }
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
    }

    @Test
    void epochSeedDecidesTheOrder() {
        int[] a = order(all(Batches.train(set, 100, Binarize.NONE, false, 1)));
        int[] again = order(all(Batches.train(set, 100, Binarize.NONE, false, 1)));
        int[] b = order(all(Batches.train(set, 100, Binarize.NONE, false, 2)));
        assertArrayEquals(a, again);
        assertFalse(Arrays.equals(a, b));
    }

    @Test
    void evalIsInIndexOrder() {
        BatchIterator it = Batches.eval(set, 300, Binarize.NONE, false, 5);
        assertEquals(4, it.batches());
        int[] seen = order(all(it));
        for (int i = 0; i < N; i++) {
            assertEquals(i, seen[i]);
        }
    }

    @Test
    void everyBatchIsAFreshArray() {
        BatchIterator it = Batches.eval(set, 500, Binarize.NONE, false, 5);
        Batch first = it.next();
        float[] copy = first.x().clone();
        Batch second = it.next();
        assertNotSame(first.x(), second.x());
        assertArrayEquals(copy, first.x(), "the first batch is not overwritten by the next");
        assertNotSame(first.x(), Batches.eval(set, 500, Binarize.NONE, false, 5).next().x());
    }

    @Test
    void dynamicBinarizationIsBernoulliResampledPerEpochAndSeeded() {
        List<Batch> e1 = all(Batches.train(set, 128, Binarize.DYNAMIC, false, 1));
        float[] img1 = new float[N * DIM]; // binarised image i in epoch 1, at i*DIM
        double ones = 0;
        double expected = 0;
        for (Batch b : e1) {
            for (int k = 0; k < b.n(); k++) {
                int i = b.indices()[k];
                for (int j = 0; j < DIM; j++) {
                    float x = b.x()[k * DIM + j];
                    int p = set.pixel(i, j);
                    assertTrue(x == 0f || x == 1f, "binary, got " + x);
                    if (p == 0) {
                        assertEquals(0f, x);
                    }
                    if (p == 255) {
                        assertEquals(1f, x);
                    }
                    img1[i * DIM + j] = x;
                    ones += x;
                    expected += p / 255.0;
                }
            }
        }
        // 56000 Bernoulli draws, variance <= 14000: within 5 standard deviations (< 600) of sum p/255.
        assertEquals(expected, ones, 600);
        // Another epoch resamples: the same image is binarised differently somewhere.
        float[] img2 = new float[N * DIM];
        for (Batch b : all(Batches.train(set, 128, Binarize.DYNAMIC, false, 2))) {
            for (int k = 0; k < b.n(); k++) {
                System.arraycopy(b.x(), k * DIM, img2, b.indices()[k] * DIM, DIM);
            }
        }
        assertFalse(Arrays.equals(img1, img2));
        // The same epoch seed reproduces it.
        List<Batch> again = all(Batches.train(set, 128, Binarize.DYNAMIC, false, 1));
        for (int b = 0; b < e1.size(); b++) {
            assertArrayEquals(e1.get(b).x(), again.get(b).x());
        }
    }

    @Test
    void evalNoiseIsFixedBySeed() {
        float[] a = concat(all(Batches.eval(set, 64, Binarize.DYNAMIC, false, 7)));
        float[] b = concat(all(Batches.eval(set, 64, Binarize.DYNAMIC, false, 7)));
        float[] c = concat(all(Batches.eval(set, 64, Binarize.DYNAMIC, false, 8)));
        assertArrayEquals(a, b, "evaluation identical every epoch");
        assertFalse(Arrays.equals(a, c));
        float[] d1 = concat(all(Batches.eval(set, 64, Binarize.NONE, true, 7)));
        float[] d2 = concat(all(Batches.eval(set, 64, Binarize.NONE, true, 7)));
        assertArrayEquals(d1, d2);
    }

    @Test
    void dequantizationStaysInsideEachPixelsBin() {
        double fracSum = 0;
        int count = 0;
        for (Batch b : all(Batches.train(set, 128, Binarize.NONE, true, 3))) {
            for (int k = 0; k < b.n(); k++) {
                for (int j = 0; j < DIM; j++) {
                    float x = b.x()[k * DIM + j];
                    int p = set.pixel(b.indices()[k], j);
                    assertTrue(x >= 0f && x < 1f, "in [0,1), got " + x);
                    // (p + u)/256 with u in [0,1): x*256 is exact in float, its floor is p.
                    assertEquals(p, (int) Math.floor(x * 256f), "pixel " + p + " became " + x);
                    fracSum += x * 256.0 - p;
                    count++;
                }
            }
        }
        assertEquals(0.5, fracSum / count, 0.01, "u is uniform on [0,1): mean 1/2");
        float[] a = concat(all(Batches.train(set, 128, Binarize.NONE, true, 3)));
        float[] b = concat(all(Batches.train(set, 128, Binarize.NONE, true, 4)));
        assertFalse(Arrays.equals(a, b));
    }

    @Test
    void staticBinarizedDataScalesToZeroAndOne() throws Exception {
        ImageSet bin = ImageSets.binarizeStatic(set, 1);
        for (Batch b : all(Batches.eval(bin, 200, Binarize.STATIC, false, 1))) {
            for (float x : b.x()) {
                assertTrue(x == 0f || x == 1f);
            }
        }
    }

    @Test
    void emptySetAndBadArguments() {
        ImageSet empty = new ImageSet(new byte[0], new int[0], 28, 28);
        BatchIterator it = Batches.train(empty, 10, Binarize.NONE, false, 1);
        assertEquals(0, it.batches());
        assertFalse(it.hasNext());
        assertThrows(IllegalArgumentException.class, () -> Batches.train(set, 0, Binarize.NONE, false, 1));
        assertThrows(IllegalArgumentException.class, () -> Batches.eval(set, 10, Binarize.DYNAMIC, true, 1));
        // A batch larger than the set: one batch of everything.
        BatchIterator one = Batches.train(set, 5000, Binarize.NONE, false, 1);
        assertEquals(1, one.batches());
        assertEquals(N, one.next().n());
    }

    private static float[] concat(List<Batch> batches) {
        int total = batches.stream().mapToInt(b -> b.x().length).sum();
        float[] out = new float[total];
        int pos = 0;
        for (Batch b : batches) {
            System.arraycopy(b.x(), 0, out, pos, b.x().length);
            pos += b.x().length;
        }
        return out;
    }
}
