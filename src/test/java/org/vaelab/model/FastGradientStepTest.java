package org.vaelab.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.spec.Activation;
import org.vaelab.spec.Estimator;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.LayerSpec.Nonlinearity;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.Reconstruction;

/**
 * The engine's step against the SameDiff objective graph (the reference): same loss terms and the same flat
 * gradient for the mlp shorthand over every activation, likelihood, estimator, K, free bits, depth (including
 * no hidden layer), latent size 1 and a batch of one, and for layer lists the shorthands cannot express
 * (standalone nonlinearities, reshapes with channels, a decoder ending in an image or an activation). Both in
 * FLOAT, so they agree to float rounding.
 */
class FastGradientStepTest {

    private static Parameters params(VaeArchitecture arch, long seed) {
        Parameters p = new Parameters(arch.parameters(), DataType.FLOAT);
        p.initialise(seed);
        return p;
    }

    private static void assertClose(double expected, double actual, String what) {
        assertEquals(expected, actual, 2e-5 * Math.max(1, Math.abs(expected)), what);
    }

    static void compare(VaeArchitecture arch, Objective obj, int n, double beta, Kernels kernels) {
        try (Parameters p = params(arch, 3)) {
            // grey pixels and a scale that makes some hidden units negative, some logits large
            INDArray x = Nd4j.rand(DataType.FLOAT, n, arch.dim());
            INDArray eps = Nd4j.randn(DataType.FLOAT, (long) obj.samples() * n, arch.latentDim());
            p.flat().muli(3);
            SameDiffGradientStep ref = new SameDiffGradientStep(VaeGraphs.objective(arch, p, obj), p, arch,
                    obj.samples());
            FastGradientStep fast = new FastGradientStep(arch, p, obj, kernels, true);
            GradientStep.Values r = ref.compute(x, eps, beta);
            GradientStep.Values h = fast.compute(x, eps, beta);
            assertClose(r.loss(), h.loss(), "loss");
            assertClose(r.recon(), h.recon(), "recon");
            assertClose(r.kl(), h.kl(), "kl");
            float[] gr = ref.gradients().toFloatVector();
            float[] gh = fast.gradients().toFloatVector();
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
            GradientStep.Values again = fast.compute(x, eps, beta);
            assertEquals(h.loss(), again.loss(), 0.0);
            ref.close();
            fast.close();
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
    void theMlpShorthandMatchesTheGraph(Activation act, Reconstruction rec, int k, Estimator est, double fb,
                                        String hidden, int latent, int n) {
        List<Integer> widths = hidden.isEmpty() ? List.of()
                : java.util.Arrays.stream(hidden.split(",")).map(Integer::valueOf).toList();
        ModelSpec spec = new ModelSpec(NetKind.MLP, NetKind.MLP, widths, List.of(4), act, latent);
        Objective obj = new Objective(rec, k, est, fb);
        VaeArchitecture arch = VaeArchitecture.of(spec, 6, 7);
        compare(arch, obj, n, 0.7, Kernels.best());
        compare(arch, obj, n, 0.7, new ScalarKernels());
    }

    private static LayerSpec act(Nonlinearity fn) {
        return new LayerSpec.Act(fn);
    }

    static Stream<Arguments> layerLists() {
        List<LayerSpec> enc = List.of(new LayerSpec.Flatten(), new LayerSpec.Linear(12), act(Nonlinearity.SIGMOID),
                new LayerSpec.Reshape(3, 2, 2), act(Nonlinearity.TANH), new LayerSpec.Flatten(),
                new LayerSpec.Linear(8), act(Nonlinearity.LEAKY_RELU));
        // no flatten: the encoder's image goes to the heads flattened in C, H, W order
        List<LayerSpec> encImage = List.of(new LayerSpec.Reshape(2, 3, 7), act(Nonlinearity.ELU));
        List<LayerSpec> dec = List.of(new LayerSpec.Linear(6), new LayerSpec.Reshape(3, 1, 2),
                act(Nonlinearity.ELU), new LayerSpec.Flatten(), new LayerSpec.Linear(42));
        // ends in an image of 2 channels: flattened (permuted) before the likelihood; the bias stays in the layer
        List<LayerSpec> decImage = List.of(new LayerSpec.Linear(10), act(Nonlinearity.RELU), new LayerSpec.Linear(42),
                new LayerSpec.Reshape(2, 3, 7));
        // ends in a nonlinearity the linear layer absorbs
        List<LayerSpec> decAct = List.of(new LayerSpec.Linear(42), act(Nonlinearity.TANH));
        // the conv family with everything the shorthands never use: valid and 'same' padding, max-pooling,
        // upsampling, output_padding, a sigmoid no conv layer fuses, an encoder without flatten
        List<LayerSpec> encConv = List.of(new LayerSpec.Conv(3, 3, 3, 1, 0, 0, false), act(Nonlinearity.RELU),
                new LayerSpec.MaxPool(2), new LayerSpec.Conv(4, 2, 2, 1, 0, 0, true), act(Nonlinearity.SIGMOID));
        List<LayerSpec> decConv = List.of(new LayerSpec.Linear(2 * 2 * 2 * 3), act(Nonlinearity.ELU),
                new LayerSpec.Reshape(3, 2, 4), new LayerSpec.Upsample(2),
                new LayerSpec.ConvTranspose(2, 3, 3, 2, 1, 1, 1, 0), act(Nonlinearity.TANH),
                new LayerSpec.Conv(1, 3, 3, 1, 1, 1, false));
        return Stream.of(Arguments.of("mixed", 6, 7, enc, dec), Arguments.of("image encoder", 6, 7, encImage, decImage),
                Arguments.of("activation last", 6, 7, enc, decAct), Arguments.of("conv family", 8, 15, encConv, decConv));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layerLists")
    void layerListsMatchTheGraph(String label, int rows, int cols, List<LayerSpec> enc, List<LayerSpec> dec) {
        ModelSpec spec = new ModelSpec(NetKind.MLP, NetKind.MLP, List.of(), List.of(4), Activation.RELU, 3);
        VaeArchitecture arch = VaeArchitecture.withLayers(spec, rows, cols, enc, dec);
        for (Objective obj : List.of(new Objective(Reconstruction.BCE, 2, Estimator.ELBO, 0),
                new Objective(Reconstruction.MSE, 3, Estimator.IWAE, 0))) {
            compare(arch, obj, 4, 0.7, Kernels.best());
            compare(arch, obj, 4, 0.7, new ScalarKernels());
        }
    }

    @Test
    void theModelUsesItForFloatAndTheGraphForDouble() {
        ModelSpec mlp = new ModelSpec(NetKind.MLP, NetKind.MLP, List.of(8), List.of(4), Activation.RELU, 2);
        Objective o = Objective.trueElbo(Reconstruction.BCE);
        try (VaeModel a = VaeModel.create(VaeArchitecture.of(mlp, 6, 6), o, DataType.FLOAT, 1);
             VaeModel c = VaeModel.create(VaeArchitecture.of(mlp, 6, 6), o, DataType.DOUBLE, 1)) {
            assertInstanceOf(FastGradientStep.class, a.gradientStep());
            assertInstanceOf(SameDiffGradientStep.class, c.gradientStep());
            assertTrue(a.engine().startsWith("fast-openblas+"), a.engine());
            assertEquals(a.engine(), VaeModel.engine(mlp));
            assertEquals("samediff", c.engine());
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
        try (Parameters p = params(arch, 1); FastGradientStep s = new FastGradientStep(arch, p, o)) {
            INDArray x = Nd4j.rand(DataType.FLOAT, 3, 36);
            assertThrows(IllegalArgumentException.class, () -> s.compute(x, Nd4j.randn(DataType.FLOAT, 3, 2), 1));
            assertThrows(IllegalArgumentException.class,
                    () -> s.compute(Nd4j.rand(DataType.FLOAT, 3, 35), Nd4j.randn(DataType.FLOAT, 6, 2), 1));
        }
    }

    @Test
    void aDecoderOfTheWrongSizeIsRefusedWithTheFix() {
        ModelSpec spec = new ModelSpec(NetKind.MLP, NetKind.MLP, List.of(), List.of(4), Activation.RELU, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VaeArchitecture.withLayers(
                spec, 6, 7, List.of(new LayerSpec.Flatten()), List.of(new LayerSpec.Linear(40))));
        assertTrue(e.getMessage().contains("{linear: 42}"), e.getMessage());
    }
}
