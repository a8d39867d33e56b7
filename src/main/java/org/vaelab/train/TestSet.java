package org.vaelab.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.data.Batch;
import org.vaelab.data.BatchIterator;
import org.vaelab.data.Batches;
import org.vaelab.data.ImageSet;
import org.vaelab.model.Arrays2;
import org.vaelab.model.VaeModel;
import org.vaelab.spec.DatasetSpec;

/**
 * The test set as ND4J arrays, prepared once per run, with the run's fixed evaluation noise; evaluated in
 * batches of {@link #BATCH} (one graph call each, to amortise SameDiff's per-op overhead).
 */
final class TestSet implements AutoCloseable {
    static final int BATCH = 1000;

    private final List<INDArray> xs = new ArrayList<>();
    private final List<INDArray> noise = new ArrayList<>();
    private final int[] labels;
    private final int size;
    private final int latent;

    TestSet(ImageSet test, DatasetSpec ds, RunSeeds seeds, int latent, DataType dtype) {
        this.latent = latent;
        this.size = test.size();
        this.labels = new int[size];
        SplittableRandom rng = new SplittableRandom(seeds.evalNoise());
        BatchIterator it = Batches.eval(test, BATCH, ds.binarize(), ds.dequantize(), seeds.evalData());
        int off = 0;
        while (it.hasNext()) {
            Batch b = it.next();
            INDArray x = Nd4j.create(dtype, b.n(), b.dim());
            Arrays2.copyInto(x, b.x());
            xs.add(x);
            float[] e = new float[b.n() * latent];
            for (int i = 0; i < e.length; i++) {
                e[i] = (float) rng.nextGaussian();
            }
            INDArray ea = Nd4j.create(dtype, b.n(), latent);
            Arrays2.copyInto(ea, e);
            noise.add(ea);
            System.arraycopy(b.labels(), 0, labels, off, b.n());
            off += b.n();
        }
    }

    /** The true negative ELBO of {@code model} on the test set, and every example's posterior. */
    TestEvaluation evaluate(VaeModel model) {
        double[][] mu = new double[size][];
        double[][] logvar = new double[size][];
        double[] klPerDim = new double[latent];
        double recon = 0;
        double kl = 0;
        double se = 0;
        boolean hasSe = false;
        int off = 0;
        for (int b = 0; b < xs.size(); b++) {
            VaeModel.BatchEvaluation e = model.evaluate(xs.get(b), noise.get(b));
            int n = e.recon().length;
            for (int i = 0; i < n; i++) {
                recon += e.recon()[i];
                if (e.squaredError() != null) {
                    se += e.squaredError()[i];
                    hasSe = true;
                }
                for (int d = 0; d < latent; d++) {
                    double m = e.mu()[i][d];
                    double lv = e.logvar()[i][d];
                    double k = 0.5 * (m * m + Math.exp(lv) - 1 - lv);
                    klPerDim[d] += k;
                    kl += k;
                }
            }
            System.arraycopy(e.mu(), 0, mu, off, n);
            System.arraycopy(e.logvar(), 0, logvar, off, n);
            off += n;
        }
        for (int d = 0; d < latent; d++) {
            klPerDim[d] /= size;
        }
        return new TestEvaluation((recon + kl) / size, recon / size, kl / size, hasSe ? se / size : null,
                klPerDim, mu, logvar, labels.clone());
    }

    @Override
    public void close() {
        xs.forEach(INDArray::close);
        noise.forEach(INDArray::close);
    }
}
