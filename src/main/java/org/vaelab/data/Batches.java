package org.vaelab.data;

import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.vaelab.spec.Binarize;

/**
 * Cuts an {@link ImageSet} into batches of {@code float} pixels in [0,1]: shuffled for training, in index order
 * for evaluation, with the per-batch pixel transforms (dynamic binarisation, dequantisation) applied here.
 *
 * <p>Every batch's randomness comes from a seed derived from the pass seed and the batch number, so a batch's
 * contents do not depend on how the previous batches were consumed, and an evaluation pass is identical each
 * time it is made with the same seed.
 *
 * <p>Pixel transforms, for a raw value p in 0..255:
 * <ul>
 *   <li>default (and {@code STATIC}, whose pixels are already 0 or 255): p/255, by table lookup;</li>
 *   <li>{@code DYNAMIC}: 1 with probability p/255, else 0, drawn afresh for every batch (Salakhutdinov and
 *       Murray, ICML 2008; resampling per batch as in Burda, Grosse, Salakhutdinov, "Importance Weighted
 *       Autoencoders", ICLR 2016);</li>
 *   <li>dequantize: (p + u)/256 with u uniform in [0,1) on a 2^-16 grid, which makes the result exact in float
 *       and strictly below (p+1)/256 &lt;= 1 (uniform dequantisation: Theis, van den Oord, Bethge, "A note on the
 *       evaluation of generative models", ICLR 2016).</li>
 * </ul>
 * Binarisation and dequantisation exclude each other (noise would make binary pixels grey again).
 */
public final class Batches {
    /** p/255 for every byte value: one load instead of a division per pixel. */
    private static final float[] SCALE = new float[256];

    static {
        for (int p = 0; p < 256; p++) {
            SCALE[p] = p / 255f;
        }
    }

    private Batches() {
    }

    /**
     * Shuffled training batches of one epoch (seeded by epochSeed); last partial batch kept. Pixels in [0,1]:
     * p/255, or Bernoulli(p/255) resampled per batch when binarize=DYNAMIC, or (p+U[0,1))/256 when dequantize.
     */
    public static BatchIterator train(ImageSet set, int batchSize, Binarize binarize, boolean dequantize,
                                      long epochSeed) {
        check(batchSize, binarize, dequantize);
        int[] order = identity(set.size());
        // Fisher-Yates with a seed of its own, so the order does not move when the noise stream changes.
        SplittableRandom rng = new SplittableRandom(Seeds.derive(epochSeed, "batch-order"));
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return new Pass(set, order, batchSize, binarize == Binarize.DYNAMIC, dequantize,
                Seeds.derive(epochSeed, "batch-noise"));
    }

    /**
     * Test batches in index order; dynamic binarisation and dequantisation use the given fixed seed so that
     * evaluation is identical every epoch.
     */
    public static BatchIterator eval(ImageSet set, int batchSize, Binarize binarize, boolean dequantize, long seed) {
        check(batchSize, binarize, dequantize);
        return new Pass(set, identity(set.size()), batchSize, binarize == Binarize.DYNAMIC, dequantize,
                Seeds.derive(seed, "eval-noise"));
    }

    private static void check(int batchSize, Binarize binarize, boolean dequantize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (dequantize && binarize != Binarize.NONE) {
            throw new IllegalArgumentException("dequantize cannot be combined with binarize=" + binarize.yaml());
        }
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    /** One pass over the set in the given order. */
    private static final class Pass implements BatchIterator {
        private final ImageSet set;
        private final int[] order;
        private final int batchSize;
        private final boolean dynamic;
        private final boolean dequantize;
        private final long noiseSeed;
        private final int batches;
        private int next; // number of the next batch

        Pass(ImageSet set, int[] order, int batchSize, boolean dynamic, boolean dequantize, long noiseSeed) {
            this.set = set;
            this.order = order;
            this.batchSize = batchSize;
            this.dynamic = dynamic;
            this.dequantize = dequantize;
            this.noiseSeed = noiseSeed;
            this.batches = (int) ((order.length + (long) batchSize - 1) / batchSize);
        }

        @Override
        public int batches() {
            return batches;
        }

        @Override
        public boolean hasNext() {
            return next < batches;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException("all " + batches + " batches of this pass were returned");
            }
            int from = next * batchSize;
            int n = Math.min(batchSize, order.length - from);
            int dim = set.dim();
            byte[] pixels = set.pixels();
            int[] allLabels = set.labels();
            float[] x = new float[n * dim];
            int[] labels = new int[n];
            int[] indices = new int[n];
            PixelNoise noise = dynamic || dequantize ? new PixelNoise(Seeds.derive(noiseSeed, next)) : null;
            for (int k = 0; k < n; k++) {
                int img = order[from + k];
                indices[k] = img;
                labels[k] = allLabels[img];
                int src = img * dim;
                int dst = k * dim;
                if (dynamic) {
                    for (int j = 0; j < dim; j++) {
                        x[dst + j] = noise.bernoulli(pixels[src + j] & 0xff) ? 1f : 0f;
                    }
                } else if (dequantize) {
                    for (int j = 0; j < dim; j++) {
                        // (p*2^16 + k) * 2^-24 = (p + k/2^16)/256, an integer below 2^24 times a power of 2: exact.
                        x[dst + j] = (((pixels[src + j] & 0xff) << 16) | noise.bits16()) * 0x1p-24f;
                    }
                } else {
                    for (int j = 0; j < dim; j++) {
                        x[dst + j] = SCALE[pixels[src + j] & 0xff];
                    }
                }
            }
            next++;
            return new Batch(x, n, dim, labels, indices);
        }
    }
}
