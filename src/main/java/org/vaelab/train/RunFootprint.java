package org.vaelab.train;

import org.vaelab.spec.ModelSummary;
import org.vaelab.spec.RunConfig;

/**
 * How much disk a run needs at its peak, estimated from its spec alone, so a full disk can be refused before
 * training and explained after it. Pure. The estimate errs high: it is a figure for "free this much", not an
 * accounting.
 *
 * <p>What a run folder holds at its peak: two checkpoints at once (last.ckpt while its replacement is written,
 * then last.ckpt and final.ckpt), each {@link Checkpoint}'s parameters and two Adam moments as 4-byte floats
 * (batchnorm's running statistics are far smaller than its layer's weights and fall in the margin); metrics.jsonl
 * and summary.json, also twice each while rewritten atomically, growing with the epochs and the latent
 * dimensions (a line per epoch holds several numbers per latent dimension); visuals.json, base64 PNG images
 * growing with the image size (twice as many with a 2-D latent space, which gets a decoded grid), plus
 * coordinate lists per latent dimension; and the small files (spec,
 * provenance, lock). Measured on the beta sweep (MNIST, hidden [256, 256], 10 epochs): latent 32, 13.7 MB a run
 * folder, estimated 14.1 MB; latent 128, 15.6 MB, estimated 16.2 MB (decimal MB).
 */
public final class RunFootprint {
    private static final long KB = 1024;
    /** Four-byte floats: the parameters, then Adam's first and second moments. */
    private static final long CHECKPOINT_BYTES_PER_PARAMETER = 12;
    /** Header, signature, one epoch's metrics line, checksum: a few KB even for long layer lists. */
    private static final long CHECKPOINT_OVERHEAD = 64 * KB;
    /** A metrics line: about 1 KB of scalars plus six lists of doubles over the latent dimensions (~25 chars each). */
    private static final long METRICS_PER_EPOCH = KB;
    private static final long METRICS_PER_EPOCH_AND_DIM = 150;
    /** Measured 185 KB for 28x28 images (originals, reconstructions, samples, traversals, interpolations). */
    private static final long VISUALS_PER_PIXEL = 400;
    private static final long VISUALS_PER_DIM = 512;
    private static final long SMALL_FILES = 64 * KB;

    private RunFootprint() {
    }

    /**
     * The estimated peak size of one run of {@code cfg} on images of {@code rows} x {@code cols}, in bytes.
     *
     * @throws org.vaelab.spec.LayerSpec.LayerShapeException if a layer does not fit (validation says so first)
     */
    public static long bytes(RunConfig cfg, int rows, int cols) {
        long params = ModelSummary.of(cfg.model(), rows, cols).total();
        long checkpoint = CHECKPOINT_BYTES_PER_PARAMETER * params + CHECKPOINT_OVERHEAD;
        long latent = cfg.model().latentDim();
        long epochs = cfg.train().epochs();
        long metrics = epochs * (METRICS_PER_EPOCH + METRICS_PER_EPOCH_AND_DIM * latent);
        long summary = 4 * KB + (METRICS_PER_EPOCH + METRICS_PER_EPOCH_AND_DIM * latent) + epochs * 256;
        // a 2-D latent space also gets the decoded grid over it, as large again as the other pictures
        long visuals = (latent == 2 ? 2 : 1) * VISUALS_PER_PIXEL * rows * cols + VISUALS_PER_DIM * latent;
        return 2 * checkpoint + 2 * metrics + 2 * summary + visuals + SMALL_FILES;
    }

    /**
     * The estimate for the run's own data set, or -1 when its image size is only known from its files (idx
     * data, read when the run starts).
     */
    public static long bytes(RunConfig cfg) {
        int rows = cfg.dataset().name().rows();
        int cols = cfg.dataset().name().cols();
        return rows == 0 ? -1 : bytes(cfg, rows, cols);
    }

    /**
     * {@code bytes} as people say it, rounded up (for what a run needs): "850 KB", "1.4 MB", "14 MB", "1.5 GB"
     * (powers of 1024; one decimal below 10 of a unit).
     */
    public static String human(long bytes) {
        return human(bytes, true);
    }

    /** {@code bytes} as {@link #human(long)} says it, rounded down (for what is free, so it never looks enough). */
    public static String humanDown(long bytes) {
        return human(bytes, false);
    }

    private static String human(long bytes, boolean up) {
        String[] units = {"KB", "MB", "GB", "TB"};
        double v = bytes / (double) KB;
        int u = 0;
        while (u < units.length - 1 && (up ? Math.ceil(v) : Math.floor(v)) >= KB) {
            v /= KB;
            u++;
        }
        if (u > 0 && v < 10) {
            double tenths = up ? Math.ceil(v * 10 - 1e-9) : Math.floor(v * 10 + 1e-9);
            return String.format(java.util.Locale.ROOT, "%.1f %s", tenths / 10, units[u]);
        }
        return (long) (up ? Math.ceil(v - 1e-9) : Math.floor(v + 1e-9)) + " " + units[u];
    }
}
