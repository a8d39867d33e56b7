package org.vaelab.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.validation.GradCheckUtil;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.spec.Activation;
import org.vaelab.spec.Estimator;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.Reconstruction;

/**
 * Finite-difference gradient checks (DOUBLE) of the whole objective graph, parameters included, for each
 * hand-written part: both likelihoods, K > 1, free bits, IWAE's log-mean-exp, conv and deconv layers, and
 * latent size 1. (A batch of one example cannot be backpropagated by SameDiff M2.1 at all; see
 * GradientStepTest for how the step handles it.)
 */
class GradientCheckTest {
    private static final boolean PRINT = Boolean.getBoolean("vaelab.gradcheck.print");


    @ParameterizedTest(name = "{0}/{1} {2} {3} K={4} fb={5} {6} d={7} n={8}")
    @CsvSource({
            "MLP,MLP,BCE,ELBO,2,0.3,TANH,2,4",
            "MLP,MLP,MSE,IWAE,3,0.0,ELU,2,3",
            "MLP,MLP,BCE,IWAE,1,0.0,TANH,2,3",
            "CONV,CONV,BCE,ELBO,1,0.0,TANH,2,2",
            "CONV,MLP,MSE,ELBO,2,0.0,LEAKY_RELU,3,2",
            "MLP,CONV,BCE,IWAE,2,0.0,ELU,2,2",
            "MLP,MLP,BCE,ELBO,1,0.2,TANH,1,2",
    })
    void gradientsMatchFiniteDifferences(NetKind enc, NetKind dec, Reconstruction rec, Estimator est, int k,
                                         double freeBits, Activation act, int d, int n) {
        Nd4j.getRandom().setSeed(12345);
        ModelSpec m = new ModelSpec(enc, dec, List.of(3), List.of(2), act, d);
        VaeArchitecture arch = VaeArchitecture.of(m, 4, 4);
        Parameters p = new Parameters(arch.parameters(), DataType.DOUBLE);
        p.initialise(3);
        INDArray x = Nd4j.rand(DataType.DOUBLE, n, 16);
        INDArray eps = Nd4j.randn(DataType.DOUBLE, (long) k * n, d);
        // GradCheckUtil (M2.1) also wants gradients of placeholders and trips over their missing arrays, so
        // the inputs become constants here; every other op is the production graph's
        SameDiff sd = VaeGraphs.objective(arch, p, new Objective(rec, k, est, freeBits), (g, dt) -> new SDVariable[]{
                g.constant(GraphNames.X, x), g.constant(GraphNames.EPS, eps),
                g.constant(GraphNames.BETA, Nd4j.scalar(DataType.DOUBLE, 0.7))});
        Map<String, INDArray> feed = Map.of();
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE); // GradCheckUtil insists
        boolean ok;
        try {
            ok = GradCheckUtil.checkGradients(sd, feed, 1e-6, 1e-5, 1e-8, PRINT, false);
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
        assertTrue(ok, "gradient check failed (rerun with print=true to see which parameter)");
    }
}
