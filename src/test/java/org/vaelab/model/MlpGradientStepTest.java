package org.vaelab.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.spec.Activation;
import org.vaelab.spec.Estimator;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.Reconstruction;

/**
 * The hand-written mlp step against the SameDiff objective graph (the reference): same loss terms and the same
 * flat gradient, for every activation, likelihood, estimator, K, free bits, depth (including no hidden layer),
 * latent size 1 and a batch of one. Both in FLOAT, so they agree to float rounding, not exactly.
 */
class MlpGradientStepTest {

    private static Parameters params(VaeArchitecture arch, long seed) {
        Parameters p = new Parameters(arch.parameters(), DataType.FLOAT);
        p.initialise(seed);
        return p;
    }

    private static void assertClose(double expected, double actual, String what) {
        assertEquals(expected, actual, 2e-5 * Math.max(1, Math.abs(expected)), what);
    }

    static void compare(ModelSpec spec, Objective obj, int n, double beta, Kernels kernels) {
        VaeArchitecture arch = VaeArchitecture.of(spec, 6, 7);
        try (Parameters p = params(arch, 3)) {
            // grey pixels and a scale that makes some hidden units negative, some logits large
            INDArray x = Nd4j.rand(DataType.FLOAT, n, arch.dim());
            INDArray eps = Nd4j.randn(DataType.FLOAT, (long) obj.samples() * n, arch.latentDim());
            p.flat().muli(3);
            SameDiffGradientStep ref = new SameDiffGradientStep(VaeGraphs.objective(arch, p, obj), p, arch,
                    obj.samples());
            MlpGradientStep hand = new MlpGradientStep(arch, p, obj, kernels);
            GradientStep.Values r = ref.compute(x, eps, beta);
            GradientStep.Values h = hand.compute(x, eps, beta);
            assertClose(r.loss(), h.loss(), "loss");
            assertClose(r.recon(), h.recon(), "recon");
            assertClose(r.kl(), h.kl(), "kl");
            float[] gr = ref.gradients().toFloatVector();
            float[] gh = hand.gradients().toFloatVector();
            double scale = 0;
            for (float v : gr) {
                scale = Math.max(scale, Math.abs(v));
            }
            assertTrue(scale > 0, "reference gradient is zero");
            int i = 0;
            for (Parameters.Param prm : p.list()) {
                for (long j = 0; j < prm.length(); j++, i++) {
                    assertEquals(gr[i], gh[i], 1e-4 * scale, prm.name() + "[" + j + "]");
                }
            }
            // a second call on the same buffers gives the same answer (no state carried between steps)
            GradientStep.Values again = hand.compute(x, eps, beta);
            assertEquals(h.loss(), again.loss(), 0.0);
            ref.close();
            hand.close();
        }
    }

    @ParameterizedTest(name = "{0} {1} K={2} {3} free_bits={4} hidden={5} d={6} n={7}")
    @CsvSource({
            "RELU,BCE,1,ELBO,0,'20,12',3,5",
            "TANH,MSE,1,ELBO,0,'20,12',3,5",
            "ELU,BCE,3,ELBO,0,'16',4,4",
            "LEAKY_RELU,MSE,2,ELBO,0.3,'16,8',3,6",
            "RELU,BCE,1,ELBO,0.5,'20',5,8",
            "RELU,BCE,3,IWAE,0,'20,12',3,5",
            "TANH,MSE,4,IWAE,0,'10',2,3",
            "RELU,BCE,1,ELBO,0,'',3,5",
            "RELU,BCE,2,IWAE,0,'',2,4",
            "RELU,BCE,1,ELBO,0,'20,12',1,5",
            "ELU,BCE,2,ELBO,0,'20,12',3,1",
    })
    void matchesTheSameDiffGraph(Activation act, Reconstruction rec, int k, Estimator est, double fb,
                                 String hidden, int latent, int n) {
        List<Integer> widths = hidden.isEmpty() ? List.of()
                : java.util.Arrays.stream(hidden.split(",")).map(Integer::valueOf).toList();
        ModelSpec spec = new ModelSpec(NetKind.MLP, NetKind.MLP, widths, List.of(4), act, latent);
        Objective obj = new Objective(rec, k, est, fb);
        compare(spec, obj, n, 0.7, Kernels.best());
        compare(spec, obj, n, 0.7, new ScalarKernels());
    }

    @Test
    void theModelUsesItForMlpFloatAndTheGraphOtherwise() {
        ModelSpec mlp = new ModelSpec(NetKind.MLP, NetKind.MLP, List.of(8), List.of(4), Activation.RELU, 2);
        ModelSpec conv = new ModelSpec(NetKind.CONV, NetKind.MLP, List.of(8), List.of(2), Activation.RELU, 2);
        Objective o = Objective.trueElbo(Reconstruction.BCE);
        try (VaeModel a = VaeModel.create(VaeArchitecture.of(mlp, 6, 6), o, DataType.FLOAT, 1);
             VaeModel b = VaeModel.create(VaeArchitecture.of(conv, 6, 6), o, DataType.FLOAT, 1);
             VaeModel c = VaeModel.create(VaeArchitecture.of(mlp, 6, 6), o, DataType.DOUBLE, 1)) {
            assertInstanceOf(MlpGradientStep.class, a.gradientStep());
            // a conv side goes to the conv step (ConvGradientStepTest), DOUBLE to the graph
            assertInstanceOf(ConvGradientStep.class, b.gradientStep());
            assertInstanceOf(SameDiffGradientStep.class, c.gradientStep());
            assertTrue(a.engine().startsWith("mlp-openblas+"), a.engine());
            assertTrue(b.engine().startsWith("conv-openblas+"), b.engine());
        }
    }

    @Test
    void theTestJvmHasTheVectorKernels() {
        // surefire's argLine adds jdk.incubator.vector; without it the scalar fallback would be tested twice
        assertTrue(Kernels.best().name().startsWith("vector"), Kernels.best().name());
    }

    @Test
    void wrongShapesAreRefused() {
        ModelSpec spec = new ModelSpec(NetKind.MLP, NetKind.MLP, List.of(8), List.of(4), Activation.RELU, 2);
        VaeArchitecture arch = VaeArchitecture.of(spec, 6, 6);
        Objective o = new Objective(Reconstruction.BCE, 2, Estimator.ELBO, 0);
        try (Parameters p = params(arch, 1); MlpGradientStep s = new MlpGradientStep(arch, p, o)) {
            INDArray x = Nd4j.rand(DataType.FLOAT, 3, 36);
            assertThrows(IllegalArgumentException.class, () -> s.compute(x, Nd4j.randn(DataType.FLOAT, 3, 2), 1));
            assertThrows(IllegalArgumentException.class,
                    () -> s.compute(Nd4j.rand(DataType.FLOAT, 3, 35), Nd4j.randn(DataType.FLOAT, 6, 2), 1));
        }
    }

    @Test
    void logWeightsMatchTheGraphs() {
        ModelSpec spec = new ModelSpec(NetKind.MLP, NetKind.MLP, List.of(12, 8), List.of(4), Activation.TANH, 3);
        float[] x = new float[5 * 42];
        java.util.SplittableRandom r = new java.util.SplittableRandom(4);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble();
        }
        try (VaeModel m = VaeModel.create(VaeArchitecture.of(spec, 6, 7), Objective.trueElbo(Reconstruction.BCE),
                DataType.FLOAT, 2)) {
            double[][] hand = m.logWeights(x, 5, 7, 9);
            double[][] graph;
            System.setProperty("vaelab.engine", "samediff");
            try {
                graph = m.logWeights(x, 5, 7, 9);
            } finally {
                System.clearProperty("vaelab.engine");
            }
            for (int i = 0; i < 5; i++) {
                for (int s = 0; s < 7; s++) {
                    assertEquals(graph[i][s], hand[i][s], 1e-4 * Math.abs(graph[i][s]), "example " + i + " sample " + s);
                }
            }
        }
    }
}
