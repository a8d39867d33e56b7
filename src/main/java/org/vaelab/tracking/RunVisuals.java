package org.vaelab.tracking;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * visuals.json: what a trained model draws, stored once at the end of a run for the report (format version 1).
 * Every field except {@code format}, {@code epoch}, {@code rows} and {@code cols} may be null (left out of the
 * file) when the trainer did not produce it; the report then leaves the panel out.
 *
 * <p>Images are decoder means p(x|z) in [0, 1] stored as unsigned bytes round(255 p), row-major, one image after
 * another, base64-encoded ({@link Images}). 0 is background, 255 is ink, as in the raw MNIST files. Latent
 * values are in units of the prior's standard deviation (the prior is N(0, I)).
 *
 * @param format          format version, {@link #FORMAT}
 * @param epoch           epoch of the model the pictures come from
 * @param rows            image height in pixels
 * @param cols            image width in pixels
 * @param originals       test images, with labels
 * @param reconstructions decoder mean at z = mu(x) for each original, same order
 * @param priorSamples    decoder mean at z drawn from N(0, I) with {@code sampleSeed}
 * @param sampleSeed      seed of the prior samples
 * @param traversals      latent traversals of the most active units
 * @param interpolation   decoded straight line between two test digits' posterior means
 * @param grid            decoded grid over normal quantiles; only when latent_dim == 2
 * @param scatter         2D view of the test set's posterior means, with labels
 * @param histograms      per shown unit, a histogram of the aggregate posterior to compare with N(0, 1)
 * @param moments         per epoch, the aggregate posterior's mean and standard deviation per unit
 */
public record RunVisuals(int format, int epoch, int rows, int cols, Images originals, Images reconstructions,
                         Images priorSamples, Long sampleSeed, Traversals traversals, Interpolation interpolation,
                         LatentGrid grid, LatentScatter scatter, List<LatentHistogram> histograms,
                         List<LatentMoments> moments) {
    /** The format version this code writes and reads. */
    public static final int FORMAT = 1;

    public RunVisuals {
        if (format != FORMAT) {
            throw new IllegalArgumentException("visuals.json: format " + format + " is not supported (expected "
                    + FORMAT + "); re-run the trainer's visuals step");
        }
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("visuals.json: rows and cols must be > 0, got " + rows + "x" + cols);
        }
        for (Images im : new Images[] {originals, reconstructions, priorSamples}) {
            if (im != null && (im.rows() != rows || im.cols() != cols)) {
                throw new IllegalArgumentException("visuals.json: image batch of " + im.rows() + "x" + im.cols()
                        + " in a file declared " + rows + "x" + cols);
            }
        }
        histograms = histograms == null ? null : List.copyOf(histograms);
        moments = moments == null ? null : List.copyOf(moments);
    }

    /**
     * A batch of grey images, each {@code rows x cols} unsigned bytes (0 background .. 255 ink), row-major,
     * concatenated and base64-encoded: a 28x28 image costs 1,045 characters instead of ~4,000 as JSON numbers.
     *
     * @param count  number of images
     * @param rows   image height
     * @param cols   image width
     * @param data   base64 of count * rows * cols bytes
     * @param labels class label per image, or null
     */
    public record Images(int count, int rows, int cols, String data, List<Integer> labels) {
        public Images {
            if (count < 0 || rows <= 0 || cols <= 0) {
                throw new IllegalArgumentException("images: bad shape " + count + "x" + rows + "x" + cols);
            }
            int expected = count * rows * cols;
            int actual = Base64.getDecoder().decode(data).length;
            if (actual != expected) {
                throw new IllegalArgumentException("images: data holds " + actual + " bytes, expected " + count
                        + " images of " + rows + "x" + cols + " = " + expected);
            }
            if (labels != null && labels.size() != count) {
                throw new IllegalArgumentException("images: " + labels.size() + " labels for " + count + " images");
            }
            labels = labels == null ? null : List.copyOf(labels);
        }

        /**
         * Encodes images given as values in [0, 1] (clamped; NaN becomes 0), {@code flat} holding
         * {@code count * rows * cols} values image after image.
         */
        public static Images of(float[] flat, int count, int rows, int cols, int[] labels) {
            if (flat.length != count * rows * cols) {
                throw new IllegalArgumentException("images: " + flat.length + " values for " + count + " images of "
                        + rows + "x" + cols);
            }
            byte[] b = new byte[flat.length];
            for (int i = 0; i < flat.length; i++) {
                float v = flat[i];
                int q = Float.isNaN(v) ? 0 : Math.round(Math.max(0f, Math.min(1f, v)) * 255f);
                b[i] = (byte) q;
            }
            List<Integer> l = null;
            if (labels != null) {
                l = new ArrayList<>();
                for (int x : labels) {
                    l.add(x);
                }
            }
            return new Images(count, rows, cols, Base64.getEncoder().encodeToString(b), l);
        }

        /** Pixels of image {@code i}, 0..255, row-major. */
        public int[] pixels(int i) {
            if (i < 0 || i >= count) {
                throw new IndexOutOfBoundsException("image " + i + " of " + count);
            }
            byte[] all = Base64.getDecoder().decode(data);
            int n = rows * cols;
            int[] out = new int[n];
            for (int k = 0; k < n; k++) {
                out[k] = all[i * n + k] & 0xff;
            }
            return out;
        }

        /** All images' pixels, 0..255, one row-major array per image. */
        public int[][] allPixels() {
            byte[] all = Base64.getDecoder().decode(data);
            int n = rows * cols;
            int[][] out = new int[count][n];
            for (int i = 0; i < count; i++) {
                for (int k = 0; k < n; k++) {
                    out[i][k] = all[i * n + k] & 0xff;
                }
            }
            return out;
        }
    }

    /**
     * Latent traversals: for each unit, the decoder mean as that unit sweeps {@code values} while the other
     * units stay at the base point.
     *
     * @param base         "zero" (other units at the prior mean 0) or "example" (other units at the posterior
     *                     mean of test example {@code baseExample})
     * @param baseExample  index of the test example used as base point, or null for "zero"
     * @param values       the swept values in prior standard deviations, e.g. -3, -2.25, ..., 3
     * @param units        one row per traversed unit, most active first
     */
    public record Traversals(String base, Integer baseExample, List<Double> values, List<Traversal> units) {
        public Traversals {
            if (!"zero".equals(base) && !"example".equals(base)) {
                throw new IllegalArgumentException("traversals.base: must be zero or example, got " + base);
            }
            values = List.copyOf(values);
            units = List.copyOf(units);
            for (Traversal t : units) {
                if (t.images().count() != values.size()) {
                    throw new IllegalArgumentException("traversals: unit " + t.unit() + " has "
                            + t.images().count() + " images for " + values.size() + " values");
                }
            }
        }
    }

    /**
     * One traversed unit.
     *
     * @param unit     latent dimension index, from 0
     * @param activity its activity A_u = Cov_x(E_q[z_u]) (Burda et al. 2016)
     * @param images   one decoded image per traversal value
     */
    public record Traversal(int unit, double activity, Images images) {
    }

    /**
     * Decoded images along the straight line z(t) = (1 - t) mu(x_from) + t mu(x_to), t = 0..1 in equal steps
     * (endpoints included).
     *
     * @param fromIndex index of the first test example
     * @param toIndex   index of the second test example
     * @param fromLabel its label, or null
     * @param toLabel   the second's label, or null
     * @param endpoints the two test images themselves (2 images), or null
     * @param images    the decoded path, one image per step
     */
    public record Interpolation(int fromIndex, int toIndex, Integer fromLabel, Integer toLabel, Images endpoints,
                                Images images) {
    }

    /**
     * The decoder over a square grid of the 2D latent plane (latent_dim == 2), as in Kingma and Welling
     * (2014), fig. 4: {@code values} are normal quantiles, e.g. Phi^-1(linspace(0.05, 0.95, 15)). Image
     * {@code r * n + c} decodes z = (values[c], values[n - 1 - r]), so z0 grows to the right and z1 upwards.
     *
     * @param values the n grid values per axis, ascending
     * @param images n * n images, top row first
     */
    public record LatentGrid(List<Double> values, Images images) {
        public LatentGrid {
            values = List.copyOf(values);
            if (images.count() != values.size() * values.size()) {
                throw new IllegalArgumentException("grid: " + images.count() + " images for a " + values.size()
                        + "x" + values.size() + " grid");
            }
        }
    }

    /**
     * A 2D view of test posterior means mu(x) with labels.
     *
     * @param method            "latent" (latent_dim == 2: the latent itself), "active_units" (the two most
     *                          active units) or "pca" (first two principal components of mu over the test set)
     * @param dims              the latent units plotted (latent, active_units), or empty (pca)
     * @param xLabel            x axis label; units are named from 0 as everywhere in the report: "z0",
     *                          "z7 (A=1.32)" or "PC1 (41% of variance)"
     * @param yLabel            y axis label
     * @param explainedVariance fraction of mu's variance per component (pca only), else null
     * @param x                 x coordinate per example
     * @param y                 y coordinate per example
     * @param labels            class label per example, or null
     */
    public record LatentScatter(String method, List<Integer> dims, String xLabel, String yLabel,
                                List<Double> explainedVariance, List<Double> x, List<Double> y, List<Integer> labels) {
        public LatentScatter {
            if (!List.of("latent", "active_units", "pca").contains(method)) {
                throw new IllegalArgumentException("scatter.method: must be latent, active_units or pca, got "
                        + method);
            }
            dims = dims == null ? List.of() : List.copyOf(dims);
            x = List.copyOf(x);
            y = List.copyOf(y);
            if (x.size() != y.size() || (labels != null && labels.size() != x.size())) {
                throw new IllegalArgumentException("scatter: x, y and labels must have one entry per example, got "
                        + x.size() + ", " + y.size() + ", " + (labels == null ? "none" : labels.size()));
            }
            labels = labels == null ? null : List.copyOf(labels);
        }

        /** Builds a scatter from arrays, rounding coordinates to 4 decimals to keep visuals.json small. */
        public static LatentScatter of(String method, List<Integer> dims, String xLabel, String yLabel,
                                       List<Double> explainedVariance, double[] x, double[] y, int[] labels) {
            List<Integer> l = null;
            if (labels != null) {
                l = new ArrayList<>();
                for (int v : labels) {
                    l.add(v);
                }
            }
            return new LatentScatter(method, dims, xLabel, yLabel, explainedVariance, round(x), round(y), l);
        }
    }

    /**
     * Histogram of one unit's aggregate posterior over the test set, to compare with the prior N(0, 1).
     *
     * @param unit   latent dimension index, from 0
     * @param source "sampled" (z = mu + sigma * eps, i.e. samples of q(z) = E_x q(z|x)) or "mean" (mu(x) only)
     * @param lo     left edge of the first bin
     * @param hi     right edge of the last bin
     * @param counts examples per equal-width bin (values outside [lo, hi] are not counted)
     * @param mean   mean of the values
     * @param std    standard deviation of the values
     */
    public record LatentHistogram(int unit, String source, double lo, double hi, List<Integer> counts, double mean,
                                  double std) {
        public LatentHistogram {
            if (!"sampled".equals(source) && !"mean".equals(source)) {
                throw new IllegalArgumentException("histograms.source: must be sampled or mean, got " + source);
            }
            if (!(hi > lo) || counts.isEmpty()) {
                throw new IllegalArgumentException("histograms: need lo < hi and at least one bin");
            }
            counts = List.copyOf(counts);
        }

        /** Bins {@code values} into {@code bins} equal bins over [lo, hi]. */
        public static LatentHistogram of(int unit, String source, double[] values, double lo, double hi, int bins) {
            int[] c = new int[bins];
            double sum = 0;
            double sq = 0;
            for (double v : values) {
                sum += v;
                sq += v * v;
                if (v >= lo && v <= hi) {
                    c[Math.min(bins - 1, (int) ((v - lo) / (hi - lo) * bins))]++;
                }
            }
            int n = Math.max(1, values.length);
            double mean = sum / n;
            double std = Math.sqrt(Math.max(0, sq / n - mean * mean));
            List<Integer> counts = new ArrayList<>();
            for (int v : c) {
                counts.add(v);
            }
            return new LatentHistogram(unit, source, lo, hi, counts, mean, std);
        }
    }

    /**
     * The aggregate posterior q(z) = E_x q(z|x) per unit at the end of one epoch, from quantities the active-unit
     * diagnostic computes anyway: mean_u = E_x[mu_u(x)] and std_u = sqrt(Var_x[mu_u(x)] + E_x[sigma_u(x)^2])
     * (law of total variance). A unit matching the prior has mean 0 and std 1.
     *
     * @param epoch 1-based epoch
     * @param mean  per unit
     * @param std   per unit
     */
    public record LatentMoments(int epoch, List<Double> mean, List<Double> std) {
        public LatentMoments {
            mean = List.copyOf(mean);
            std = List.copyOf(std);
            if (mean.size() != std.size()) {
                throw new IllegalArgumentException("moments: " + mean.size() + " means and " + std.size() + " stds");
            }
        }
    }

    private static List<Double> round(double[] v) {
        List<Double> out = new ArrayList<>(v.length);
        for (double d : v) {
            out.add(Double.isFinite(d) ? Math.round(d * 1e4) / 1e4 : d);
        }
        return out;
    }
}
