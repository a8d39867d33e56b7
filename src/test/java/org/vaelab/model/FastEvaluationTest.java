package org.vaelab.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.spec.Activation;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.LayerSpec.Nonlinearity;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.Reconstruction;

/**
 * VaeModel's evaluation on the fast forward (evaluate, encode, decode, reconstruct, importance weights) against
 * the same calls on the SameDiff graphs ({@code vaelab.engine=samediff}), to FLOAT tolerance, with row blocks
 * small enough that every call crosses block boundaries.
 */
class FastEvaluationTest {

    private static <T> T onTheGraph(Supplier<T> call) {
        System.setProperty("vaelab.engine", "samediff");
        try {
            return call.get();
        } finally {
            System.clearProperty("vaelab.engine");
        }
    }

    private static VaeArchitecture arch(String kind) {
        ModelSpec mlp = new ModelSpec(NetKind.MLP, NetKind.MLP, List.of(12, 8), List.of(4), Activation.TANH, 3);
        if (kind.equals("mlp")) {
            return VaeArchitecture.of(mlp, 6, 7);
        }
        if (kind.equals("conv")) {
            return VaeArchitecture.of(new ModelSpec(NetKind.CONV, NetKind.CONV, List.of(), List.of(3, 4),
                    Activation.RELU, 3), 6, 7);
        }
        return VaeArchitecture.withLayers(mlp, 6, 7,
                List.of(new LayerSpec.Reshape(2, 3, 7), new LayerSpec.Act(Nonlinearity.ELU), new LayerSpec.Flatten(),
                        new LayerSpec.Linear(10), new LayerSpec.Act(Nonlinearity.SIGMOID)),
                List.of(new LayerSpec.Linear(10), new LayerSpec.Act(Nonlinearity.RELU), new LayerSpec.Linear(42),
                        new LayerSpec.Reshape(2, 3, 7)));
    }

    private static void close(double expected, double actual, String what) {
        assertEquals(expected, actual, 2e-5 * Math.max(1, Math.abs(expected)), what);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"mlp,BCE", "mlp,MSE", "lists,BCE", "lists,MSE", "conv,BCE", "conv,MSE"})
    void everyEvaluationMatchesTheGraph(String kind, Reconstruction rec) {
        int n = 150;
        int d = 3;
        SplittableRandom r = new SplittableRandom(4);
        float[] x = new float[n * 42];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble();
        }
        double[][] z = new double[n][d];
        float[] eps = new float[n * d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                z[i][j] = 2 * r.nextGaussian();
                eps[i * d + j] = (float) r.nextGaussian();
            }
        }
        try (VaeModel m = VaeModel.create(arch(kind), Objective.trueElbo(rec), DataType.FLOAT, 2);
             INDArray xa = Nd4j.createFromArray(x).reshape(n, 42);
             INDArray ea = Nd4j.createFromArray(eps).reshape(n, d)) {
            m.parameters().flat().muli(2); // larger weights: more varied outputs
            m.blocks(42 * 40, 1); // blocks of 40 rows (the widest activation is the image)
            assertTrue(m.engine().startsWith("fast-openblas+"), m.engine());

            VaeModel.BatchEvaluation fe = m.evaluate(xa, ea);
            VaeModel.BatchEvaluation ge = onTheGraph(() -> m.evaluate(xa, ea));
            for (int i = 0; i < n; i++) {
                close(ge.recon()[i], fe.recon()[i], "recon " + i);
                if (rec == Reconstruction.MSE) {
                    close(ge.squaredError()[i], fe.squaredError()[i], "squared error " + i);
                } else {
                    assertNull(fe.squaredError());
                }
                for (int j = 0; j < d; j++) {
                    close(ge.mu()[i][j], fe.mu()[i][j], "mu " + i);
                    close(ge.logvar()[i][j], fe.logvar()[i][j], "logvar " + i);
                }
            }

            VaeModel.Encoding fc = m.encode(x, n);
            VaeModel.Encoding gc = onTheGraph(() -> m.encode(x, n));
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < d; j++) {
                    close(gc.mu()[i][j], fc.mu()[i][j], "encode mu " + i);
                    close(gc.logvar()[i][j], fc.logvar()[i][j], "encode logvar " + i);
                    // the evaluation's posterior is the encoder's
                    assertEquals(fe.mu()[i][j], fc.mu()[i][j], 0.0);
                }
            }

            float[][] fd = m.decode(z);
            float[][] gd = onTheGraph(() -> m.decode(z));
            float[][] fr = m.reconstruct(x, n);
            float[][] gr = onTheGraph(() -> m.reconstruct(x, n));
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < 42; j++) {
                    assertEquals(gd[i][j], fd[i][j], 2e-6, "decode " + i + "," + j);
                    assertEquals(gr[i][j], fr[i][j], 2e-6, "reconstruct " + i + "," + j);
                }
            }

            // 150 examples: blocks of 40 examples, one sample at a time
            double[][] fw = m.logWeights(x, n, 7, 9);
            double[][] gw = onTheGraph(() -> m.logWeights(x, n, 7, 9));
            for (int i = 0; i < n; i++) {
                for (int s = 0; s < 7; s++) {
                    close(gw[i][s], fw[i][s], "log weight " + i + "," + s);
                }
            }
            // 10 examples: blocks of 4 and 3 samples
            float[] ten = java.util.Arrays.copyOf(x, 420);
            double[][] fw10 = m.logWeights(ten, 10, 7, 11);
            double[][] gw10 = onTheGraph(() -> m.logWeights(ten, 10, 7, 11));
            for (int i = 0; i < 10; i++) {
                for (int s = 0; s < 7; s++) {
                    close(gw10[i][s], fw10[i][s], "log weight (10 examples) " + i + "," + s);
                }
            }
            // one example at a time: the graph doubles a batch of one, the engine needs nothing of the sort
            double[][] one = m.logWeights(java.util.Arrays.copyOf(x, 42), 1, 3, 5);
            double[][] oneGraph = onTheGraph(() -> m.logWeights(java.util.Arrays.copyOf(x, 42), 1, 3, 5));
            for (int s = 0; s < 3; s++) {
                close(oneGraph[0][s], one[0][s], "single example, sample " + s);
            }
        }
    }
}
