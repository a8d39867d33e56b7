package org.vaelab.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.LayerSpec.Nonlinearity;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.Reconstruction;

/**
 * A model with state (batchnorm on images and on vectors, layernorm) through the whole model: the engine's
 * training steps against the DOUBLE SameDiff graph's (loss, gradients, and the running statistics each step
 * leaves in the model's {@link ModelState}), then every evaluation (which uses the running statistics) against
 * the graph's, so the state is wired the same way on both paths.
 */
class NormModelTest {
    private static final int SIDE = 8;

    static VaeArchitecture arch() {
        LayerSpec.Act relu = new LayerSpec.Act(Nonlinearity.RELU);
        ModelSpec spec = ModelSpec.layers(
                List.of(new LayerSpec.Conv(3, 3, 3, 1, 0, 0, true), new LayerSpec.BatchNorm(), relu,
                        new LayerSpec.MaxPool(2), new LayerSpec.Flatten(), new LayerSpec.Linear(10),
                        new LayerSpec.BatchNorm(), new LayerSpec.Act(Nonlinearity.TANH)),
                List.of(new LayerSpec.Linear(16), new LayerSpec.LayerNorm(), relu, new LayerSpec.Reshape(1, 4, 4),
                        new LayerSpec.Upsample(2), new LayerSpec.Conv(2, 3, 3, 1, 1, 1, false),
                        new LayerSpec.BatchNorm(), new LayerSpec.Act(Nonlinearity.ELU),
                        new LayerSpec.ConvTranspose(1, 3, 3, 1, 1, 1, 0, 0)), 3);
        return VaeArchitecture.of(spec, SIDE, SIDE);
    }

    private static void close(double expected, double actual, double tol, String what) {
        assertEquals(expected, actual, tol * Math.max(1, Math.abs(expected)), what);
    }

    private static void closeArrays(float[] ref, float[] actual, double tol, String what) {
        assertEquals(ref.length, actual.length, what + ": length");
        double scale = 1e-3;
        for (float v : ref) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < ref.length; i++) {
            assertEquals(ref[i], actual[i], tol * scale, what + "[" + i + "]");
        }
    }

    @Test
    void trainingStepsRunningStatisticsAndEvaluationsMatchTheGraph() {
        VaeArchitecture arch = arch();
        assertEquals(6, arch.state().size(), "three batchnorms, mean and variance each");
        Objective obj = new Objective(Reconstruction.BCE, 2, org.vaelab.spec.Estimator.ELBO, 0);
        int n = 6;
        try (VaeModel fast = VaeModel.create(arch, obj, DataType.FLOAT, 3);
             VaeModel ref = VaeModel.create(arch, obj, DataType.DOUBLE, 3)) {
            assertInstanceOf(FastGradientStep.class, fast.gradientStep());
            assertInstanceOf(SameDiffGradientStep.class, ref.gradientStep());
            assertEquals(30, fast.state().size());
            Nd4j.getRandom().setSeed(5);
            for (int step = 0; step < 3; step++) {
                ref.parameters().flat().assign(fast.parameters().flat().castTo(DataType.DOUBLE));
                INDArray x = Nd4j.rand(DataType.FLOAT, n, SIDE * SIDE);
                INDArray eps = Nd4j.randn(DataType.FLOAT, 2L * n, 3);
                GradientStep.Values f = fast.gradientStep().compute(x, eps, 0.7);
                GradientStep.Values r = ref.gradientStep().compute(x.castTo(DataType.DOUBLE),
                        eps.castTo(DataType.DOUBLE), 0.7);
                close(r.loss(), f.loss(), 2e-5, "loss, step " + step);
                close(r.kl(), f.kl(), 2e-5, "kl, step " + step);
                closeArrays(ref.gradientStep().gradients().castTo(DataType.FLOAT).toFloatVector(),
                        fast.gradientStep().gradients().toFloatVector(), 1e-4, "gradients, step " + step);
                // the running statistics each path left in its model's state buffer
                closeArrays(ref.state().flat().castTo(DataType.FLOAT).toFloatVector(), fast.state().toFloats(),
                        1e-5, "running statistics after step " + step);
                // a plain SGD step so that the next step sees other parameters and statistics
                fast.parameters().flat().subi(fast.gradientStep().gradients().mul(0.05));
            }
            ref.parameters().flat().assign(fast.parameters().flat().castTo(DataType.DOUBLE));
            ref.state().flat().assign(fast.state().flat().castTo(DataType.DOUBLE));
            boolean moved = false;
            for (float v : fast.state().toFloats()) {
                moved |= v != 0f && v != 1f;
            }
            assertTrue(moved, "training moved the running statistics");

            // evaluation: running statistics on both paths; a batch of one works in evaluation mode
            SplittableRandom rng = new SplittableRandom(9);
            float[] xs = new float[5 * SIDE * SIDE];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = (float) rng.nextDouble();
            }
            INDArray x = Nd4j.createFromArray(xs).reshape(5, SIDE * SIDE);
            INDArray eps = Nd4j.randn(DataType.FLOAT, 5, 3);
            VaeModel.BatchEvaluation ef = fast.evaluate(x, eps);
            VaeModel.BatchEvaluation er = ref.evaluate(x.castTo(DataType.DOUBLE), eps.castTo(DataType.DOUBLE));
            for (int i = 0; i < 5; i++) {
                close(er.recon()[i], ef.recon()[i], 2e-5, "recon " + i);
                for (int j = 0; j < 3; j++) {
                    close(er.mu()[i][j], ef.mu()[i][j], 2e-5, "mu " + i);
                    close(er.logvar()[i][j], ef.logvar()[i][j], 2e-5, "logvar " + i);
                }
            }
            // evaluation is per example: the first example alone gives its row of the batch
            VaeModel.Encoding one = fast.encode(java.util.Arrays.copyOf(xs, SIDE * SIDE), 1);
            close(ef.mu()[0][0], one.mu()[0][0], 1e-6, "a batch of one in evaluation");
            float[][] df = fast.decode(er.mu());
            float[][] dr = ref.decode(er.mu());
            closeArrays(dr[2], df[2], 1e-5, "decoded means");
            double[][] wf = fast.logWeights(xs, 5, 4, 17);
            double[][] wr = ref.logWeights(xs, 5, 4, 17);
            close(wr[3][2], wf[3][2], 2e-5, "log-weight");
        }
    }

    @Test
    void aTrainingBatchOfOneWithBatchnormOverVectorsIsRefusedInOneLine() {
        VaeArchitecture arch = arch();
        Objective obj = Objective.trueElbo(Reconstruction.BCE);
        try (VaeModel fast = VaeModel.create(arch, obj, DataType.FLOAT, 3);
             VaeModel ref = VaeModel.create(arch, obj, DataType.DOUBLE, 3)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fast.gradientStep()
                    .compute(Nd4j.rand(DataType.FLOAT, 1, SIDE * SIDE), Nd4j.randn(DataType.FLOAT, 1, 3), 1));
            assertTrue(e.getMessage().contains("more than 1 value per"), e.getMessage());
            IllegalArgumentException g = assertThrows(IllegalArgumentException.class, () -> ref.gradientStep()
                    .compute(Nd4j.rand(DataType.DOUBLE, 1, SIDE * SIDE), Nd4j.randn(DataType.DOUBLE, 1, 3), 1));
            assertTrue(g.getMessage().contains("batchnorm"), g.getMessage());
        }
    }
}
