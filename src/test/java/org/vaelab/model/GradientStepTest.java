package org.vaelab.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.spec.Activation;
import org.vaelab.spec.Estimator;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.Reconstruction;

/** The SameDiff step: flat gradients in the parameter layout, batch of one, shape checks. */
class GradientStepTest {

    private static VaeModel model(Objective obj) {
        ModelSpec m = new ModelSpec(NetKind.CONV, NetKind.MLP, List.of(5), List.of(2, 3), Activation.TANH, 2);
        return VaeModel.create(VaeArchitecture.of(m, 6, 6), obj, DataType.DOUBLE, 11);
    }

    /** Central differences of the step's loss on 40 random coordinates of the flat buffer. */
    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void flatGradientsMatchFiniteDifferencesIncludingABatchOfOne(int n) {
        try (VaeModel vae = model(new Objective(Reconstruction.BCE, 2, Estimator.ELBO, 0.1))) {
            INDArray x = Nd4j.rand(DataType.DOUBLE, n, 36);
            INDArray eps = Nd4j.randn(DataType.DOUBLE, 2L * n, 2);
            GradientStep step = vae.gradientStep();
            step.compute(x, eps, 0.6);
            double[] g = step.gradients().toDoubleVector();
            INDArray flat = vae.parameters().flat();
            SplittableRandom r = new SplittableRandom(5);
            double h = 1e-6;
            for (int t = 0; t < 40; t++) {
                int j = r.nextInt((int) vae.parameters().size());
                double orig = flat.getDouble(0, j);
                flat.putScalar(0, j, orig + h);
                double plus = step.compute(x, eps, 0.6).loss();
                flat.putScalar(0, j, orig - h);
                double minus = step.compute(x, eps, 0.6).loss();
                flat.putScalar(0, j, orig);
                double numeric = (plus - minus) / (2 * h);
                assertEquals(numeric, g[j], 1e-6 + 1e-4 * Math.abs(numeric), "coordinate " + j);
            }
        }
    }

    @Test
    void aBatchOfOneHasThatExamplesTrueLoss() {
        try (VaeModel vae = model(Objective.trueElbo(Reconstruction.MSE))) {
            INDArray x = Nd4j.rand(DataType.DOUBLE, 1, 36);
            INDArray eps = Nd4j.randn(DataType.DOUBLE, 1, 2);
            GradientStep.Values v = vae.gradientStep().compute(x, eps, 1.0);
            VaeModel.BatchEvaluation e = vae.evaluate(x, eps);
            double kl = 0;
            for (int d = 0; d < 2; d++) {
                double mu = e.mu()[0][d];
                double lv = e.logvar()[0][d];
                kl += 0.5 * (mu * mu + Math.exp(lv) - 1 - lv);
            }
            assertEquals(e.recon()[0], v.recon(), 1e-9);
            assertEquals(kl, v.kl(), 1e-9);
            assertEquals(e.recon()[0] + kl, v.loss(), 1e-9);
        }
    }

    @Test
    void graphsSeeWritesToTheFlatBuffer() {
        try (VaeModel vae = model(Objective.trueElbo(Reconstruction.BCE))) {
            float[] x = new float[2 * 36];
            java.util.Arrays.fill(x, 0.3f);
            double before = vae.encode(x, 2).mu()[0][0];
            vae.parameters().flat().muli(2);
            assertNotEquals(before, vae.encode(x, 2).mu()[0][0]);
        }
    }

    @Test
    void wrongNoiseShapeIsRejectedWithItsName() {
        try (VaeModel vae = model(new Objective(Reconstruction.BCE, 3, Estimator.ELBO, 0))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> vae.gradientStep()
                    .compute(Nd4j.rand(DataType.DOUBLE, 4, 36), Nd4j.rand(DataType.DOUBLE, 4, 2), 1));
            assertEquals("eps: expected [12, 2], got [4, 2]", e.getMessage());
        }
    }

    @Test
    void singleExamplesWorkThroughEveryEntryPointWithTheFusedReluLayer() {
        ModelSpec m = new ModelSpec(NetKind.MLP, NetKind.MLP, List.of(8), List.of(2), Activation.RELU, 2);
        try (VaeModel vae = VaeModel.create(VaeArchitecture.of(m, 3, 3),
                new Objective(Reconstruction.BCE, 3, Estimator.IWAE, 0), DataType.DOUBLE, 2)) {
            float[] x = {0, 1, 0.5f, 0.2f, 0, 1, 1, 0, 0.3f, 0.9f, 0.1f, 0, 0, 1, 0.5f, 0.2f, 0.7f, 0};
            float[] one = java.util.Arrays.copyOf(x, 9);
            // one example alone gives what it gives inside a batch of two
            assertArrayEquals(vae.encode(x, 2).mu()[0], vae.encode(one, 1).mu()[0], 1e-12);
            assertArrayEquals(vae.decode(new double[][]{{0.1, -0.2}, {1, 1}})[0],
                    vae.decode(new double[][]{{0.1, -0.2}})[0], 1e-6f);
            double[][] lw = vae.logWeights(one, 1, 4, 9);
            assertEquals(4, lw[0].length);
            INDArray xa = Nd4j.createFromArray(new float[][]{one}).castTo(DataType.DOUBLE);
            VaeModel.BatchEvaluation e = vae.evaluate(xa, Nd4j.zeros(DataType.DOUBLE, 1, 2));
            assertEquals(1, e.recon().length);
            assertEquals(1, e.mu().length);
            GradientStep.Values v = vae.gradientStep().compute(xa, Nd4j.randn(DataType.DOUBLE, 3, 2), 1.0);
            assertTrue(Double.isFinite(v.loss()));
        }
    }
}
