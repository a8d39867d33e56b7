package org.vaelab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vaelab.train.TrainerFixtures.DATA;
import static org.vaelab.train.TrainerFixtures.recorder;
import static org.vaelab.train.TrainerFixtures.spec;
import static org.vaelab.train.TrainerFixtures.timeless;
import static org.vaelab.train.TrainerFixtures.tiny;
import static org.vaelab.train.TrainerFixtures.train;
import static org.vaelab.train.TrainerFixtures.with;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.vaelab.model.VaeModel;
import org.vaelab.spec.Activation;
import org.vaelab.spec.Device;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.LossSpec;
import org.vaelab.spec.Reconstruction;
import org.vaelab.spec.RunConfig;
import org.vaelab.spec.TrainSpec;
import org.vaelab.tracking.EpochMetrics;
import org.vaelab.tracking.RunRecorder;
import org.vaelab.tracking.RunStatus;

class TrainerTest {

    /** The true test ELBO of the untrained model (same seeds as the run). */
    private static double initialTestLoss(RunConfig c) {
        RunSeeds seeds = new RunSeeds(c.train().seed());
        try (VaeModel m = VaeModel.create(c.model(), c.loss(), TrainerFixtures.SIDE, TrainerFixtures.SIDE,
                DataType.FLOAT, seeds.weights());
             TestSet t = new TestSet(DATA.test(), c.dataset(), seeds, c.model().latentDim(), DataType.FLOAT)) {
            return t.evaluate(m).loss();
        }
    }

    @ParameterizedTest(name = "{0} encoder, {1} decoder, {2}")
    @CsvSource({"MLP,MLP,BCE", "MLP,MLP,MSE", "CONV,CONV,BCE", "CONV,CONV,MSE", "CONV,MLP,BCE", "CONV,MLP,MSE",
            "MLP,CONV,BCE", "MLP,CONV,MSE"})
    void aShortRunLowersTheTestLoss(NetKind enc, NetKind dec, Reconstruction rec, @TempDir Path dir)
            throws IOException {
        RunConfig c = tiny();
        c = with(c, new ModelSpec(enc, dec, List.of(32), List.of(4, 8), Activation.RELU, 4));
        LossSpec l = c.loss();
        c = with(c, new LossSpec(rec, l.beta(), l.warmup(), l.freeBits(), l.mcSamples(), l.estimator()));
        double before = initialTestLoss(c);
        TrainResult r = train(dir, c);
        assertEquals(RunStatus.COMPLETED, r.status());
        EpochMetrics m = r.last();
        assertEquals(2, m.epoch());
        // the drop needed is small on purpose (2 epochs of 256 images); what matters is that it learns
        double drop = before - m.testLoss();
        assertTrue(drop > 2.0, "test loss " + before + " -> " + m.testLoss());
        assertEquals(m.testRecon() + m.testKl(), m.testLoss(), 1e-6);
        assertEquals(rec == Reconstruction.MSE, m.testSquaredError() != null);
        assertEquals(4, m.klPerDim().size());
        assertEquals(m.testKl(), m.klPerDim().stream().mapToDouble(Double::doubleValue).sum(), 1e-6);
        assertTrue(m.trainSamplesPerSecond() > 0 && m.epochSeconds() > 0);
    }

    @Test
    void metricsFollowTheirDefinitions(@TempDir Path dir) throws IOException {
        TrainResult r = train(dir, tiny());
        for (EpochMetrics m : r.epochs()) {
            // beta = 1, no free bits, K = 1: the training objective is recon + kl
            assertEquals(m.trainRecon() + m.trainKl(), m.trainLoss(), 1e-4);
            assertEquals(1.0, m.beta());
            assertEquals(3e-3, m.learningRate());
            assertNull(m.testSquaredError());
            assertTrue(m.gradNorm() > 0);
        }
        assertEquals(List.of(1, 2), r.epochs().stream().map(EpochMetrics::epoch).toList());
        assertTrue(Files.exists(dir.resolve("test/run1/checkpoints/final.ckpt")));
    }

    @Test
    void theSameSpecAndSeedGiveIdenticalMetrics(@TempDir Path a, @TempDir Path b) throws IOException {
        RunConfig c = tiny();
        TrainResult ra = train(a, c);
        TrainResult rb = train(b, c);
        assertEquals(timeless(ra.epochs()), timeless(rb.epochs()));
        Checkpoint ca = Checkpoint.read(a.resolve("test/run1/checkpoints/final.ckpt")).orElseThrow();
        Checkpoint cb = Checkpoint.read(b.resolve("test/run1/checkpoints/final.ckpt")).orElseThrow();
        assertArrayEquals(ca.params(), cb.params());
        // and another seed gives other numbers
        TrainSpec t = c.train();
        TrainResult rc = train(a.resolve("other"), with(c, new TrainSpec(t.epochs(), t.batchSize(), t.optimizer(),
                t.learningRate(), t.gradClip(), 8L, t.device())));
        assertTrue(ra.last().testLoss() != rc.last().testLoss());
    }

    /** A kill after epoch 2 of 3; optionally also before epoch 2's metrics line reached metrics.jsonl. */
    private static List<EpochMetrics> interruptedRun(Path dir, RunConfig c, boolean lostRecord) throws IOException {
        TrainingListener killer = new TrainingListener() {
            @Override
            public void onEpoch(EpochMetrics m) {
                if (m.epoch() == 2) {
                    throw new IllegalStateException("killed");
                }
            }
        };
        assertThrows(IllegalStateException.class, () -> train(dir, c, killer));
        RunRecorder rec = recorder(dir, c);
        assertEquals(2, rec.epochs().size());
        if (lostRecord) {
            rec.truncateTo(1);
        }
        List<Integer> started = new ArrayList<>();
        TrainingListener watch = new TrainingListener() {
            @Override
            public void onStart(int firstEpoch, int epochs, int batches) {
                started.add(firstEpoch);
            }
        };
        TrainResult r = train(dir, c, watch);
        assertEquals(List.of(3), started, "resumes at the epoch after the checkpoint");
        return r.epochs();
    }

    @Test
    void resumingFromACheckpointGivesTheUninterruptedMetrics(@TempDir Path full, @TempDir Path cut,
                                                            @TempDir Path cut2) throws IOException {
        RunConfig c3 = tiny();
        TrainSpec t = c3.train();
        RunConfig c = with(c3, new TrainSpec(3, t.batchSize(), t.optimizer(), t.learningRate(), 1.0, t.seed(),
                t.device()));
        List<EpochMetrics> expected = timeless(train(full, c).epochs());
        assertEquals(3, expected.size());
        assertEquals(expected, timeless(interruptedRun(cut, c, false)));
        assertEquals(expected, timeless(interruptedRun(cut2, c, true)));
        // metrics.jsonl ends with each epoch exactly once
        assertEquals(List.of(1, 2, 3), recorder(cut2, c).epochs().stream().map(EpochMetrics::epoch).toList());
    }

    /**
     * A layer list with batchnorm on images and on vectors (running statistics in the checkpoint) and every
     * other kind the engine fuses or not, on the fixtures' 12x12 images.
     */
    static ModelSpec layerListWithBatchnorm() {
        LayerSpec.Act relu = new LayerSpec.Act(LayerSpec.Nonlinearity.RELU);
        return ModelSpec.layers(List.of(new LayerSpec.Conv(4, 3, 3, 1, 0, 0, true), new LayerSpec.BatchNorm(), relu,
                        new LayerSpec.MaxPool(2), new LayerSpec.Flatten(), new LayerSpec.Linear(16),
                        new LayerSpec.BatchNorm(), new LayerSpec.Act(LayerSpec.Nonlinearity.TANH)),
                List.of(new LayerSpec.Linear(36), new LayerSpec.LayerNorm(), relu, new LayerSpec.Reshape(1, 6, 6),
                        new LayerSpec.Upsample(2), new LayerSpec.Conv(2, 3, 3, 1, 0, 0, true),
                        new LayerSpec.BatchNorm(), new LayerSpec.Act(LayerSpec.Nonlinearity.ELU),
                        new LayerSpec.ConvTranspose(1, 3, 3, 1, 1, 1, 0, 0)), 4);
    }

    @Test
    void aLayerListWithBatchnormResumesToTheUninterruptedMetricsAndRunningStatistics(
            @TempDir Path full, @TempDir Path cut) throws IOException {
        RunConfig c3 = with(tiny(), layerListWithBatchnorm());
        TrainSpec t = c3.train();
        RunConfig c = with(c3, new TrainSpec(3, t.batchSize(), t.optimizer(), t.learningRate(), 1.0, t.seed(),
                t.device()));
        List<EpochMetrics> expected = timeless(train(full, c).epochs());
        assertEquals(3, expected.size());
        assertTrue(expected.get(2).testLoss() < expected.get(0).testLoss(), expected.toString());
        assertEquals(expected, timeless(interruptedRun(cut, c, false)));
        Checkpoint a = Checkpoint.read(full.resolve("test/run1/checkpoints/final.ckpt")).orElseThrow();
        Checkpoint b = Checkpoint.read(cut.resolve("test/run1/checkpoints/final.ckpt")).orElseThrow();
        // 3 batchnorms: (4 + 16 + 2) channels, mean and variance each
        assertEquals(44, a.state().length);
        assertArrayEquals(a.state(), b.state());
        assertArrayEquals(a.params(), b.params());
        boolean moved = false;
        for (float v : a.state()) {
            moved |= v != 0f && v != 1f;
        }
        assertTrue(moved, "training moves the running statistics off their initial values");
    }

    @Test
    void aBatchOfOneForABatchnormOverVectorsIsRefusedBeforeTrainingWithTheFix() {
        org.vaelab.model.VaeArchitecture bn = org.vaelab.model.VaeArchitecture.of(layerListWithBatchnorm(), 12, 12);
        assertEquals("enc_batchnorm1", bn.batchnormOverSingleValues(), "the first over vectors (the first is 4x12x12)");
        assertNull(Trainer.batchnormProblem(bn, 256, 32));
        String p = Trainer.batchnormProblem(bn, 257, 32);
        assertTrue(p.startsWith("train.batch_size: 32 gives a batch of 1 example (257 training examples), but "
                + "enc_batchnorm1 needs more than 1 value per channel"), p);
        assertTrue(Trainer.batchnormProblem(bn, 256, 1).endsWith("use batches of at least 2"));
        // batchnorm over images with more than one pixel, or none at all: any batch trains
        ModelSpec images = ModelSpec.layers(List.of(new LayerSpec.Conv(2, 3, 3, 1, 0, 0, true),
                new LayerSpec.BatchNorm(), new LayerSpec.Flatten()), List.of(new LayerSpec.Linear(144)), 2);
        assertNull(org.vaelab.model.VaeArchitecture.of(images, 12, 12).batchnormOverSingleValues());
        assertNull(Trainer.batchnormProblem(org.vaelab.model.VaeArchitecture.of(tiny().model(), 12, 12), 257, 32));
    }

    @Test
    void anAbsurdLearningRateDivergesWithEpochStepAndCause(@TempDir Path dir) throws IOException {
        RunConfig c = tiny();
        TrainSpec t = c.train();
        c = with(c, new TrainSpec(2, t.batchSize(), t.optimizer(), 1e12, null, t.seed(), t.device()));
        TrainResult r = train(dir, c);
        assertEquals(RunStatus.DIVERGED, r.status());
        assertEquals(1, r.divergedEpoch());
        assertNotNull(r.divergedStep());
        assertTrue(r.divergedStep() >= 2 && r.divergedStep() <= 8, "step " + r.divergedStep());
        assertTrue(r.cause().matches("(loss|gradient norm) is .* at epoch 1, batch \\d+ of 8 \\(step \\d+\\)"),
                r.cause());
        assertTrue(r.epochs().isEmpty());
        assertNull(r.last());
    }

    @Test
    void cudaOnTheCpuBuildFailsBeforeTraining(@TempDir Path dir) {
        RunConfig c = tiny();
        TrainSpec t = c.train();
        RunConfig cuda = with(c, new TrainSpec(t.epochs(), t.batchSize(), t.optimizer(), t.learningRate(),
                t.gradClip(), t.seed(), Device.CUDA));
        assertThrows(UnsupportedDeviceException.class, () -> train(dir, cuda));
    }

    @Test
    void aCheckpointOfAnotherArchitectureIsRefusedWithAFix(@TempDir Path dir) throws IOException {
        RunConfig c = tiny();
        train(dir, c);
        RunConfig wider = with(c, new ModelSpec(NetKind.MLP, NetKind.MLP, List.of(64), List.of(4, 8),
                Activation.RELU, 4));
        IOException e = assertThrows(IOException.class,
                () -> new Trainer().train(spec(wider), DATA, recorder(dir, wider), TrainingListener.NONE));
        assertTrue(e.getMessage().contains("different model architecture; delete it"), e.getMessage());
    }

    @Test
    void theTrainedModelEncodesDecodesAndGivesLogWeights(@TempDir Path dir) throws IOException {
        RunConfig c = tiny();
        try (TrainResult r = new Trainer().train(spec(c), DATA, recorder(dir, c), TrainingListener.NONE)) {
            VaeModel m = r.model();
            float[] x = new float[3 * 144];
            for (int i = 0; i < x.length; i++) {
                x[i] = (DATA.test().pixels()[i] & 0xff) / 255f;
            }
            VaeModel.Encoding enc = m.encode(x, 3);
            assertEquals(3, enc.mu().length);
            assertEquals(4, enc.mu()[0].length);
            float[][] img = m.reconstruct(x, 3);
            assertEquals(144, img[1].length);
            for (float v : img[2]) {
                assertTrue(v >= 0 && v <= 1);
            }
            double[][] lw = m.logWeights(x, 3, 50, 1);
            assertEquals(3, lw.length);
            assertEquals(50, lw[0].length);
            // log p(x) estimate (log-mean-exp of the weights) is at least the mean log weight (Jensen)
            for (double[] row : lw) {
                double max = java.util.Arrays.stream(row).max().orElseThrow();
                double lme = max + Math.log(java.util.Arrays.stream(row).map(v -> Math.exp(v - max)).sum() / 50);
                double mean = java.util.Arrays.stream(row).average().orElseThrow();
                assertTrue(lme >= mean && Double.isFinite(lme));
            }
        }
    }

    @Test
    void theFinalModelReloadsAndGivesTestLogWeights(@TempDir Path dir) throws IOException {
        RunConfig c = tiny();
        c = new RunConfig(c.dataset(), c.model(), c.loss(), c.train(), new org.vaelab.spec.EvalSpec(0.01, 20, 7));
        float[][] before;
        float[] x = new float[144];
        for (int i = 0; i < x.length; i++) {
            x[i] = (DATA.test().pixels()[i] & 0xff) / 255f;
        }
        try (TrainResult r = new Trainer().train(spec(c), DATA, recorder(dir, c), TrainingListener.NONE)) {
            before = r.model().reconstruct(x, 1);
        }
        try (VaeModel m = Trainer.loadModel(c, 12, 12, dir.resolve("test/run1/checkpoints/final.ckpt"))) {
            assertArrayEquals(before[0], m.reconstruct(x, 1)[0]);
            ImportanceWeights w = ImportanceWeights.onTestSet(m, DATA.test(), c);
            assertEquals(7, w.logWeights().length);
            assertEquals(20, w.logWeights()[0].length);
            assertEquals(DATA.test().labels()[w.indices()[6]], w.labels()[6]);
            assertArrayEquals(ImportanceWeights.subset(DATA.test().labels(), 7), w.indices(),
                    "the stratified subset, whatever the run's seed");
            // reproducible: same seed, same weights
            assertArrayEquals(w.logWeights()[3], ImportanceWeights.onTestSet(m, DATA.test(), c).logWeights()[3]);
        }
    }

    @Test
    void batchesAndTestSetsOfOneExampleWork(@TempDir Path dir) throws IOException {
        RunConfig c = tiny();
        TrainSpec t = c.train();
        c = with(c, new TrainSpec(2, 1, t.optimizer(), t.learningRate(), null, t.seed(), t.device()));
        org.vaelab.data.DataSplit small = SyntheticDigits.split(5, 1, TrainerFixtures.SIDE, 5);
        try (TrainResult r = new Trainer().train(spec(c), small, recorder(dir, c), TrainingListener.NONE)) {
            assertEquals(RunStatus.COMPLETED, r.status());
            assertEquals(2, r.epochs().size());
            assertTrue(Double.isFinite(r.last().testLoss()));
        }
    }
}
