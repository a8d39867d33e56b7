package org.vaelab.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.spec.Activation;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.Reconstruction;

/** Shapes and parameter counts of every encoder/decoder combination. */
class VaeArchitectureTest {

    @Test
    void deconvKernelsInvertTheEncoderSizes() {
        assertEquals(3, VaeArchitecture.deconvKernel(4, 7));
        assertEquals(4, VaeArchitecture.deconvKernel(7, 14));
        assertEquals(4, VaeArchitecture.deconvKernel(14, 28));
    }

    @Test
    void mlpParameterCountMatchesTheSeedNotebook() {
        // notebook 001: 784-256-256 encoder, heads to 32, decoder 32-256-256-784
        VaeArchitecture a = VaeArchitecture.of(ModelSpec.DEFAULT, 28, 28);
        long p = new Parameters(a.parameters(), DataType.FLOAT).size();
        long expected = (784 * 256 + 256) + (256 * 256 + 256) + 2 * (256 * 32 + 32)
                + (32 * 256 + 256) + (256 * 256 + 256) + (256 * 784 + 784);
        assertEquals(expected, p);
    }

    @Test
    void conv3LayersGoes28To14To7To4AndBack() {
        ModelSpec m = new ModelSpec(NetKind.CONV, NetKind.CONV, List.of(64), List.of(8, 16, 32), Activation.RELU, 4);
        VaeArchitecture a = VaeArchitecture.of(m, 28, 28);
        assertTrue(a.describe().contains("28x28>14x14>7x7>4x4"), a.describe());
        assertTrue(a.describe().contains("deconv kernels 3 4 4"), a.describe());
        Parameters p = new Parameters(a.parameters(), DataType.FLOAT);
        assertArrayEquals(new long[]{32 * 4 * 4, 4}, p.view(GraphNames.encMu(true)).shape());
        assertArrayEquals(new long[]{3, 3, 16, 32}, p.view(GraphNames.decDeconv(0, true)).shape());
        assertArrayEquals(new long[]{4, 4, 1, 8}, p.view(GraphNames.decDeconv(2, true)).shape());
    }

    @ParameterizedTest
    @CsvSource({"MLP,MLP,BCE", "MLP,MLP,MSE", "CONV,CONV,BCE", "CONV,MLP,MSE", "MLP,CONV,BCE"})
    void everyCombinationProducesImageShapedLogitsAndFiniteLoss(NetKind enc, NetKind dec, Reconstruction rec) {
        ModelSpec m = new ModelSpec(enc, dec, List.of(16), List.of(4, 8), Activation.ELU, 3);
        VaeArchitecture a = VaeArchitecture.of(m, 28, 28);
        try (Parameters p = new Parameters(a.parameters(), DataType.FLOAT)) {
            p.initialise(1);
            SameDiff sd = VaeGraphs.objective(a, p, Objective.trueElbo(rec));
            INDArray x = Nd4j.rand(DataType.FLOAT, 5, 784);
            INDArray eps = Nd4j.randn(DataType.FLOAT, 5, 3);
            Map<String, INDArray> o = sd.output(Map.of(GraphNames.X, x, GraphNames.EPS, eps,
                    GraphNames.BETA, Nd4j.scalar(DataType.FLOAT, 1.0)), GraphNames.LOGITS, GraphNames.LOSS, GraphNames.MU);
            assertArrayEquals(new long[]{5, 784}, o.get(GraphNames.LOGITS).shape());
            assertArrayEquals(new long[]{5, 3}, o.get(GraphNames.MU).shape());
            assertTrue(Double.isFinite(o.get(GraphNames.LOSS).getDouble(0)));
        }
    }

    @Test
    void emptyHiddenListIsALinearMap() {
        // hidden: [] is notebook 004's linear decoder
        ModelSpec m = new ModelSpec(NetKind.CONV, NetKind.MLP, List.of(), List.of(4), Activation.RELU, 5);
        VaeArchitecture a = VaeArchitecture.of(m, 28, 28);
        List<String> names = new Parameters(a.parameters(), DataType.FLOAT).names();
        // decoder: a single dense layer z -> 784
        assertEquals(List.of(GraphNames.decDense(0, true), GraphNames.decDense(0, false)),
                names.stream().filter(s -> s.startsWith("dec_")).toList());
    }

    @Test
    void theMlpShorthandDeclaresTodaysParametersInTodaysOrder() {
        // layer lists must not move a single draw of the initialisation: same names, shapes, fan-ins, order
        ModelSpec m = new ModelSpec(NetKind.MLP, NetKind.MLP, List.of(20, 12), List.of(4), Activation.ELU, 3);
        List<Parameters.Param> got = VaeArchitecture.of(m, 6, 7).parameters();
        long[][] shapes = {{42, 20}, {20}, {20, 12}, {12}, {12, 3}, {3}, {12, 3}, {3}, {3, 12}, {12}, {12, 20}, {20},
                {20, 42}, {42}};
        long[] fanIn = {42, 42, 20, 20, 12, 12, 12, 12, 3, 3, 12, 12, 20, 20};
        List<String> names = List.of("enc_dense0_W", "enc_dense0_b", "enc_dense1_W", "enc_dense1_b", "enc_mu_W",
                "enc_mu_b", "enc_logvar_W", "enc_logvar_b", "dec_dense0_W", "dec_dense0_b", "dec_dense1_W",
                "dec_dense1_b", "dec_dense2_W", "dec_dense2_b");
        assertEquals(names, got.stream().map(Parameters.Param::name).toList());
        for (int i = 0; i < got.size(); i++) {
            assertArrayEquals(shapes[i], got.get(i).shape(), names.get(i));
            assertEquals(fanIn[i], got.get(i).fanIn(), names.get(i));
            assertEquals(Parameters.Init.UNIFORM_FAN_IN, got.get(i).init());
        }
    }
}
