package org.vaelab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vaelab.train.TrainerFixtures.tiny;
import static org.vaelab.train.TrainerFixtures.train;
import static org.vaelab.train.TrainerFixtures.with;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.spec.Activation;
import org.vaelab.spec.Estimator;
import org.vaelab.spec.LossSpec;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.Reconstruction;
import org.vaelab.spec.RunConfig;
import org.vaelab.spec.TrainSpec;
import org.vaelab.spec.WarmupSchedule;
import org.vaelab.spec.WarmupSpec;
import org.vaelab.tracking.EpochMetrics;

/**
 * Every key of the spec's model, loss and train sections changes what is trained: a run with the key changed
 * ends with other metrics than the base run (and, where the key has a checkable consequence, shows it).
 */
class KeyFamiliesTest {
    @TempDir
    Path dir;
    private int runs;

    private EpochMetrics last(RunConfig c) throws IOException {
        return train(dir.resolve("r" + runs++), c).last();
    }

    private void assertEachChangesTheRun(RunConfig base, Map<String, RunConfig> variants) throws IOException {
        EpochMetrics b = last(base);
        for (Map.Entry<String, RunConfig> v : variants.entrySet()) {
            EpochMetrics m = last(v.getValue());
            assertNotEquals(b.trainLoss(), m.trainLoss(), v.getKey() + " did not change the training loss");
            assertNotEquals(b.testLoss(), m.testLoss(), v.getKey() + " did not change the test loss");
        }
    }

    private static ModelSpec model(NetKind enc, NetKind dec, List<Integer> hidden, List<Integer> ch, Activation a,
                                   int d) {
        return new ModelSpec(enc, dec, hidden, ch, a, d);
    }

    @Test
    void modelKeys() throws IOException {
        RunConfig base = tiny();
        ModelSpec m = base.model();
        Map<String, RunConfig> v = new LinkedHashMap<>();
        v.put("model.latent_dim", with(base, model(m.encoder(), m.decoder(), m.hidden(), m.channels(), m.activation(), 3)));
        v.put("model.hidden", with(base, model(m.encoder(), m.decoder(), List.of(24, 16), m.channels(), m.activation(), 4)));
        v.put("model.activation", with(base, model(m.encoder(), m.decoder(), m.hidden(), m.channels(), Activation.TANH, 4)));
        v.put("model.activation elu", with(base, model(m.encoder(), m.decoder(), m.hidden(), m.channels(), Activation.ELU, 4)));
        v.put("model.activation leaky", with(base, model(m.encoder(), m.decoder(), m.hidden(), m.channels(), Activation.LEAKY_RELU, 4)));
        v.put("model.encoder", with(base, model(NetKind.CONV, m.decoder(), m.hidden(), m.channels(), m.activation(), 4)));
        v.put("model.decoder", with(base, model(m.encoder(), NetKind.CONV, m.hidden(), m.channels(), m.activation(), 4)));
        assertEachChangesTheRun(base, v);

        // channels only matter to conv nets
        RunConfig conv = with(base, model(NetKind.CONV, NetKind.CONV, m.hidden(), List.of(4, 8), m.activation(), 4));
        assertEachChangesTheRun(conv, Map.of("model.channels",
                with(base, model(NetKind.CONV, NetKind.CONV, m.hidden(), List.of(6), m.activation(), 4))));
    }

    private static LossSpec loss(Reconstruction r, double beta, WarmupSpec w, double fb, int k, Estimator e) {
        return new LossSpec(r, beta, w, fb, k, e);
    }

    @Test
    void lossKeys() throws IOException {
        RunConfig base = tiny();
        LossSpec l = base.loss();
        WarmupSpec none = l.warmup();
        Map<String, RunConfig> v = new LinkedHashMap<>();
        v.put("loss.reconstruction", with(base, loss(Reconstruction.MSE, 1, none, 0, 1, Estimator.ELBO)));
        v.put("loss.beta", with(base, loss(Reconstruction.BCE, 4, none, 0, 1, Estimator.ELBO)));
        v.put("loss.warmup linear", with(base, loss(Reconstruction.BCE, 1,
                new WarmupSpec(WarmupSchedule.LINEAR, 2, 1, 0.5), 0, 1, Estimator.ELBO)));
        v.put("loss.warmup cyclical", with(base, loss(Reconstruction.BCE, 1,
                new WarmupSpec(WarmupSchedule.CYCLICAL, 0, 2, 0.5), 0, 1, Estimator.ELBO)));
        v.put("loss.free_bits", with(base, loss(Reconstruction.BCE, 1, none, 0.5, 1, Estimator.ELBO)));
        v.put("loss.mc_samples", with(base, loss(Reconstruction.BCE, 1, none, 0, 3, Estimator.ELBO)));
        v.put("loss.estimator", with(base, loss(Reconstruction.BCE, 1, none, 0, 3, Estimator.IWAE)));
        assertEachChangesTheRun(base, v);
        // and iwae differs from elbo at the same K
        assertEachChangesTheRun(v.get("loss.mc_samples"), Map.of("iwae vs elbo, K=3", v.get("loss.estimator")));

        // consequences that can be checked exactly
        EpochMetrics warm = last(v.get("loss.warmup linear"));
        assertTrue(warm.beta() > 0.9 && warm.beta() < 1.0, "beta at the end of warm-up epoch 2: " + warm.beta());
        EpochMetrics fb = last(with(base, loss(Reconstruction.BCE, 2, none, 1.5, 1, Estimator.ELBO)));
        // objective = recon + beta * sum_d max(lambda, KL_d) >= recon + beta * lambda * d
        assertTrue(fb.trainLoss() - fb.trainRecon() >= 2 * 1.5 * 4 - 1e-4, fb.toString());
        EpochMetrics beta4 = last(v.get("loss.beta"));
        assertEquals(4.0, beta4.beta());
    }

    @Test
    void trainKeys() throws IOException {
        RunConfig base = tiny();
        TrainSpec t = base.train();
        Map<String, RunConfig> v = new LinkedHashMap<>();
        v.put("train.epochs", with(base, new TrainSpec(3, t.batchSize(), t.optimizer(), t.learningRate(), null, t.seed(), t.device())));
        v.put("train.batch_size", with(base, new TrainSpec(t.epochs(), 16, t.optimizer(), t.learningRate(), null, t.seed(), t.device())));
        v.put("train.learning_rate", with(base, new TrainSpec(t.epochs(), t.batchSize(), t.optimizer(), 1e-3, null, t.seed(), t.device())));
        v.put("train.grad_clip", with(base, new TrainSpec(t.epochs(), t.batchSize(), t.optimizer(), t.learningRate(), 5.0, t.seed(), t.device())));
        v.put("train.seed", with(base, new TrainSpec(t.epochs(), t.batchSize(), t.optimizer(), t.learningRate(), null, 8L, t.device())));
        assertEachChangesTheRun(base, v);
        // a clip above every gradient norm changes nothing: clipping is what made the difference above
        EpochMetrics b = last(base);
        EpochMetrics loose = last(with(base, new TrainSpec(t.epochs(), t.batchSize(), t.optimizer(), t.learningRate(), 1e9, t.seed(), t.device())));
        assertEquals(TrainerFixtures.timeless(b), TrainerFixtures.timeless(loose));
    }
}
