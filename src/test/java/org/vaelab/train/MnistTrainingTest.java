package org.vaelab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.data.DataLoader;
import org.vaelab.data.DataSplit;
import org.vaelab.spec.DatasetSpec;
import org.vaelab.spec.Device;
import org.vaelab.spec.EvalSpec;
import org.vaelab.spec.LossSpec;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.Optimizer;
import org.vaelab.spec.RunConfig;
import org.vaelab.spec.TrainSpec;
import org.vaelab.tracking.EpochMetrics;
import org.vaelab.tracking.RunStatus;

/**
 * The seed model (notebook 001: MLP 784-256-256-32, BCE, Adam 1e-3, batch 128) on real MNIST for two epochs.
 * MNIST comes from {@code -Dvaelab.data} (default {@code data/}), fetched there if missing.
 */
@Tag("slow")
class MnistTrainingTest {
    @Test
    void theSeedModelLearnsMnist(@TempDir Path dir) throws Exception {
        DataSplit data = DataLoader.load(DatasetSpec.DEFAULT, Path.of(System.getProperty("vaelab.data", "data")), 42);
        RunConfig c = new RunConfig(DatasetSpec.DEFAULT, ModelSpec.DEFAULT, LossSpec.DEFAULT,
                new TrainSpec(2, 128, Optimizer.ADAM, 1e-3, null, 42L, Device.CPU), EvalSpec.DEFAULT);
        try (TrainResult r = new Trainer().train(TrainerFixtures.spec(c), data, TrainerFixtures.recorder(dir, c),
                TrainingListener.NONE)) {
            assertEquals(RunStatus.COMPLETED, r.status());
            for (EpochMetrics m : r.epochs()) {
                System.out.printf("MNIST epoch %d: test loss %.2f (recon %.2f, kl %.2f), train loss %.2f,"
                        + " %.0f train samples/s, epoch %.1f s%n", m.epoch(), m.testLoss(), m.testRecon(),
                        m.testKl(), m.trainLoss(), m.trainSamplesPerSecond(), m.epochSeconds());
            }
            EpochMetrics last = r.last();
            // continuous-valued MNIST with a Bernoulli likelihood: PyTorch reaches ~115-125 nats in two epochs
            assertTrue(last.testLoss() < 130, "test loss " + last.testLoss());
            assertTrue(last.testKl() > 10, "KL " + last.testKl() + ": the latent is being used");
            assertTrue(r.epochs().get(1).testLoss() < r.epochs().get(0).testLoss());
        }
    }
}
