package org.vaelab.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.spec.Activation;
import org.vaelab.spec.Estimator;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.Reconstruction;

/** The hand-written steps run on ND4J's CPU backend only; every other backend trains through SameDiff. */
class FastPathTest {

    @Test
    void onlyTheCpuBackendWithOpenBlasGetsTheFastPath() {
        assertTrue(FastPath.allowed(FastPath.CPU_BACKEND, true));
        assertFalse(FastPath.allowed("org.nd4j.linalg.jcublas.JCublasBackend", true));
        assertFalse(FastPath.allowed(FastPath.CPU_BACKEND, false));
        assertFalse(FastPath.allowed(null, true));
    }

    @Test
    void theNamesMatchWhatThisCpuBuildLoads() {
        // if ND4J renamed its CPU backend or the OpenBLAS preset moved, the fast path would silently switch off
        assertEquals(FastPath.CPU_BACKEND, Nd4j.getBackend().getClass().getName());
        assertTrue(FastPath.present(FastPath.OPENBLAS));
        assertFalse(FastPath.present("org.nd4j.linalg.jcublas.JCublasBackend"));
        assertTrue(FastPath.openBlasAvailable());
    }

    @Test
    void theCpuBuildTrainsFloatModelsOffSameDiff() {
        // named by what it is not, so the test outlives the hand-written step classes being replaced
        ModelSpec mlp = new ModelSpec(NetKind.MLP, NetKind.MLP, List.of(5), List.of(2), Activation.TANH, 2);
        ModelSpec conv = new ModelSpec(NetKind.CONV, NetKind.MLP, List.of(5), List.of(2, 3), Activation.TANH, 2);
        assertNotEquals("samediff", VaeModel.engine(mlp));
        assertNotEquals("samediff", VaeModel.engine(conv));
        Objective obj = new Objective(Reconstruction.BCE, 1, Estimator.ELBO, 0.0);
        try (VaeModel vae = VaeModel.create(VaeArchitecture.of(conv, 6, 6), obj, DataType.FLOAT, 3)) {
            assertFalse(vae.gradientStep() instanceof SameDiffGradientStep, vae.gradientStep().getClass().getName());
        }
    }
}
