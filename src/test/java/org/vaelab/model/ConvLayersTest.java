package org.vaelab.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.DeConv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.spec.Activation;
import org.vaelab.spec.Estimator;
import org.vaelab.spec.LossSpec;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.Reconstruction;

/**
 * The gemm formulations of {@link ConvLayers} against ND4J's own conv2d/deconv2d ops (NCHW, the layers
 * vaelab used before), values and gradients in DOUBLE, on odd and non-square sizes; and the {@link StepArena}
 * against fresh allocation, bit for bit.
 */
class ConvLayersTest {
    private static final double TOL = 1e-12;

    @org.junit.jupiter.api.BeforeAll
    static void quiet() {
        SameDiffNoise.suppress(); // SameDiff prints a line per differentiated op
    }

    /** Forward output and the gradients of sum(out * g) with respect to x, w and b, from one graph. */
    private static Map<String, INDArray> run(SameDiff sd, SDVariable out, INDArray g) {
        SDVariable gv = sd.constant("g", g);
        out.mul(gv).sum().rename("loss");
        sd.setLossVariables("loss");
        Map<String, INDArray> grads = sd.calculateGradients(Map.of(), "x", "w", "b");
        Map<String, INDArray> r = new HashMap<>();
        r.put("out", out.eval().dup());
        grads.forEach((k, v) -> r.put(k, v.dup()));
        return r;
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(diff < TOL, what + " differs by " + diff);
    }

    @ParameterizedTest(name = "conv {0}x{1}, {2} -> {3} channels")
    @CsvSource({"7,5,2,3", "8,6,1,4", "4,3,3,2", "1,2,2,2"})
    void conv3x3Stride2MatchesNd4jConv2d(int h, int w, int inC, int outC) {
        Nd4j.getRandom().setSeed(h * 100 + w);
        int n = 3;
        INDArray x = Nd4j.randn(DataType.DOUBLE, n, inC, h, w); // NCHW for the reference
        INDArray wt = Nd4j.randn(DataType.DOUBLE, 3, 3, inC, outC);
        INDArray b = Nd4j.randn(DataType.DOUBLE, outC);
        int oh = (h - 1) / 2 + 1;
        int ow = (w - 1) / 2 + 1;
        INDArray g = Nd4j.randn(DataType.DOUBLE, n, outC, oh, ow);

        SameDiff ref = SameDiff.create();
        SDVariable rx = ref.var("x", x);
        Conv2DConfig c = Conv2DConfig.builder().kH(3).kW(3).sH(2).sW(2).pH(1).pW(1).dH(1).dW(1)
                .paddingMode(PaddingMode.VALID).dataFormat("NCHW").build();
        Map<String, INDArray> expected = run(ref, ref.cnn.conv2d(rx, ref.var("w", wt), ref.var("b", b), c), g);

        SameDiff sd = SameDiff.create();
        SDVariable nhwc = sd.var("x", x).permute(0, 2, 3, 1);
        SDVariable y = ConvLayers.conv3x3Stride2(sd, nhwc, sd.var("w", wt), sd.var("b", b), h, w, inC, outC);
        Map<String, INDArray> actual = run(sd, y.permute(0, 3, 1, 2), g);
        for (String k : List.of("out", "x", "w", "b")) {
            assertClose(expected.get(k), actual.get(k), k);
        }
    }

    @ParameterizedTest(name = "deconv {0}x{1} -> {2}x{3}, {4} -> {5} channels")
    @CsvSource({"4,3,7,5,3,2", "4,3,8,6,2,1", "4,3,7,6,2,3", "7,7,14,14,4,2", "1,1,2,1,2,2",
            // few output channels: the scattering form
            "4,3,7,5,8,1", "7,7,14,14,9,1", "4,3,8,6,12,2", "2,3,3,6,5,1"})
    void deconvStride2MatchesNd4jDeconv2d(int h, int w, int oh, int ow, int inC, int outC) {
        Nd4j.getRandom().setSeed(h * 1000 + oh * 10 + ow);
        int n = 2;
        int kh = VaeArchitecture.deconvKernel(h, oh);
        int kw = VaeArchitecture.deconvKernel(w, ow);
        INDArray x = Nd4j.randn(DataType.DOUBLE, n, inC, h, w);
        INDArray wt = Nd4j.randn(DataType.DOUBLE, kh, kw, outC, inC);
        INDArray b = Nd4j.randn(DataType.DOUBLE, outC);
        INDArray g = Nd4j.randn(DataType.DOUBLE, n, outC, oh, ow);

        SameDiff ref = SameDiff.create();
        DeConv2DConfig c = DeConv2DConfig.builder().kH(kh).kW(kw).sH(2).sW(2).pH(1).pW(1).dH(1).dW(1)
                .isSameMode(false).dataFormat("NCHW").build();
        Map<String, INDArray> expected = run(ref, ref.cnn.deconv2d(ref.var("x", x), ref.var("w", wt), ref.var("b", b),
                c), g);

        SameDiff sd = SameDiff.create();
        SDVariable nhwc = sd.var("x", x).permute(0, 2, 3, 1);
        SDVariable y = ConvLayers.deconvStride2(sd, nhwc, sd.var("w", wt), sd.var("b", b), h, w, inC, outC, oh, ow);
        Map<String, INDArray> actual = run(sd, y.permute(0, 3, 1, 2), g);
        for (String k : List.of("out", "x", "w", "b")) {
            assertClose(expected.get(k), actual.get(k), k);
        }
    }

    @Test
    void wholeObjectiveWithTheScatteringDeconvPassesTheGradientCheck() {
        // 8 channels into 1 output channel takes the scattering form (GradientCheckTest's models take the other)
        Nd4j.getRandom().setSeed(5);
        ModelSpec m = new ModelSpec(NetKind.CONV, NetKind.CONV, List.of(3), List.of(8), Activation.RELU, 2);
        VaeArchitecture arch = VaeArchitecture.of(m, 4, 4);
        Parameters p = new Parameters(arch.parameters(), DataType.DOUBLE);
        p.initialise(3);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 16);
        INDArray eps = Nd4j.randn(DataType.DOUBLE, 2, 2);
        SameDiff sd = VaeGraphs.objective(arch, p, Objective.trueElbo(Reconstruction.BCE), (g, dt) -> new SDVariable[]{
                g.constant(GraphNames.X, x), g.constant(GraphNames.EPS, eps),
                g.constant(GraphNames.BETA, Nd4j.scalar(DataType.DOUBLE, 1.0))});
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE); // GradCheckUtil insists
        try {
            assertTrue(org.nd4j.autodiff.validation.GradCheckUtil.checkGradients(sd, Map.of(), 1e-6, 1e-5, 1e-8,
                    false, false), "gradient check failed");
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    @Test
    void reluByStepHasReluValuesAndGradient() {
        INDArray x = Nd4j.createFromArray(-2.0, -0.5, 0.0, 0.5, 3.0);
        INDArray g = Nd4j.createFromArray(1.0, 2.0, 3.0, 4.0, 5.0);
        SameDiff sd = SameDiff.create();
        Map<String, INDArray> r = runUnary(sd, ConvLayers.relu(sd, sd.var("x", x)), g);
        SameDiff ref = SameDiff.create();
        Map<String, INDArray> e = runUnary(ref, ref.nn.relu(ref.var("x", x), 0.0), g);
        assertEquals(e.get("out"), r.get("out"));
        assertEquals(e.get("x"), r.get("x"));
        assertEquals(Nd4j.createFromArray(0.0, 0.0, 0.0, 4.0, 5.0), r.get("x"));
    }

    private static Map<String, INDArray> runUnary(SameDiff sd, SDVariable out, INDArray g) {
        out.mul(sd.constant("g", g)).sum().rename("loss");
        sd.setLossVariables("loss");
        Map<String, INDArray> r = new HashMap<>(sd.calculateGradients(Map.of(), "x"));
        r.put("out", out.eval().dup());
        return r;
    }

    @ParameterizedTest(name = "{0}/{1} {2} K={3} {4} free_bits={5}")
    @CsvSource({"CONV,CONV,BCE,1,ELBO,0", "CONV,MLP,MSE,2,ELBO,0.2", "MLP,CONV,BCE,3,IWAE,0", "MLP,MLP,MSE,2,IWAE,0"})
    void stepWithArenaGivesWhatFreshAllocationGives(NetKind enc, NetKind dec, Reconstruction rec, int k, Estimator est,
                                                   double freeBits) {
        // changing batches and parameters: a reused buffer read before it is written, or released while an op
        // still needs it, would carry numbers from another array or step into this one. DOUBLE, because in
        // FLOAT the gemm's last bit depends on where its buffers sit in memory (1 ulp).
        ModelSpec spec = new ModelSpec(enc, dec, List.of(8), List.of(3, 5), Activation.RELU, 2);
        Objective obj = new Objective(rec, k, est, freeBits);
        VaeArchitecture arch = VaeArchitecture.of(spec, 28, 28);
        try (Parameters p = new Parameters(arch.parameters(), DataType.DOUBLE)) {
            p.initialise(4);
            SameDiffGradientStep arenaStep = new SameDiffGradientStep(VaeGraphs.objective(arch, p, obj), p, arch, k);
            Nd4j.getRandom().setSeed(9);
            for (int step = 0; step < 4; step++) {
                INDArray x = Nd4j.rand(DataType.DOUBLE, 6, 784);
                INDArray eps = Nd4j.randn(DataType.DOUBLE, 6L * k, 2);
                GradientStep.Values v = arenaStep.compute(x, eps, 0.5);
                INDArray g = arenaStep.gradients().dup();

                // reference: SameDiff's own route on a new graph over the same parameters (its own allocator)
                SameDiff fresh = VaeGraphs.objective(arch, p, obj);
                Map<String, INDArray> ref = fresh.calculateGradientsAndOutputs(Map.of(GraphNames.X, x,
                        GraphNames.EPS, eps, GraphNames.BETA, Nd4j.scalar(DataType.DOUBLE, 0.5)),
                        List.of(GraphNames.LOSS, GraphNames.RECON, GraphNames.KL), p.names()).getOutputs();
                Map<String, INDArray> refGrads = fresh.calculateGradients(Map.of(GraphNames.X, x,
                        GraphNames.EPS, eps, GraphNames.BETA, Nd4j.scalar(DataType.DOUBLE, 0.5)), p.names());
                assertEquals(ref.get(GraphNames.LOSS).getDouble(0), v.loss(), 1e-10 * Math.abs(v.loss()), "loss, step " + step);
                assertEquals(ref.get(GraphNames.RECON).getDouble(0), v.recon(), 1e-10 * Math.abs(v.recon()));
                assertEquals(ref.get(GraphNames.KL).getDouble(0), v.kl(), 1e-10 * Math.abs(v.kl()) + 1e-14);
                for (Parameters.Param q : p.list()) {
                    INDArray expected = refGrads.get(q.name());
                    INDArray actual = g.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                            org.nd4j.linalg.indexing.NDArrayIndex.interval(offset(p, q.name()),
                                    offset(p, q.name()) + q.length())).reshape(q.shape());
                    double scale = Math.max(1e-12, expected.amaxNumber().doubleValue());
                    double diff = expected.sub(actual).amaxNumber().doubleValue();
                    assertTrue(diff <= 1e-10 * scale, q.name() + " gradient at step " + step + " differs by " + diff);
                }
                p.flat().subi(g.mul(1e-2)); // move on, as training does
            }
            arenaStep.close();
        }
    }

    private static long offset(Parameters p, String name) {
        long off = 0;
        for (Parameters.Param q : p.list()) {
            if (q.name().equals(name)) {
                return off;
            }
            off += q.length();
        }
        throw new IllegalArgumentException(name);
    }

    @Test
    void evaluationWithArenaGivesWhatFreshAllocationGives() {
        ModelSpec spec = new ModelSpec(NetKind.CONV, NetKind.CONV, List.of(8), List.of(3, 5), Activation.RELU, 2);
        try (VaeModel m = VaeModel.create(spec, LossSpec.DEFAULT, 28, 28, DataType.DOUBLE, 4)) {
            Nd4j.getRandom().setSeed(10);
            for (int call = 0; call < 3; call++) {
                INDArray x = Nd4j.rand(DataType.DOUBLE, 7, 784);
                INDArray eps = Nd4j.randn(DataType.DOUBLE, 7, 2);
                VaeModel.BatchEvaluation e = m.evaluate(x, eps); // the model's graph: its arena is warm after call 0
                try (VaeModel fresh = VaeModel.create(spec, LossSpec.DEFAULT, 28, 28, DataType.DOUBLE, 4)) {
                    fresh.parameters().flat().assign(m.parameters().flat());
                    VaeModel.BatchEvaluation r = fresh.evaluate(x, eps);
                    assertArrayEquals(r.recon(), e.recon(), 1e-9, "recon, call " + call);
                    for (int i = 0; i < 7; i++) {
                        assertArrayEquals(r.mu()[i], e.mu()[i], 1e-12, "mu, call " + call);
                    }
                }
            }
        }
    }
}
