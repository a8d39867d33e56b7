package org.vaelab.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.spec.Activation;
import org.vaelab.spec.Estimator;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.Reconstruction;

/** Every loss term against values computed by hand, in DOUBLE, on tiny inputs. */
class LossTermsTest {
    private static final double TOL = 1e-9;

    private static INDArray arr(double[][] v) {
        return Nd4j.createFromArray(v);
    }

    private static double softplus(double l) {
        return Math.max(l, 0) + Math.log1p(Math.exp(-Math.abs(l)));
    }

    @Test
    void bernoulliNllIsSoftplusMinusXTimesLogitSummedOverPixels() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, 3);
        SDVariable l = sd.placeHolder("l", DataType.DOUBLE, -1, 3);
        LossTerms.bernoulliNll(sd, x, l, 3).rename("out");
        double[][] xv = {{0, 1, 0.3}, {1, 1, 0}};
        double[][] lv = {{0, 0, 0}, {2, -1, 100}};
        double[] out = sd.outputSingle(Map.of("x", arr(xv), "l", arr(lv)), "out").toDoubleVector();
        // logits 0: -log 0.5 per pixel, whatever x is
        assertEquals(3 * Math.log(2), out[0], TOL);
        // softplus(2) - 2 + softplus(-1) + 1 + softplus(100) - 0  (the last stays finite: 100)
        double row1 = softplus(2) - 2 + softplus(-1) + 1 + 100;
        assertEquals(row1, out[1], 1e-7);
        assertEquals(0.1269280110429727 + 1.3132616875182228 + 100, out[1], 1e-7);
    }

    @Test
    void gaussianNllIsHalfSquaredErrorPlusConstant() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, 2);
        SDVariable l = sd.placeHolder("l", DataType.DOUBLE, -1, 2);
        SDVariable[] g = LossTerms.gaussianNll(sd, x, l, 2);
        g[0].rename("nll");
        g[1].rename("se");
        Map<String, INDArray> o = sd.output(Map.of("x", arr(new double[][]{{1, 0}}),
                "l", arr(new double[][]{{0, Math.log(3)}})), "nll", "se");
        // means sigmoid(0) = 0.5, sigmoid(log 3) = 0.75: se = 0.25 + 0.5625
        double se = 0.25 + 0.5625;
        assertEquals(se, o.get("se").getDouble(0), TOL);
        assertEquals(0.5 * se + Math.log(2 * Math.PI), o.get("nll").getDouble(0), TOL);
    }

    @Test
    void klPerDimMatchesTheClosedForm() {
        SameDiff sd = SameDiff.create();
        SDVariable mu = sd.placeHolder("mu", DataType.DOUBLE, -1, 3);
        SDVariable lv = sd.placeHolder("lv", DataType.DOUBLE, -1, 3);
        LossTerms.klPerDim(sd, mu, lv).rename("kl");
        double[][] kl = sd.outputSingle(Map.of("mu", arr(new double[][]{{0, 1, 0}}),
                "lv", arr(new double[][]{{0, 0, Math.log(2)}})), "kl").toDoubleMatrix();
        assertEquals(0.0, kl[0][0], TOL);          // q = prior
        assertEquals(0.5, kl[0][1], TOL);          // mean shift of 1
        assertEquals(0.5 * (2 - 1 - Math.log(2)), kl[0][2], TOL); // variance 2
    }

    @Test
    void freeBitsFloorsTheBatchMeanKlPerDimension() {
        SameDiff sd = SameDiff.create();
        SDVariable k = sd.placeHolder("k", DataType.DOUBLE, -1, 3);
        LossTerms.freeBitsKl(sd, k, 3, k, 0.5).rename("fb");
        // batch means per dim: 0.2, 1.5, 0.6 -> max(0.5, .) = 0.5 + 1.5 + 0.6
        double fb = sd.outputSingle(Map.of("k", arr(new double[][]{{0.1, 2.0, 0.2}, {0.3, 1.0, 1.0}})), "fb")
                .getDouble(0);
        assertEquals(2.6, fb, TOL);
    }

    @Test
    void freeBitsWorksForABatchOfOneExample() {
        SameDiff sd = SameDiff.create();
        SDVariable k = sd.placeHolder("k", DataType.DOUBLE, -1, 2);
        LossTerms.freeBitsKl(sd, k, 2, k, 0.5).rename("fb");
        double fb = sd.outputSingle(Map.of("k", arr(new double[][]{{0.1, 2.0}})), "fb").getDouble(0);
        assertEquals(2.5, fb, TOL);
    }

    @Test
    void logMeanExpIsStableAtBothEnds() {
        SameDiff sd = SameDiff.create();
        SDVariable a = sd.placeHolder("a", DataType.DOUBLE, 4, 2);
        LossTerms.logMeanExp(sd, a, 4).rename("lme");
        double[] v = sd.outputSingle(Map.of("a", arr(new double[][]{{-100, -1000}, {-1, -1001}, {1, -1002},
                {100, -1003}})), "lme").toDoubleVector();
        assertEquals(100 + Math.log1p(Math.exp(-99) + Math.exp(-101) + Math.exp(-200)) - Math.log(4), v[0], 1e-12);
        double lse = -1000 + Math.log(1 + Math.exp(-1) + Math.exp(-2) + Math.exp(-3)) - Math.log(4);
        assertEquals(lse, v[1], 1e-9);
    }

    // ---- whole objectives: the graph's LOSS against the same formula evaluated in Java on the graph's
    // network outputs (logits, mu, logvar), so the assembly (tiling, sample means, log-sum-exp) is checked

    private static final ModelSpec TINY = new ModelSpec(NetKind.MLP, NetKind.MLP, List.of(4), List.of(2),
            Activation.TANH, 2);

    private record Run(double loss, double recon, double kl, double[][] x, double[][] eps, double[][] logits,
                       double[][] mu, double[][] logvar, double[][] logW) {
    }

    private static Run run(Objective obj, double beta, int n) {
        VaeArchitecture arch = VaeArchitecture.of(TINY, 2, 3);
        Parameters p = new Parameters(arch.parameters(), DataType.DOUBLE);
        p.initialise(7);
        // stretch the weights so the terms are far from zero
        p.flat().muli(3);
        SameDiff sd = VaeGraphs.objective(arch, p, obj);
        INDArray x = Nd4j.rand(DataType.DOUBLE, n, 6);
        INDArray eps = Nd4j.randn(DataType.DOUBLE, (long) obj.samples() * n, 2);
        Map<String, INDArray> feed = new HashMap<>(Map.of(GraphNames.X, x, GraphNames.EPS, eps,
                GraphNames.BETA, Nd4j.scalar(DataType.DOUBLE, beta)));
        List<String> outs = new java.util.ArrayList<>(List.of(GraphNames.LOSS, GraphNames.RECON, GraphNames.KL,
                GraphNames.LOGITS, GraphNames.MU, GraphNames.LOGVAR));
        if (obj.estimator() == Estimator.IWAE) {
            outs.add(GraphNames.LOG_WEIGHTS);
        }
        Map<String, INDArray> o = sd.output(feed, outs);
        return new Run(o.get(GraphNames.LOSS).getDouble(0), o.get(GraphNames.RECON).getDouble(0),
                o.get(GraphNames.KL).getDouble(0), x.toDoubleMatrix(), eps.toDoubleMatrix(),
                o.get(GraphNames.LOGITS).toDoubleMatrix(), o.get(GraphNames.MU).toDoubleMatrix(),
                o.get(GraphNames.LOGVAR).toDoubleMatrix(),
                o.containsKey(GraphNames.LOG_WEIGHTS) ? o.get(GraphNames.LOG_WEIGHTS).toDoubleMatrix() : null);
    }

    private static double reconRow(Reconstruction rec, double[] x, double[] l) {
        double s = 0;
        for (int j = 0; j < x.length; j++) {
            if (rec == Reconstruction.BCE) {
                s += softplus(l[j]) - x[j] * l[j];
            } else {
                double m = 1 / (1 + Math.exp(-l[j]));
                s += 0.5 * (x[j] - m) * (x[j] - m);
            }
        }
        return rec == Reconstruction.BCE ? s : s + 0.5 * x.length * Math.log(2 * Math.PI);
    }

    private static double klRow(double[] mu, double[] lv) {
        double s = 0;
        for (int d = 0; d < mu.length; d++) {
            s += 0.5 * (mu[d] * mu[d] + Math.exp(lv[d]) - 1 - lv[d]);
        }
        return s;
    }

    @Test
    void elboWithThreeSamplesAveragesTheReconstructionTermsAndAddsBetaTimesKl() {
        int n = 4;
        int k = 3;
        for (Reconstruction rec : Reconstruction.values()) {
            Run r = run(new Objective(rec, k, Estimator.ELBO, 0.0), 0.7, n);
            double recon = 0;
            for (int s = 0; s < k; s++) {
                for (int i = 0; i < n; i++) {
                    recon += reconRow(rec, r.x[i], r.logits[s * n + i]);
                }
            }
            recon /= k * n;
            double kl = 0;
            for (int i = 0; i < n; i++) {
                kl += klRow(r.mu[i], r.logvar[i]);
            }
            kl /= n;
            assertEquals(recon, r.recon, 1e-9, rec.yaml());
            assertEquals(kl, r.kl, 1e-9, rec.yaml());
            assertEquals(recon + 0.7 * kl, r.loss, 1e-9, rec.yaml());
        }
    }

    @Test
    void elboWithFreeBitsUsesTheFlooredBatchMeanPerDimension() {
        int n = 5;
        double lambda = 0.8;
        Run r = run(new Objective(Reconstruction.BCE, 1, Estimator.ELBO, lambda), 2.0, n);
        double fb = 0;
        for (int d = 0; d < 2; d++) {
            double m = 0;
            for (int i = 0; i < n; i++) {
                m += 0.5 * (r.mu[i][d] * r.mu[i][d] + Math.exp(r.logvar[i][d]) - 1 - r.logvar[i][d]);
            }
            fb += Math.max(lambda, m / n);
        }
        assertEquals(r.recon + 2.0 * fb, r.loss, 1e-9);
    }

    @Test
    void iwaeWithFourSamplesIsMinusLogMeanOfImportanceWeights() {
        int n = 3;
        int k = 4;
        for (Reconstruction rec : Reconstruction.values()) {
            Run r = run(new Objective(rec, k, Estimator.IWAE, 0.0), 1.0, n);
            double loss = 0;
            for (int i = 0; i < n; i++) {
                double[] lw = new double[k];
                double max = Double.NEGATIVE_INFINITY;
                for (int s = 0; s < k; s++) {
                    int row = s * n + i;
                    double logPx = -reconRow(rec, r.x[i], r.logits[row]);
                    double logPz = 0;
                    double logQ = 0;
                    for (int d = 0; d < 2; d++) {
                        double sigma = Math.exp(0.5 * r.logvar[i][d]);
                        double z = r.mu[i][d] + sigma * r.eps[row][d];
                        logPz += -0.5 * z * z - 0.5 * Math.log(2 * Math.PI);
                        double u = (z - r.mu[i][d]) / sigma;
                        logQ += -0.5 * u * u - Math.log(sigma) - 0.5 * Math.log(2 * Math.PI);
                    }
                    lw[s] = logPx + logPz - logQ;
                    assertEquals(lw[s], r.logW[s][i], 1e-9, rec.yaml() + " log w");
                    max = Math.max(max, lw[s]);
                }
                double sum = 0;
                for (double v : lw) {
                    sum += Math.exp(v - max);
                }
                loss += -(max + Math.log(sum / k));
            }
            assertEquals(loss / n, r.loss, 1e-9, rec.yaml());
        }
    }

    @Test
    void iwaeWithOneSampleEqualsTheSingleSampleElbo() {
        // K = 1: -log w = recon - (log p(z) - log q(z|x)), whose expectation is the ELBO; with beta = 1
        Run r = run(new Objective(Reconstruction.BCE, 1, Estimator.IWAE, 0.0), 1.0, 4);
        double mean = 0;
        for (int i = 0; i < 4; i++) {
            mean += -r.logW[0][i];
        }
        assertEquals(mean / 4, r.loss, 1e-9);
    }
}
