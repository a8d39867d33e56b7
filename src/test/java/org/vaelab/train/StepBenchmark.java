package org.vaelab.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.data.DataSplit;
import org.vaelab.model.Arrays2;
import org.vaelab.model.GradientStep;
import org.vaelab.model.VaeModel;
import org.vaelab.spec.Activation;
import org.vaelab.spec.DatasetSpec;
import org.vaelab.spec.Device;
import org.vaelab.spec.EvalSpec;
import org.vaelab.spec.LossSpec;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.Optimizer;
import org.vaelab.spec.RunConfig;
import org.vaelab.spec.TrainSpec;
import org.vaelab.tracking.EpochMetrics;

/**
 * Training throughput of the seed model (MLP 784-256-256-32, BCE, Adam): the bare step (forward, backward,
 * gradient norm, Adam) on random binary data, and the whole trainer on synthetic 28x28 digits. Not a test:
 * run with {@code java -cp target/test-classes:target/classes:<deps> org.vaelab.train.StepBenchmark [batch...]}.
 */
public final class StepBenchmark {
    private StepBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int[] batches = args.length == 0 ? new int[]{128, 512} : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        ModelSpec seed = new ModelSpec(NetKind.MLP, NetKind.MLP, List.of(256, 256), List.of(32, 64), Activation.RELU, 32);
        System.out.println("backend " + Devices.backend() + ", OMP_NUM_THREADS=" + System.getenv("OMP_NUM_THREADS"));
        for (int n : batches) {
            stepOnly(seed, n);
        }
        for (int n : batches) {
            trainer(seed, n);
        }
    }

    private static void stepOnly(ModelSpec spec, int n) {
        try (VaeModel m = VaeModel.create(spec, LossSpec.DEFAULT, 28, 28, DataType.FLOAT, 1);
             AdamOptimizer adam = new AdamOptimizer(m.parameters().size(), DataType.FLOAT, 1e-3)) {
            SplittableRandom r = new SplittableRandom(1);
            INDArray x = Nd4j.create(DataType.FLOAT, n, 784);
            float[] xs = new float[n * 784];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = r.nextInt(5) == 0 ? 1f : 0f;
            }
            Arrays2.copyInto(x, xs);
            INDArray eps = Nd4j.randn(DataType.FLOAT, n, 32);
            GradientStep gs = m.gradientStep();
            INDArray p = m.parameters().flat();
            long step = 0;
            for (int w = 0; w < 30; w++) {
                gs.compute(x, eps, 1.0);
                adam.step(p, gs.gradients(), step++);
            }
            int steps = Math.max(50, 60000 / n / 2);
            long t0 = System.nanoTime();
            double loss = 0;
            for (int i = 0; i < steps; i++) {
                loss = gs.compute(x, eps, 1.0).loss();
            }
            double tCompute = (System.nanoTime() - t0) / 1e9;
            t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                gs.compute(x, eps, 1.0);
                double norm = AdamOptimizer.norm(gs.gradients());
                AdamOptimizer.clip(gs.gradients(), norm, null);
                adam.step(p, gs.gradients(), step++);
            }
            double tFull = (System.nanoTime() - t0) / 1e9;
            System.out.printf("batch %4d: forward+backward %7.0f samples/s; with norm+Adam %7.0f samples/s"
                    + " (%.2f ms/step, loss %.1f)%n", n, steps * n / tCompute, steps * n / tFull,
                    1e3 * tFull / steps, loss);
        }
    }

    private static void trainer(ModelSpec spec, int n) throws Exception {
        DataSplit data = SyntheticDigits.split(12800, 1000, 28, 3);
        RunConfig c = new RunConfig(DatasetSpec.DEFAULT, spec, LossSpec.DEFAULT,
                new TrainSpec(2, n, Optimizer.ADAM, 1e-3, null, 1L, Device.CPU), EvalSpec.DEFAULT);
        Path dir = Files.createTempDirectory("vaelab-bench");
        try (TrainResult r = new Trainer().train(TrainerFixtures.spec(c), data, TrainerFixtures.recorder(dir, c),
                TrainingListener.NONE)) {
            for (EpochMetrics m : r.epochs()) {
                System.out.printf("trainer batch %4d epoch %d: %7.0f train samples/s, epoch %.2f s (12800 train,"
                        + " 1000 test)%n", n, m.epoch(), m.trainSamplesPerSecond(), m.epochSeconds());
            }
        }
    }
}
