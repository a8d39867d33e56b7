package org.vaelab.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.data.Batch;
import org.vaelab.data.BatchIterator;
import org.vaelab.data.Batches;
import org.vaelab.data.DataSplit;
import org.vaelab.data.ImageSet;
import org.vaelab.model.Arrays2;
import org.vaelab.model.GradientStep;
import org.vaelab.model.VaeArchitecture;
import org.vaelab.model.VaeModel;
import org.vaelab.spec.DatasetSpec;
import org.vaelab.spec.LossSpec;
import org.vaelab.spec.RunConfig;
import org.vaelab.spec.RunSpec;
import org.vaelab.spec.TrainSpec;
import org.vaelab.tracking.AtomicFiles;
import org.vaelab.tracking.EpochMetrics;
import org.vaelab.tracking.RunRecorder;
import org.vaelab.tracking.RunStatus;

/**
 * Trains one run end to end: builds the model from the spec, resumes from the run's last checkpoint if there
 * is one, and per epoch trains (Adam, optional global-norm clipping, beta schedule, NaN/Inf guard every
 * step), evaluates the true negative ELBO on the test set, checkpoints, and records the epoch's metrics.
 */
public final class Trainer {
    private final EpochDiagnoser diagnostics;

    /** A trainer that leaves the diagnostic metric fields empty. */
    public Trainer() {
        this(EpochDiagnoser.NONE);
    }

    /** A trainer that fills the diagnostic fields of every epoch with {@code diagnostics}. */
    public Trainer(EpochDiagnoser diagnostics) {
        this.diagnostics = diagnostics;
    }

    /** Preallocated input arrays for one batch size, so steps do not allocate. */
    private static final class Buffers {
        final INDArray x;
        final INDArray eps;
        final float[] noise;

        Buffers(int n, int dim, int rows, int latent) {
            x = Nd4j.create(DataType.FLOAT, n, dim);
            eps = Nd4j.create(DataType.FLOAT, rows, latent);
            noise = new float[rows * latent];
        }
    }

    /**
     * Fills {@code into} with standard normal draws from {@code rng}. A method of its own, not a loop inside
     * {@link #train}: a hot loop in that long method made the JIT compile the whole of it on the stack, again
     * for each new run of a worker (2-3 s of a core per worker, measured with -XX:+CITime).
     */
    private static void gaussians(SplittableRandom rng, float[] into) {
        for (int i = 0; i < into.length; i++) {
            into[i] = (float) rng.nextGaussian();
        }
    }

    /**
     * Trains {@code run} on {@code data}, recording into {@code recorder}.
     *
     * @return completed or diverged (with the model; close it)
     * @throws UnsupportedDeviceException when train.device names a backend this build does not have
     * @throws IOException                when the run folder cannot be written or its checkpoint is unreadable
     */
    public TrainResult train(RunSpec run, DataSplit data, RunRecorder recorder, TrainingListener listener)
            throws IOException {
        RunConfig cfg = run.config();
        TrainSpec ts = cfg.train();
        LossSpec loss = cfg.loss();
        DatasetSpec ds = cfg.dataset();
        Devices.require(ts.device());
        ImageSet train = data.train();
        ImageSet test = data.test();
        checkData(train, test, ts);

        RunSeeds seeds = new RunSeeds(ts.seed());
        VaeModel model = VaeModel.create(cfg.model(), loss, train.rows(), train.cols(), DataType.FLOAT,
                seeds.weights());
        String bn = batchnormProblem(model.architecture(), train.size(), ts.batchSize());
        if (bn != null) {
            model.close();
            throw new IllegalArgumentException(bn);
        }
        boolean handedOver = false;
        try (AdamOptimizer adam = new AdamOptimizer(model.parameters().size(), DataType.FLOAT, ts.learningRate());
             TestSet testSet = new TestSet(test, ds, seeds, model.architecture().latentDim(), DataType.FLOAT)) {
            int stepsPerEpoch = (train.size() + ts.batchSize() - 1) / ts.batchSize();
            BetaSchedule schedule = new BetaSchedule(loss, ts.epochs(), stepsPerEpoch);
            Path ckDir = recorder.checkpointDir();

            int firstEpoch = 1;
            long step = 0;
            Optional<Checkpoint> ck = resume(ckDir.resolve(Checkpoint.LAST), model, adam);
            if (ck.isPresent()) {
                Checkpoint c = ck.get();
                step = c.step();
                firstEpoch = c.epoch() + 1;
                // epochs recorded after the checkpoint are trained again; the checkpoint's own epoch is
                // recorded from the checkpoint if a kill came between the two writes
                recorder.truncateTo(c.epoch());
                if (c.metrics() != null && recorder.epochs().stream().noneMatch(e -> e.epoch() == c.epoch())) {
                    recorder.recordEpoch(c.metrics());
                }
            } else {
                recorder.truncateTo(0);
            }
            listener.onStart(firstEpoch, ts.epochs(), stepsPerEpoch);

            GradientStep gs = model.gradientStep();
            INDArray params = model.parameters().flat();
            int dim = model.architecture().dim();
            int latent = model.architecture().latentDim();
            int k = loss.mcSamples();
            Map<Integer, Buffers> buffers = new HashMap<>();

            for (int epoch = firstEpoch; epoch <= ts.epochs(); epoch++) {
                long t0 = System.nanoTime();
                BatchIterator it = Batches.train(train, ts.batchSize(), ds.binarize(), ds.dequantize(),
                        seeds.epochData(epoch));
                SplittableRandom noiseRng = new SplittableRandom(seeds.epochNoise(epoch));
                double sumLoss = 0;
                double sumRecon = 0;
                double sumKl = 0;
                double sumNorm = 0;
                long seen = 0;
                int batch = 0;
                double beta = schedule.at(step);
                while (it.hasNext()) {
                    Batch b = it.next();
                    int n = b.n();
                    Buffers buf = buffers.computeIfAbsent(n, nn -> new Buffers(nn, dim, k * nn, latent));
                    if (b.dim() != dim) {
                        throw new IllegalArgumentException("batch has " + b.dim() + " pixels per image, model " + dim);
                    }
                    Arrays2.copyInto(buf.x, b.x());
                    gaussians(noiseRng, buf.noise);
                    Arrays2.copyInto(buf.eps, buf.noise);
                    beta = schedule.at(step);

                    GradientStep.Values v = gs.compute(buf.x, buf.eps, beta);
                    INDArray grads = gs.gradients();
                    double norm = AdamOptimizer.norm(grads);
                    batch++;
                    if (!Double.isFinite(v.loss()) || !Double.isFinite(norm)) {
                        String what = !Double.isFinite(v.loss()) ? "loss is " + v.loss()
                                : "gradient norm is " + norm + " (loss " + v.loss() + ")";
                        String cause = what + " at epoch " + epoch + ", batch " + batch + " of " + it.batches()
                                + " (step " + (step + 1) + ")";
                        handedOver = true;
                        return new TrainResult(RunStatus.DIVERGED, lastOf(recorder), recorder.epochs(), cause,
                                epoch, step + 1, model);
                    }
                    AdamOptimizer.clip(grads, norm, ts.gradClip());
                    adam.step(params, grads, step);
                    step++;
                    sumLoss += v.loss() * n;
                    sumRecon += v.recon() * n;
                    sumKl += v.kl() * n;
                    sumNorm += norm;
                    seen += n;
                    listener.onBatch(epoch, batch, it.batches(), v.loss());
                }
                double trainSeconds = (System.nanoTime() - t0) / 1e9;

                long tEval = System.nanoTime();
                TestEvaluation ev = testSet.evaluate(model);
                double evalSeconds = (System.nanoTime() - tEval) / 1e9;
                List<Double> klPerDim = new ArrayList<>(latent);
                for (double x : ev.klPerDim()) {
                    klPerDim.add(x);
                }
                EpochMetrics m = EpochMetrics.builder(epoch)
                        .train(sumLoss / seen, sumRecon / seen, sumKl / seen)
                        .test(ev.loss(), ev.recon(), ev.kl()).testSquaredError(ev.squaredError())
                        .beta(beta).klPerDim(klPerDim).gradNorm(sumNorm / batch).learningRate(ts.learningRate())
                        .trainSamplesPerSecond(seen / trainSeconds).build();
                long tDiag = System.nanoTime();
                m = diagnostics.apply(m, ev);
                long tEnd = System.nanoTime();
                // the epoch's time includes its diagnostics; the parts are kept so that their cost can be
                // told from the training's (bench: evaluation and diagnostics shares)
                m = m.toBuilder().epochSeconds((tEnd - t0) / 1e9).evalSeconds(evalSeconds)
                        .diagnosticsSeconds(diagnostics == EpochDiagnoser.NONE ? null : (tEnd - tDiag) / 1e9).build();

                // checkpoint first, then record: see Checkpoint for why this order loses nothing on a kill
                Checkpoint.write(ckDir.resolve(Checkpoint.LAST), epoch, step, model.parameters().signature(), params,
                        model.state(), adam, m);
                recorder.recordEpoch(m);
                listener.onEpoch(m);
            }
            Path last = ckDir.resolve(Checkpoint.LAST);
            if (Files.exists(last)) {
                AtomicFiles.copy(last, ckDir.resolve(Checkpoint.FINAL));
            }
            handedOver = true;
            return new TrainResult(RunStatus.COMPLETED, lastOf(recorder), recorder.epochs(), null, null, null, model);
        } finally {
            if (!handedOver) {
                model.close();
            }
        }
    }

    /**
     * The model a run saved in {@code checkpoint} (e.g. checkpoints/final.ckpt), for reports: reconstructions,
     * samples, latent plots. Close it when done.
     */
    public static VaeModel loadModel(RunConfig cfg, int rows, int cols, Path checkpoint) throws IOException {
        VaeModel m = VaeModel.create(cfg.model(), cfg.loss(), rows, cols, DataType.FLOAT,
                new RunSeeds(cfg.train().seed()).weights());
        try {
            load(checkpoint, m);
            return m;
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** Loads the parameters and state of a checkpoint file (e.g. {@link Checkpoint#FINAL}) into {@code model}. */
    public static void load(Path checkpoint, VaeModel model) throws IOException {
        Checkpoint.restore(checkpoint, model.parameters().signature(), model.parameters().flat(), model.state(),
                null);
    }

    /** The run's last checkpoint streamed into the model and optimizer, if there is one (epoch, step, metrics). */
    private static Optional<Checkpoint> resume(Path last, VaeModel model, AdamOptimizer adam) throws IOException {
        if (!Files.exists(last)) {
            return Optional.empty();
        }
        return Optional.of(Checkpoint.restore(last, model.parameters().signature(), model.parameters().flat(),
                model.state(), adam));
    }

    private static EpochMetrics lastOf(RunRecorder recorder) {
        List<EpochMetrics> e = recorder.epochs();
        return e.isEmpty() ? null : e.get(e.size() - 1);
    }

    /**
     * Checked before the first step rather than met at the last batch of epoch 1: a batchnorm that sees one
     * value per channel per example (over vectors, or 1x1 images) cannot train on a batch of one example
     * (PyTorch refuses it too), which a batch size of 1 or a last partial batch of 1 would give. Null if fine.
     */
    static String batchnormProblem(VaeArchitecture arch, int examples, int batchSize) {
        String layer = arch.batchnormOverSingleValues();
        if (layer == null || (batchSize > 1 && examples % batchSize != 1)) {
            return null;
        }
        return "train.batch_size: " + batchSize + " gives a batch of 1 example (" + examples + " training examples), "
                + "but " + layer + " needs more than 1 value per channel in training; "
                + (batchSize == 1 ? "use batches of at least 2" : "use a batch size b with " + examples
                + " % b != 1, or change dataset.subset");
    }

    private static void checkData(ImageSet train, ImageSet test, TrainSpec ts) {
        if (train.size() == 0) {
            throw new IllegalArgumentException("dataset: the training set is empty (check dataset.classes and"
                    + " dataset.subset)");
        }
        if (test.size() == 0) {
            throw new IllegalArgumentException("dataset: the test set is empty (check dataset.classes and"
                    + " dataset.test_subset)");
        }
        if (train.rows() != test.rows() || train.cols() != test.cols()) {
            throw new IllegalArgumentException("dataset: training images are " + train.rows() + "x" + train.cols()
                    + " but test images " + test.rows() + "x" + test.cols());
        }
        if (ts.batchSize() < 1) {
            throw new IllegalArgumentException("train.batch_size: must be >= 1, got " + ts.batchSize());
        }
        if (ts.epochs() < 1) {
            throw new IllegalArgumentException("train.epochs: must be >= 1, got " + ts.epochs());
        }
    }
}
