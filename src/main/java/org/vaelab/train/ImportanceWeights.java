package org.vaelab.train;

import org.vaelab.data.Batch;
import org.vaelab.data.BatchIterator;
import org.vaelab.data.Batches;
import org.vaelab.data.ImageSet;
import org.vaelab.model.VaeModel;
import org.vaelab.spec.EvalSpec;
import org.vaelab.spec.RunConfig;

/**
 * The importance log-weights for a run's final log-likelihood estimate: {@code eval.loglik_samples} samples on
 * the first {@code eval.loglik_subset} test examples, prepared exactly as the per-epoch test ELBO prepares
 * them, with noise from the run's log-likelihood seed. log p(x) ~ log-mean-exp over a row (Burda et al. 2016);
 * that reduction, and its comparison with the ELBO, belong to the diagnostics.
 *
 * @param logWeights [n][samples]: log p(x|z_s) + log p(z_s) - log q(z_s|x), z_s ~ q(z|x)
 * @param labels     class of each of the n examples
 * @param seconds    wall time of the computation (the estimate's cost)
 */
public record ImportanceWeights(double[][] logWeights, int[] labels, double seconds) {

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
        float[] x = new float[n * dim];
        int[] labels = new int[n];
        // same batch size and seed as TestSet, so the examples get the same binarisation/dequantisation draws
        BatchIterator it = Batches.eval(test, TestSet.BATCH, cfg.dataset().binarize(), cfg.dataset().dequantize(),
                seeds.evalData());
        int have = 0;
        while (have < n && it.hasNext()) {
            Batch b = it.next();
            int take = Math.min(b.n(), n - have);
            System.arraycopy(b.x(), 0, x, have * dim, take * dim);
            System.arraycopy(b.labels(), 0, labels, have, take);
            have += take;
        }
        double[][] lw = model.logWeights(x, n, ev.loglikSamples(), seeds.loglik());
        return new ImportanceWeights(lw, labels, (System.nanoTime() - t0) / 1e9);
    }
}
