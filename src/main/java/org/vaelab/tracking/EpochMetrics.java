package org.vaelab.tracking;

import java.util.List;

/**
 * One line of metrics.jsonl: what an epoch measured. Losses are per example in nats. Diagnostic fields
 * are null when not computed. Written with snake_case keys, sorted. Build one with {@link #builder(int)} or
 * change one with {@link #toBuilder()}; the canonical constructor is Jackson's.
 *
 * @param epoch                 1-based epoch number
 * @param trainLoss             training objective (with beta_t, free bits, estimator) averaged over the epoch
 * @param trainRecon            reconstruction NLL part of it (summed over pixels)
 * @param trainKl               KL(q(z|x) || p(z)) part of it (summed over latent dims, before beta)
 * @param testLoss              true negative ELBO on the test set (beta = 1, K = 1, no free bits)
 * @param testRecon             reconstruction NLL on the test set
 * @param testKl                KL on the test set
 * @param testSquaredError      summed squared error per example on the test set (mse runs; null for bce)
 * @param beta                  KL weight in effect at the end of the epoch
 * @param klPerDim              test-set KL per latent dimension, averaged over examples
 * @param gradNorm              global gradient norm, averaged over the epoch's steps (before clipping)
 * @param learningRate          learning rate in effect
 * @param epochSeconds          wall time of the epoch including evaluation
 * @param trainSamplesPerSecond training examples per second of the training part alone
 * @param activeUnits           number of active latent units (Burda et al. 2016)
 * @param unitActivity          A_u = Cov_x(E_q[z_u]) per latent unit
 * @param collapsedDims         (epsilon, delta)-collapsed dimensions (Lucas et al. 2019)
 * @param mutualInfo            estimate of I(x; z) under q (He et al. 2019)
 * @param muMean                per unit, mean over test examples of the posterior mean μ_u(x) (aggregate posterior)
 * @param muStd                 per unit, standard deviation over test examples of μ_u(x) (n − 1)
 * @param zMean                 per unit, mean of one sampled z_u = μ_u + σ_u·ε per test example
 * @param zStd                  per unit, standard deviation of the sampled z_u (n − 1)
 * @param evalSeconds           wall time of the epoch's test-set evaluation (forward pass and test ELBO), part of
 *                              epochSeconds; null in files written before it was recorded
 * @param diagnosticsSeconds    wall time of the epoch's latent diagnostics (active units, KL per unit, collapse,
 *                              mutual information, aggregate posterior), part of epochSeconds; null when none
 */
public record EpochMetrics(int epoch, double trainLoss, double trainRecon, double trainKl, double testLoss,
                           double testRecon, double testKl, Double testSquaredError, double beta,
                           List<Double> klPerDim, double gradNorm, double learningRate, double epochSeconds,
                           double trainSamplesPerSecond, Integer activeUnits, List<Double> unitActivity,
                           List<Integer> collapsedDims, Double mutualInfo, List<Double> muMean,
                           List<Double> muStd, List<Double> zMean, List<Double> zStd, Double evalSeconds,
                           Double diagnosticsSeconds) {

    /** Metrics of epoch {@code epoch}, every other field zero or null until set. */
    public static Builder builder(int epoch) {
        return new Builder(epoch);
    }

    /** A builder holding every field of these metrics. */
    public Builder toBuilder() {
        Builder b = new Builder(epoch);
        b.trainLoss = trainLoss;
        b.trainRecon = trainRecon;
        b.trainKl = trainKl;
        b.testLoss = testLoss;
        b.testRecon = testRecon;
        b.testKl = testKl;
        b.testSquaredError = testSquaredError;
        b.beta = beta;
        b.klPerDim = klPerDim;
        b.gradNorm = gradNorm;
        b.learningRate = learningRate;
        b.epochSeconds = epochSeconds;
        b.trainSamplesPerSecond = trainSamplesPerSecond;
        b.activeUnits = activeUnits;
        b.unitActivity = unitActivity;
        b.collapsedDims = collapsedDims;
        b.mutualInfo = mutualInfo;
        b.muMean = muMean;
        b.muStd = muStd;
        b.zMean = zMean;
        b.zStd = zStd;
        b.evalSeconds = evalSeconds;
        b.diagnosticsSeconds = diagnosticsSeconds;
        return b;
    }

    /** Builds {@link EpochMetrics} field by field, for the trainer and for tests. */
    public static final class Builder {
        private final int epoch;
        private double trainLoss;
        private double trainRecon;
        private double trainKl;
        private double testLoss;
        private double testRecon;
        private double testKl;
        private Double testSquaredError;
        private double beta;
        private List<Double> klPerDim;
        private double gradNorm;
        private double learningRate;
        private double epochSeconds;
        private double trainSamplesPerSecond;
        private Integer activeUnits;
        private List<Double> unitActivity;
        private List<Integer> collapsedDims;
        private Double mutualInfo;
        private List<Double> muMean;
        private List<Double> muStd;
        private List<Double> zMean;
        private List<Double> zStd;
        private Double evalSeconds;
        private Double diagnosticsSeconds;

        private Builder(int epoch) {
            this.epoch = epoch;
        }

        /** The training objective and its two parts, averaged over the epoch. */
        public Builder train(double loss, double recon, double kl) {
            return trainLoss(loss).trainRecon(recon).trainKl(kl);
        }

        /** The true negative ELBO on the test set and its two parts. */
        public Builder test(double loss, double recon, double kl) {
            return testLoss(loss).testRecon(recon).testKl(kl);
        }

        /** The latent diagnostics (see diagnostics.EpochDiagnostics), all computed together. */
        public Builder diagnostics(Integer units, List<Double> activity, List<Integer> collapsed, Double mi) {
            return activeUnits(units).unitActivity(activity).collapsedDims(collapsed).mutualInfo(mi);
        }

        /** See {@link EpochMetrics#trainLoss()}. */
        public Builder trainLoss(double v) {
            trainLoss = v;
            return this;
        }

        /** See {@link EpochMetrics#trainRecon()}. */
        public Builder trainRecon(double v) {
            trainRecon = v;
            return this;
        }

        /** See {@link EpochMetrics#trainKl()}. */
        public Builder trainKl(double v) {
            trainKl = v;
            return this;
        }

        /** See {@link EpochMetrics#testLoss()}. */
        public Builder testLoss(double v) {
            testLoss = v;
            return this;
        }

        /** See {@link EpochMetrics#testRecon()}. */
        public Builder testRecon(double v) {
            testRecon = v;
            return this;
        }

        /** See {@link EpochMetrics#testKl()}. */
        public Builder testKl(double v) {
            testKl = v;
            return this;
        }

        /** See {@link EpochMetrics#testSquaredError()}. */
        public Builder testSquaredError(Double v) {
            testSquaredError = v;
            return this;
        }

        /** See {@link EpochMetrics#beta()}. */
        public Builder beta(double v) {
            beta = v;
            return this;
        }

        /** See {@link EpochMetrics#klPerDim()}. */
        public Builder klPerDim(List<Double> v) {
            klPerDim = v;
            return this;
        }

        /** See {@link EpochMetrics#gradNorm()}. */
        public Builder gradNorm(double v) {
            gradNorm = v;
            return this;
        }

        /** See {@link EpochMetrics#learningRate()}. */
        public Builder learningRate(double v) {
            learningRate = v;
            return this;
        }

        /** See {@link EpochMetrics#epochSeconds()}. */
        public Builder epochSeconds(double v) {
            epochSeconds = v;
            return this;
        }

        /** See {@link EpochMetrics#trainSamplesPerSecond()}. */
        public Builder trainSamplesPerSecond(double v) {
            trainSamplesPerSecond = v;
            return this;
        }

        /** See {@link EpochMetrics#activeUnits()}. */
        public Builder activeUnits(Integer v) {
            activeUnits = v;
            return this;
        }

        /** See {@link EpochMetrics#unitActivity()}. */
        public Builder unitActivity(List<Double> v) {
            unitActivity = v;
            return this;
        }

        /** See {@link EpochMetrics#collapsedDims()}. */
        public Builder collapsedDims(List<Integer> v) {
            collapsedDims = v;
            return this;
        }

        /** See {@link EpochMetrics#mutualInfo()}. */
        public Builder mutualInfo(Double v) {
            mutualInfo = v;
            return this;
        }

        /** The aggregate posterior's moments per unit (see diagnostics.AggregatePosterior), all four together. */
        public Builder latentMoments(List<Double> muMeanV, List<Double> muStdV, List<Double> zMeanV,
                                     List<Double> zStdV) {
            muMean = muMeanV;
            muStd = muStdV;
            zMean = zMeanV;
            zStd = zStdV;
            return this;
        }

        /** See {@link EpochMetrics#evalSeconds()}. */
        public Builder evalSeconds(Double v) {
            evalSeconds = v;
            return this;
        }

        /** See {@link EpochMetrics#diagnosticsSeconds()}. */
        public Builder diagnosticsSeconds(Double v) {
            diagnosticsSeconds = v;
            return this;
        }

        /** The metrics. */
        public EpochMetrics build() {
            return new EpochMetrics(epoch, trainLoss, trainRecon, trainKl, testLoss, testRecon, testKl,
                    testSquaredError, beta, klPerDim, gradNorm, learningRate, epochSeconds, trainSamplesPerSecond,
                    activeUnits, unitActivity, collapsedDims, mutualInfo, muMean, muStd, zMean, zStd, evalSeconds,
                    diagnosticsSeconds);
        }
    }
}
