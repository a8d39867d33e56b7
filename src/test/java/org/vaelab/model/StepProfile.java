package org.vaelab.model;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.spec.Estimator;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.Reconstruction;
import org.vaelab.spec.yaml.SpecLoader;
import org.vaelab.sweep.SweepExpander;

/**
 * A probe, not a test: CPU time of one {@code FastGradientStep.compute} (forward and backward of the whole VAE, no
 * optimiser) for a seed spec's model at given batch sizes, the loss the bench trains (bce, one sample); min and
 * median of 21 after 15 warm-up steps. Run with the test classpath:
 * {@code java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes:DEPS
 * org.vaelab.model.StepProfile spec.yaml 128,512}.
 */
public final class StepProfile {
    private StepProfile() {
    }

    public static void main(String[] args) throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        ModelSpec m = SweepExpander.expand(SpecLoader.load(Path.of(args[0]), List.of())).get(0).config().model();
        VaeArchitecture arch = VaeArchitecture.of(m, 28, 28);
        Objective obj = new Objective(Reconstruction.BCE, 1, Estimator.ELBO, 0);
        for (String bs : args[1].split(",")) {
            int n = Integer.parseInt(bs);
            try (Parameters p = new Parameters(arch.parameters(), DataType.FLOAT)) {
                p.initialise(3);
                INDArray x = Nd4j.rand(DataType.FLOAT, n, arch.dim());
                INDArray eps = Nd4j.randn(DataType.FLOAT, n, arch.latentDim());
                FastGradientStep s = new FastGradientStep(arch, p, obj);
                for (int i = 0; i < 15; i++) {
                    s.compute(x, eps, 1.0);
                }
                long[] t = new long[21];
                for (int i = 0; i < t.length; i++) {
                    long t0 = mx.getCurrentThreadCpuTime();
                    s.compute(x, eps, 1.0);
                    t[i] = mx.getCurrentThreadCpuTime() - t0;
                }
                Arrays.sort(t);
                System.out.printf("batch %d: step min %.2f ms med %.2f ms = %.1f us/sample (min)%n", n, t[0] / 1e6,
                        t[10] / 1e6, t[0] / 1e3 / n);
                s.close();
            }
        }
    }
}
