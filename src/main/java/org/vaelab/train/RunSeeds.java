package org.vaelab.train;

/**
 * Every random stream of a run, derived from {@code train.seed}: one SplitMix64-mixed seed per purpose (and
 * per epoch where the stream restarts each epoch). Restarting streams per epoch is what makes a resumed run
 * identical to an uninterrupted one without saving RNG state: epoch e's shuffling and noise depend on
 * (seed, e) only.
 */
public final class RunSeeds {
    private static final long WEIGHTS = 1;
    private static final long EPOCH_DATA = 2;
    private static final long EPOCH_NOISE = 3;
    private static final long EVAL_NOISE = 4;
    private static final long EVAL_DATA = 5;
    private static final long LOGLIK = 6;
    private static final long DIAGNOSTICS = 7;
    private static final long LATENT_SAMPLE = 8;
    private static final long VISUALS = 101;

    private final long root;

    /** The streams of a run with root seed {@code root}. */
    public RunSeeds(long root) {
        this.root = root;
    }

    /** SplitMix64's finaliser: a bijective, well-mixing 64-bit hash. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private long derive(long stream, long index) {
        return mix(mix(root + 0x9E3779B97F4A7C15L * stream) + index);
    }

    /** The root seed (train.seed). */
    public long root() {
        return root;
    }

    /** Weight initialisation. */
    public long weights() {
        return derive(WEIGHTS, 0);
    }

    /** Shuffling, dequantisation and dynamic binarisation of training epoch {@code epoch} (1-based). */
    public long epochData(int epoch) {
        return derive(EPOCH_DATA, epoch);
    }

    /** Reparameterisation noise of training epoch {@code epoch}. */
    public long epochNoise(int epoch) {
        return derive(EPOCH_NOISE, epoch);
    }

    /** Noise of the test-set ELBO, fixed for the whole run so epochs are compared on the same draws. */
    public long evalNoise() {
        return derive(EVAL_NOISE, 0);
    }

    /** Dequantisation/binarisation of the test set (fixed for the run). */
    public long evalData() {
        return derive(EVAL_DATA, 0);
    }

    /** Importance samples of the final log-likelihood estimate. */
    public long loglik() {
        return derive(LOGLIK, 0);
    }

    /** Subset and noise of epoch {@code epoch}'s diagnostics (the mutual-information estimate). */
    public long diagnostics(int epoch) {
        return derive(DIAGNOSTICS, epoch);
    }

    /** The one ε per test example of epoch {@code epoch}'s aggregate-posterior moments (sampled z). */
    public long latentSample(int epoch) {
        return derive(LATENT_SAMPLE, epoch);
    }

    /** Prior samples and histogram noise of the run's pictures (visuals.json). */
    public long visuals() {
        return derive(VISUALS, 0);
    }
}
