package org.vaelab.train;

import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.vaelab.data.ImageSet;
import org.vaelab.model.VaeModel;
import org.vaelab.spec.Activation;
import org.vaelab.spec.EvalSpec;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.RunConfig;
import org.vaelab.tracking.RunVisuals;

/**
 * Cost of {@link RunVisualsBuilder#build} for the beta-sweep model (MLP 784-256-256-d) on a 10,000-image 28x28
 * test set of synthetic digits, per latent size, split into the encoder pass, the decoder call and the rest.
 * Not a test: run with {@code java -cp target/test-classes:target/classes:<deps> org.vaelab.train.VisualsBenchmark}.
 */
public final class VisualsBenchmark {
    private VisualsBenchmark() {
    }

    public static void main(String[] args) {
        ImageSet test = SyntheticDigits.make(10_000, 28, 3);
        float[] x = new float[test.pixels().length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (test.pixels()[i] & 0xff) / 255f;
        }
        System.out.println("OMP_NUM_THREADS=" + System.getenv("OMP_NUM_THREADS"));
        for (int d : new int[] {2, 8, 32, 128}) {
            ModelSpec ms = new ModelSpec(NetKind.MLP, NetKind.MLP, List.of(256, 256), List.of(32, 64),
                    Activation.RELU, d);
            RunConfig base = new RunConfig(RunConfig.DEFAULT.dataset(), ms, RunConfig.DEFAULT.loss(),
                    RunConfig.DEFAULT.train(), RunConfig.DEFAULT.eval());
            // threshold 0 takes the active-units scatter; a threshold nothing passes takes the PCA path
            for (double threshold : new double[] {0, 1e9}) {
                RunConfig cfg = new RunConfig(base.dataset(), ms, base.loss(), base.train(),
                        new EvalSpec(threshold, 1, 1));
                try (VaeModel m = VaeModel.create(ms, cfg.loss(), 28, 28, DataType.FLOAT, 1)) {
                    for (int rep = 0; rep < 3; rep++) {
                        long t0 = System.nanoTime();
                        VaeModel.Encoding e = m.encode(x, test.size());
                        long t1 = System.nanoTime();
                        m.decode(new double[354][d]);
                        long t2 = System.nanoTime();
                        RunVisuals v = RunVisualsBuilder.build(m, cfg, test, 1, 7);
                        long t3 = System.nanoTime();
                        System.out.printf(Locale.ROOT, "latent %3d %-12s rep %d: encode %4.0f ms, decode 354 %4.0f ms,"
                                        + " build %4.0f ms%n", d, v.scatter().method(), rep, (t1 - t0) / 1e6,
                                (t2 - t1) / 1e6, (t3 - t2) / 1e6);
                        if (e.mu().length != test.size()) {
                            throw new AssertionError();
                        }
                    }
                }
                if (d == 2) {
                    break; // latent 2 always plots the latent itself
                }
            }
        }
    }
}
