package org.vaelab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class EpochDiagnosticsTest {

    /**
     * Three kinds of unit, by construction: 0 and 1 encode x (mu ~ N(0,1), sigma^2 = 0.1), 2 is collapsed onto
     * the prior (mu = 0, logvar = 0: KL exactly 0), 3 has a tiny mean spread (A_u ~ 1e-4) and a slightly
     * narrow posterior (KL ~ 0.5 (0.9 - 1 - log 0.9) = 0.0027 per example: below epsilon).
     */
    private static double[][][] encodings(int n, long seed) {
        Random r = new Random(seed);
        double[][] mu = new double[n][4];
        double[][] lv = new double[n][4];
        for (int i = 0; i < n; i++) {
            mu[i][0] = r.nextGaussian();
            mu[i][1] = r.nextGaussian();
            lv[i][0] = Math.log(0.1);
            lv[i][1] = Math.log(0.1);
            mu[i][3] = 0.01 * r.nextGaussian();
            lv[i][3] = Math.log(0.9);
        }
        return new double[][][] {mu, lv};
    }

    @Test
    void computesEveryFieldConsistentlyWithTheParts() {
        double[][][] e = encodings(2000, 1);
        EpochDiagnostics d = EpochDiagnostics.compute(e[0], e[1], 0.01, 123L);

        assertEquals(2, d.activeUnits());
        assertEquals(4, d.latentDim());
        double[] activity = ActiveUnits.activity(e[0]);
        double[] kl = KlPerDim.meanPerDim(e[0], e[1]);
        for (int u = 0; u < 4; u++) {
            assertEquals(activity[u], d.unitActivity().get(u));
            assertEquals(kl[u], d.klPerDim().get(u));
        }
        assertEquals(0.0, d.klPerDim().get(2));
        assertEquals(List.of(2, 3), d.collapsedDims());
        // Units 0 and 1 are each a Gaussian channel with s^2 / sigma^2 = 10: I = 2 * 0.5 log 11 = 2.40 nats,
        // plus a negligible 0.5 log(1 + 1e-4 / 0.9) from unit 3.
        assertEquals(Math.log(11), d.mutualInfo(), 0.15);
        assertEquals(kl[0] + kl[1] + kl[2] + kl[3], d.totalKl(), 1e-12);
    }

    @Test
    void reproducibleBySeed() {
        double[][][] e = encodings(1500, 2);
        assertEquals(EpochDiagnostics.compute(e[0], e[1], 0.01, 5L), EpochDiagnostics.compute(e[0], e[1], 0.01, 5L));
        assertNotEquals(EpochDiagnostics.compute(e[0], e[1], 0.01, 5L).mutualInfo(),
                EpochDiagnostics.compute(e[0], e[1], 0.01, 6L).mutualInfo());
    }

    @Test
    void feedsTheRunVerdict() {
        List<EpochActivity> run = new ArrayList<>();
        for (int epoch = 1; epoch <= 3; epoch++) {
            double[][][] e = encodings(500, epoch);
            if (epoch == 3) {
                // Unit 1 collapses onto the prior in the last epoch.
                for (int i = 0; i < 500; i++) {
                    e[0][i][1] = 0;
                    e[1][i][1] = 0;
                }
            }
            run.add(EpochDiagnostics.compute(e[0], e[1], 0.01, epoch).activity(epoch));
        }
        RunVerdict v = RunVerdict.judge(4, run, 0.01, false);
        assertEquals(Verdict.PARTIAL_COLLAPSE, v.verdict());
        assertEquals("3 of 4 units inactive", v.detail());
        assertEquals(List.of(1, 2, 3), v.inactiveDims());
        assertEquals(List.of(new UnitEvent(2, 1, false), new UnitEvent(3, 1, false), new UnitEvent(1, 3, false)),
                v.timeline());
    }

    @Test
    void recordIsImmutable() {
        List<Double> a = new ArrayList<>(List.of(1.0));
        EpochDiagnostics d = new EpochDiagnostics(1, a, List.of(0.5), List.of(), 0.1);
        a.set(0, 0.0);
        assertEquals(1.0, d.unitActivity().get(0));
        assertThrows(UnsupportedOperationException.class, () -> d.unitActivity().set(0, 2.0));
        assertThrows(IllegalArgumentException.class, () -> new EpochDiagnostics(1, List.of(1.0), List.of(), List.of(), 0));
    }
}
