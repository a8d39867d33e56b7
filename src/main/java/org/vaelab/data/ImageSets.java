package org.vaelab.data;

import java.util.Arrays;
import java.util.Collection;
import java.util.SplittableRandom;

/**
 * Pure operations on {@link ImageSet}s: selection, class filter, stratified subsets and static binarisation.
 * Each returns a new set and never modifies its argument.
 */
public final class ImageSets {
    /** IDX labels are unsigned bytes. */
    static final int MAX_LABELS = 256;

    private ImageSets() {
    }

    /** The images at {@code indices}, in that order. */
    public static ImageSet select(ImageSet set, int[] indices) {
        int dim = set.dim();
        byte[] pixels = new byte[indices.length * dim];
        int[] labels = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            System.arraycopy(set.pixels(), indices[k] * dim, pixels, k * dim, dim);
            labels[k] = set.labels()[indices[k]];
        }
        return new ImageSet(pixels, labels, set.rows(), set.cols());
    }

    /** The images whose label is in {@code classes}, in their original order. */
    public static ImageSet filterClasses(ImageSet set, Collection<Integer> classes) {
        boolean[] keep = new boolean[MAX_LABELS];
        for (int c : classes) {
            if (c >= 0 && c < MAX_LABELS) {
                keep[c] = true;
            }
        }
        int[] labels = set.labels();
        return select(set, java.util.stream.IntStream.range(0, labels.length).filter(i -> keep[labels[i]]).toArray());
    }

    /** Number of images per label: element {@code c} counts label {@code c}; length is the largest label + 1. */
    public static int[] histogram(int[] labels) {
        int[] counts = new int[MAX_LABELS];
        int max = -1;
        for (int l : labels) {
            counts[l]++;
            max = Math.max(max, l);
        }
        return Arrays.copyOf(counts, max + 1);
    }

    /**
     * How many of {@code n} images each class gets so that the proportions are those of {@code counts}: the
     * largest-remainder (Hamilton) method. Every class first gets {@code floor(n * count / total)}; the images
     * still missing go one each to the classes with the largest remainders {@code n * count mod total}, ties to
     * the smaller label. Each class's share is therefore within one image of its exact proportion, and never
     * exceeds its count.
     *
     * @param counts images per class (from {@link #histogram})
     * @param n      images wanted, {@code 0 <= n <= sum(counts)}
     */
    public static int[] allocate(int[] counts, int n) {
        long total = 0;
        for (int c : counts) {
            total += c;
        }
        if (n < 0 || n > total) {
            throw new IllegalArgumentException("allocate: n=" + n + " outside 0.." + total);
        }
        int[] share = new int[counts.length];
        if (total == 0) {
            return share;
        }
        long[] remainder = new long[counts.length];
        int given = 0;
        for (int c = 0; c < counts.length; c++) {
            long scaled = (long) n * counts[c];
            share[c] = (int) (scaled / total);
            remainder[c] = scaled % total;
            given += share[c];
        }
        for (int left = n - given; left > 0; left--) {
            int best = -1;
            for (int c = 0; c < counts.length; c++) {
                if (remainder[c] > 0 && (best < 0 || remainder[c] > remainder[best])) {
                    best = c;
                }
            }
            share[best]++;
            remainder[best] = 0;
        }
        return share;
    }

    /**
     * Indices of a stratified random subset of {@code n} images: each class gets its {@link #allocate} share,
     * drawn uniformly without replacement with a generator seeded by {@code seed} (same seed, same subset).
     * The indices are returned in ascending order, so the subset keeps the data set's order.
     */
    public static int[] stratifiedIndices(int[] labels, int n, long seed) {
        int[] counts = histogram(labels);
        int[] share = allocate(counts, n);
        // Indices of each class, in order; then a partial Fisher-Yates shuffle picks share[c] of them.
        int[][] byClass = new int[counts.length][];
        int[] fill = new int[counts.length];
        for (int c = 0; c < counts.length; c++) {
            byClass[c] = new int[counts[c]];
        }
        for (int i = 0; i < labels.length; i++) {
            byClass[labels[i]][fill[labels[i]]++] = i;
        }
        SplittableRandom rng = new SplittableRandom(seed);
        int[] chosen = new int[n];
        int k = 0;
        for (int c = 0; c < counts.length; c++) {
            int[] idx = byClass[c];
            for (int j = 0; j < share[c]; j++) {
                int r = j + rng.nextInt(idx.length - j);
                int t = idx[j];
                idx[j] = idx[r];
                idx[r] = t;
                chosen[k++] = idx[j];
            }
        }
        Arrays.sort(chosen);
        return chosen;
    }

    /** A stratified random subset of {@code n} images; see {@link #stratifiedIndices}. */
    public static ImageSet stratifiedSubset(ImageSet set, int n, long seed) {
        return select(set, stratifiedIndices(set.labels(), n, seed));
    }

    /**
     * Static binarisation: every pixel is sampled once as Bernoulli(p/255) and stored as 0 or 255, so the usual
     * p/255 scaling later yields exactly 0 or 1. Sampling rather than thresholding at 128 keeps the grey
     * levels' information in expectation (Salakhutdinov and Murray, "On the quantitative analysis of deep belief
     * networks", ICML 2008, introduced this binarised MNIST).
     */
    public static ImageSet binarizeStatic(ImageSet set, long seed) {
        PixelNoise noise = new PixelNoise(seed);
        byte[] in = set.pixels();
        byte[] out = new byte[in.length];
        for (int i = 0; i < in.length; i++) {
            out[i] = noise.bernoulli(in[i] & 0xff) ? (byte) 255 : 0;
        }
        return new ImageSet(out, set.labels().clone(), set.rows(), set.cols());
    }
}
