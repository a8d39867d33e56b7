package org.vaelab.train;

import org.vaelab.data.Batch;
import org.vaelab.data.BatchIterator;
import org.vaelab.data.Batches;
import org.vaelab.data.ImageSet;
import org.vaelab.data.ImageSets;
import org.vaelab.model.VaeModel;
import org.vaelab.spec.EvalSpec;
import org.vaelab.spec.RunConfig;

/**
 * The importance log-weights for a run's final log-likelihood estimate: {@code eval.loglik_samples} samples on
 * a class-stratified random subset of {@code eval.loglik_subset} test examples, prepared exactly as the
 * per-epoch test ELBO prepares them, with noise from the run's log-likelihood seed. log p(x) ~ log-mean-exp
 * over a row (Burda et al. 2016); that reduction, and its comparison with the ELBO, belong to the diagnostics.
 *
 * <p>The subset is drawn with the fixed {@link #SUBSET_SEED}, not the run's seed: every run of a sweep (and of
 * any sweep on the same test set and subset size) is scored on the same examples, so their log-likelihoods
 * compare example for example, while each class keeps its share of the test set (the first n test images,
 * used before, are not a representative sample of MNIST's test set).
 *
 * @param logWeights [n][samples]: log p(x|z_s) + log p(z_s) - log q(z_s|x), z_s ~ q(z|x)
 * @param labels     class of each of the n examples
 * @param indices    test-set index of each of the n examples, ascending
 * @param seconds    wall time of the computation (the estimate's cost)
 */
public record ImportanceWeights(double[][] logWeights, int[] labels, int[] indices, double seconds) {
    /** Seed of the log-likelihood's test subset, the same for every run (Burda et al.'s year). */
    public static final long SUBSET_SEED = 2016L;

    /** The log-weights of {@code model} on {@code test} under {@code cfg}'s eval settings; null when disabled. */
    public static ImportanceWeights onTestSet(VaeModel model, ImageSet test, RunConfig cfg) {
        EvalSpec ev = cfg.eval();
        int n = Math.min(ev.loglikSubset(), test.size());
        if (ev.loglikSamples() <= 0 || n <= 0) {
            return null;
        }
        long t0 = System.nanoTime();
        RunSeeds seeds = new RunSeeds(cfg.train().seed());
        int dim = test.dim();
        int[] indices = subset(test.labels(), n);
        float[] x = new float[n * dim];
        int[] labels = new int[n];
        // Same batch size and seed as TestSet over the whole test set, so each chosen example gets the same
        // binarisation/dequantisation draw as in the per-epoch test ELBO.
        BatchIterator it = Batches.eval(test, TestSet.BATCH, cfg.dataset().binarize(), cfg.dataset().dequantize(),
                seeds.evalData());
        int have = 0;
        int start = 0;
        while (have < n && it.hasNext()) {
            Batch b = it.next();
            while (have < n && indices[have] < start + b.n()) {
                int row = indices[have] - start;
                System.arraycopy(b.x(), row * dim, x, have * dim, dim);
                labels[have] = b.labels()[row];
                have++;
            }
            start += b.n();
        }
        double[][] lw = model.logWeights(x, n, ev.loglikSamples(), seeds.loglik());
        return new ImportanceWeights(lw, labels, indices, (System.nanoTime() - t0) / 1e9);
    }

    /** The test indices scored: all of them when n covers the set, else a stratified subset by {@link #SUBSET_SEED}. */
    static int[] subset(int[] testLabels, int n) {
        if (n >= testLabels.length) {
            return java.util.stream.IntStream.range(0, testLabels.length).toArray();
        }
        return ImageSets.stratifiedIndices(testLabels, n, SUBSET_SEED);
    }

    /** Examples per class of the subset, class 0 first: what the summary records of how it was drawn. */
    public java.util.List<Integer> classCounts() {
        int max = -1;
        for (int l : labels) {
            max = Math.max(max, l);
        }
        int[] c = new int[max + 1];
        for (int l : labels) {
            c[l]++;
        }
        return java.util.Arrays.stream(c).boxed().toList();
    }
}
