package org.vaelab.data;

import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.vaelab.spec.Binarize;

/**
 * Turns an ImageSet into batches of floats in [0, 1]. PLACEHOLDER written on the engine branch against the
 * agreed API so the trainer compiles and runs; the data helper's version replaces it at merge.
 */
public final class Batches {
    private Batches() {
    }

    /** One shuffled training pass; shuffling, dequantisation noise and dynamic binarisation come from epochSeed. */
    public static BatchIterator train(ImageSet set, int batchSize, Binarize binarize, boolean dequantize,
                                      long epochSeed) {
        SplittableRandom rng = new SplittableRandom(epochSeed);
        int[] order = new int[set.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return new Iter(set, order, batchSize, binarize, dequantize, rng);
    }

    /** One pass in set order; any randomness (dequantisation, binarisation) comes from seed. */
    public static BatchIterator eval(ImageSet set, int batchSize, Binarize binarize, boolean dequantize, long seed) {
        int[] order = new int[set.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        return new Iter(set, order, batchSize, binarize, dequantize, new SplittableRandom(seed));
    }

    private static final class Iter implements BatchIterator {
        private final ImageSet set;
        private final int[] order;
        private final int batchSize;
        private final Binarize binarize;
        private final boolean dequantize;
        private final SplittableRandom rng;
        private int next;

        Iter(ImageSet set, int[] order, int batchSize, Binarize binarize, boolean dequantize, SplittableRandom rng) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            }
            this.set = set;
            this.order = order;
            this.batchSize = batchSize;
            this.binarize = binarize;
            this.dequantize = dequantize;
            this.rng = rng;
        }

        @Override
        public int batches() {
            return (order.length + batchSize - 1) / batchSize;
        }

        @Override
        public boolean hasNext() {
            return next < order.length;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            int n = Math.min(batchSize, order.length - next);
            int dim = set.dim();
            float[] x = new float[n * dim];
            int[] labels = new int[n];
            int[] idx = new int[n];
            for (int i = 0; i < n; i++) {
                int k = order[next + i];
                idx[i] = k;
                labels[i] = set.labels()[k];
                // static binarisation: one fixed Bernoulli draw per image, independent of the epoch
                SplittableRandom fixed = binarize == Binarize.STATIC ? new SplittableRandom(0x5EEDL ^ k * 0x9E3779B97F4A7C15L) : null;
                for (int j = 0; j < dim; j++) {
                    int p = set.pixel(k, j);
                    float v = dequantize ? (float) ((p + rng.nextDouble()) / 256.0) : p / 255f;
                    if (binarize == Binarize.DYNAMIC) {
                        v = rng.nextDouble() < v ? 1f : 0f;
                    } else if (binarize == Binarize.STATIC) {
                        v = fixed.nextDouble() < v ? 1f : 0f;
                    }
                    x[i * dim + j] = v;
                }
            }
            next += n;
            return new Batch(x, n, dim, labels, idx);
        }
    }
}
