package org.vaelab.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.opentest4j.AssertionFailedError;
import org.vaelab.spec.Activation;
import org.vaelab.spec.Estimator;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.Reconstruction;

/**
 * The engine (FastGradientStep) on the conv shorthands against the SameDiff objective graph (the reference), in FLOAT and in DOUBLE (the
 * same parameters, inputs and noise cast up, so the reference carries no float rounding): same loss terms and
 * the same flat gradient for conv/conv, conv/mlp and mlp/conv models, one to three conv layers, odd and even
 * image sizes (transposed-conv kernels of 3 and 4, non-square, and 28x28 with the bench model's channels), every activation, both likelihoods, both
 * estimators, K, free bits, latent size 1 and a batch of one.
 */
class FastConvStepTest {

    /** Loss terms: relative to the value. Gradients: relative to the largest reference gradient. */
    private static final double VALUE_TOL = 2e-5;
    private static final double GRAD_TOL = 1e-4;

    private record Result(GradientStep.Values values, float[] grads) {
    }

    private static Result reference(VaeArchitecture arch, Parameters p, Objective obj, INDArray x, INDArray eps,
                                    double beta, DataType dt) {
        try (Parameters q = new Parameters(arch.parameters(), dt)) {
            q.flat().assign(p.flat().castTo(dt));
            SameDiffGradientStep ref = new SameDiffGradientStep(VaeGraphs.objective(arch, q, obj), q, arch,
                    obj.samples());
            GradientStep.Values v = ref.compute(x.castTo(dt), eps.castTo(dt), beta);
            float[] g = ref.gradients().castTo(DataType.FLOAT).toFloatVector();
            ref.close();
            return new Result(v, g);
        }
    }

    private static void assertClose(double expected, double actual, String what) {
        assertEquals(expected, actual, VALUE_TOL * Math.max(1, Math.abs(expected)), what);
    }

    /** Every gradient element within GRAD_TOL of the reference's largest, named by parameter and index. */
    static void assertSameGradients(float[] ref, float[] hand, List<Parameters.Param> params, String what) {
        double scale = 0;
        for (float v : ref) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertTrue(scale > 0, "reference gradient is zero");
        assertEquals(ref.length, hand.length, "gradient length");
        int i = 0;
        for (Parameters.Param prm : params) {
            for (long j = 0; j < prm.length(); j++, i++) {
                assertEquals(ref[i], hand[i], GRAD_TOL * scale, what + ": " + prm.name() + "[" + j + "]");
            }
        }
    }

    static void compare(ModelSpec spec, Objective obj, int rows, int cols, int n, double beta, Kernels kernels) {
        VaeArchitecture arch = VaeArchitecture.of(spec, rows, cols);
        try (Parameters p = new Parameters(arch.parameters(), DataType.FLOAT)) {
            p.initialise(3);
            // grey pixels and a scale that makes some hidden units negative, some logits large
            p.flat().muli(2);
            Nd4j.getRandom().setSeed(11);
            INDArray x = Nd4j.rand(DataType.FLOAT, n, arch.dim());
            INDArray eps = Nd4j.randn(DataType.FLOAT, (long) obj.samples() * n, arch.latentDim());
            FastGradientStep hand = new FastGradientStep(arch, p, obj, kernels, true);
            GradientStep.Values h = hand.compute(x, eps, beta);
            float[] gh = hand.gradients().toFloatVector();
            for (DataType dt : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
                Result r = reference(arch, p, obj, x, eps, beta, dt);
                assertClose(r.values().loss(), h.loss(), dt + " loss");
                assertClose(r.values().recon(), h.recon(), dt + " recon");
                assertClose(r.values().kl(), h.kl(), dt + " kl");
                assertSameGradients(r.grads(), gh, p.list(), dt.toString());
            }
            // a second call on the same buffers gives the same answer (no state carried between steps)
            GradientStep.Values again = hand.compute(x, eps, beta);
            assertEquals(h.loss(), again.loss(), 0.0);
            assertTrue(Arrays.equals(gh, hand.gradients().toFloatVector()), "second call's gradients");
            hand.close();
        }
    }

    private static List<Integer> ints(String s) {
        return s.isEmpty() ? List.of() : Arrays.stream(s.split(",")).map(Integer::valueOf).toList();
    }

    @ParameterizedTest(name = "{0}/{1} ch={2} hidden={3} {4} {5} K={6} {7} fb={8} d={9} n={10} {11}x{12}")
    @CsvSource({
            "CONV,CONV,'3,4','',RELU,BCE,1,ELBO,0,3,5,6,7",
            "CONV,CONV,'3,4','',TANH,MSE,1,ELBO,0,3,4,7,6",
            "CONV,CONV,'4','',ELU,BCE,3,ELBO,0,2,3,8,8",
            "CONV,CONV,'2,3,4','',LEAKY_RELU,MSE,2,ELBO,0.3,3,4,9,9",
            "CONV,CONV,'3,4','',RELU,BCE,1,ELBO,0.5,4,6,6,6",
            "CONV,CONV,'3,4','',RELU,BCE,3,IWAE,0,3,4,6,7",
            "CONV,CONV,'3','',TANH,MSE,4,IWAE,0,2,3,5,5",
            "CONV,CONV,'3,4','',RELU,BCE,1,ELBO,0,1,4,6,7",
            "CONV,CONV,'3,4','',ELU,BCE,2,ELBO,0,3,1,6,7",
            "CONV,MLP,'3,4','10,6',RELU,BCE,2,ELBO,0,3,4,6,7",
            "CONV,MLP,'3','',TANH,MSE,1,ELBO,0,2,3,6,6",
            "MLP,CONV,'3,4','10,6',RELU,BCE,1,ELBO,0,3,4,6,7",
            "MLP,CONV,'4','',LEAKY_RELU,BCE,2,IWAE,0,2,3,7,7",
            // MNIST's geometry: three layers (28 > 14 > 7 > 4, kernels 3 and 4), and the bench model itself
            "CONV,CONV,'4,6,8','',RELU,BCE,1,ELBO,0,5,3,28,28",
            "CONV,CONV,'32,64','',RELU,BCE,2,ELBO,0,32,12,28,28",
    })
    void matchesTheSameDiffGraph(NetKind encoder, NetKind decoder, String channels, String hidden, Activation act,
                                 Reconstruction rec, int k, Estimator est, double fb, int latent, int n, int rows,
                                 int cols) {
        ModelSpec spec = new ModelSpec(encoder, decoder, ints(hidden), ints(channels), act, latent);
        Objective obj = new Objective(rec, k, est, fb);
        compare(spec, obj, rows, cols, n, 0.7, Kernels.best());
    }

    @Test
    void theScalarKernelsGiveTheSameStep() {
        ModelSpec spec = new ModelSpec(NetKind.CONV, NetKind.CONV, List.of(), List.of(3, 4), Activation.RELU, 3);
        compare(spec, new Objective(Reconstruction.BCE, 2, Estimator.ELBO, 0), 6, 7, 4, 0.7, new ScalarKernels());
    }

    /** The check above is not vacuous: one gradient off by ten times the tolerance fails it. */
    @Test
    void aBrokenGradientFailsTheCheck() {
        ModelSpec spec = new ModelSpec(NetKind.CONV, NetKind.CONV, List.of(), List.of(3, 4), Activation.RELU, 3);
        VaeArchitecture arch = VaeArchitecture.of(spec, 6, 7);
        Objective obj = new Objective(Reconstruction.BCE, 1, Estimator.ELBO, 0);
        try (Parameters p = new Parameters(arch.parameters(), DataType.FLOAT);
             FastGradientStep hand = new FastGradientStep(arch, p, obj)) {
            p.initialise(5);
            INDArray x = Nd4j.rand(DataType.FLOAT, 4, arch.dim());
            INDArray eps = Nd4j.randn(DataType.FLOAT, 4, 3);
            hand.compute(x, eps, 1.0);
            float[] gh = hand.gradients().toFloatVector();
            float[] ref = reference(arch, p, obj, x, eps, 1.0, DataType.DOUBLE).grads();
            assertSameGradients(ref, gh, p.list(), "intact");
            double scale = 0;
            for (float v : ref) {
                scale = Math.max(scale, Math.abs(v));
            }
            // break one element of the first conv layer's weight gradient, then one of the last layer's bias
            for (int i : new int[]{0, gh.length - 1}) {
                float[] broken = gh.clone();
                broken[i] += (float) (10 * GRAD_TOL * scale);
                assertThrows(AssertionFailedError.class,
                        () -> assertSameGradients(ref, broken, p.list(), "broken"));
            }
        }
    }

    @Test
    void theModelTrainsFloatModelsWithAConvSideOnTheEngine() {
        ModelSpec convConv = new ModelSpec(NetKind.CONV, NetKind.CONV, List.of(), List.of(2), Activation.RELU, 2);
        ModelSpec convMlp = new ModelSpec(NetKind.CONV, NetKind.MLP, List.of(8), List.of(2), Activation.RELU, 2);
        ModelSpec mlpConv = new ModelSpec(NetKind.MLP, NetKind.CONV, List.of(8), List.of(2), Activation.RELU, 2);
        Objective o = Objective.trueElbo(Reconstruction.BCE);
        for (ModelSpec spec : List.of(convConv, convMlp, mlpConv)) {
            try (VaeModel f = VaeModel.create(VaeArchitecture.of(spec, 6, 6), o, DataType.FLOAT, 1);
                 VaeModel dbl = VaeModel.create(VaeArchitecture.of(spec, 6, 6), o, DataType.DOUBLE, 1)) {
                // the engine's conv layers are merged: every layered FLOAT model trains on the engine
                assertInstanceOf(FastGradientStep.class, f.gradientStep());
                assertInstanceOf(SameDiffGradientStep.class, dbl.gradientStep());
                assertTrue(f.engine().startsWith("fast-openblas+"), f.engine());
            }
        }
        System.setProperty("vaelab.engine", "samediff");
        try (VaeModel forced = VaeModel.create(VaeArchitecture.of(convConv, 6, 6), o, DataType.FLOAT, 1)) {
            assertInstanceOf(SameDiffGradientStep.class, forced.gradientStep());
            assertEquals("samediff", forced.engine());
        } finally {
            System.clearProperty("vaelab.engine");
        }
    }

    @Test
    void wrongShapesAreRefused() {
        ModelSpec spec = new ModelSpec(NetKind.CONV, NetKind.CONV, List.of(), List.of(2), Activation.RELU, 2);
        VaeArchitecture arch = VaeArchitecture.of(spec, 6, 6);
        Objective o = new Objective(Reconstruction.BCE, 2, Estimator.ELBO, 0);
        try (Parameters p = new Parameters(arch.parameters(), DataType.FLOAT);
             FastGradientStep s = new FastGradientStep(arch, p, o)) {
            INDArray x = Nd4j.rand(DataType.FLOAT, 3, 36);
            assertThrows(IllegalArgumentException.class, () -> s.compute(x, Nd4j.randn(DataType.FLOAT, 3, 2), 1));
            assertThrows(IllegalArgumentException.class,
                    () -> s.compute(Nd4j.rand(DataType.FLOAT, 3, 35), Nd4j.randn(DataType.FLOAT, 6, 2), 1));
        }
        try (Parameters p = new Parameters(arch.parameters(), DataType.DOUBLE)) {
            assertThrows(IllegalArgumentException.class, () -> new FastGradientStep(arch, p, o));
        }
    }
}
