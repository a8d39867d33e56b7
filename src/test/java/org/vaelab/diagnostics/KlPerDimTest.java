package org.vaelab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.commons.math3.analysis.UnivariateFunction;
import org.apache.commons.math3.analysis.integration.IterativeLegendreGaussIntegrator;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.junit.jupiter.api.Test;

class KlPerDimTest {

    @Test
    void closedFormOnHandMadeValues() {
        double[][] mu = {{0, 1, 0, 2}, {0.5, -1, 3, 0}};
        double[][] lv = {{0, 0, Math.log(2), -1}, {Math.log(0.25), 1, 0, 2}};
        double[][] kl = KlPerDim.perExample(mu, lv);
        // 0.5 * (mu^2 + sigma^2 - 1 - log sigma^2), written out per entry
        double[][] expected = {
            {0, 0.5, 0.5 * (2 - 1 - Math.log(2)), 0.5 * (4 + Math.exp(-1) - 1 + 1)},
            {0.5 * (0.25 + 0.25 - 1 - Math.log(0.25)), 0.5 * (1 + Math.E - 1 - 1), 4.5, 0.5 * (Math.exp(2) - 1 - 2)},
        };
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(expected[i], kl[i], 1e-14, "row " + i);
        }
        double[] mean = KlPerDim.meanPerDim(mu, lv);
        for (int u = 0; u < 4; u++) {
            assertEquals((expected[0][u] + expected[1][u]) / 2, mean[u], 1e-14);
        }
        assertEquals(mean[0] + mean[1] + mean[2] + mean[3],
                KlPerDim.summarize(mu, lv, 0.01, 0.05).totalKl(), 1e-14);
    }

    @Test
    void matchesNumericalIntegrationOfTheDefinition() {
        double[][] cases = {{0.3, -0.7}, {-1.5, 0.4}, {0.0, -3.0}, {2.0, 1.2}};
        for (double[] c : cases) {
            NormalDistribution q = new NormalDistribution(c[0], Math.exp(0.5 * c[1]));
            NormalDistribution p = new NormalDistribution(0, 1);
            UnivariateFunction integrand = z -> q.density(z) * (q.logDensity(z) - p.logDensity(z));
            double sd = q.getStandardDeviation();
            double numeric = new IterativeLegendreGaussIntegrator(16, 1e-12, 1e-12)
                    .integrate(100_000, integrand, c[0] - 12 * sd, c[0] + 12 * sd);
            assertEquals(numeric, KlPerDim.gaussianKl(c[0], c[1]), 1e-9, "mu=" + c[0] + " logvar=" + c[1]);
        }
    }

    @Test
    void accurateForANearlyCollapsedUnit() {
        // exp(lv) - 1 - lv = lv^2/2 + lv^3/6 + ...; the naive form loses all digits at lv = 1e-6.
        double lv = 1e-6;
        double series = 0.5 * (lv * lv / 2 + lv * lv * lv / 6);
        assertEquals(series, KlPerDim.gaussianKl(0, lv), series * 1e-8);
        assertEquals(0.0, KlPerDim.gaussianKl(0, 0));
    }

    /** n examples of one dimension, the first {@code used} with KL 0.5 (mu = 1), the others with KL 0. */
    private static double[][][] fractionUsed(int n, int used) {
        double[][] mu = new double[n][1];
        double[][] lv = new double[n][1];
        for (int i = 0; i < used; i++) {
            mu[i][0] = 1;
        }
        return new double[][][] {mu, lv};
    }

    @Test
    void epsilonDeltaCollapseAtTheBoundary() {
        // delta = 0.05: collapsed when at least 95% of examples are below epsilon.
        double[][][] justCollapsed = fractionUsed(100, 5); // 95% below
        double[][][] justNot = fractionUsed(100, 6);       // 94% below
        assertArrayEquals(new int[] {0}, KlPerDim.collapsedDims(justCollapsed[0], justCollapsed[1], 0.01, 0.05));
        assertArrayEquals(new int[0], KlPerDim.collapsedDims(justNot[0], justNot[1], 0.01, 0.05));
        assertEquals(0.95, KlPerDim.fractionBelow(justCollapsed[0], justCollapsed[1], 0.01)[0], 1e-15);

        // Same at another n and delta: 1 - 0.1 of 1000 = 900.
        double[][][] at900 = fractionUsed(1000, 100);
        double[][][] at899 = fractionUsed(1000, 101);
        assertEquals(1, KlPerDim.collapsedDims(at900[0], at900[1], 0.01, 0.1).length);
        assertEquals(0, KlPerDim.collapsedDims(at899[0], at899[1], 0.01, 0.1).length);
    }

    @Test
    void collapseLooksAtExamplesNotTheMean() {
        // Dim 0: used strongly by 10% of examples (KL 4.5 each, mean 0.45). Dim 1: KL 0.02 for everyone (mean 0.02).
        int n = 200;
        double[][] mu = new double[n][2];
        double[][] lv = new double[n][2];
        for (int i = 0; i < n; i++) {
            mu[i][0] = i < n / 10 ? 3 : 0;
            mu[i][1] = Math.sqrt(0.04);
        }
        KlPerDim.Summary s = KlPerDim.summarize(mu, lv, 0.01, 0.05);
        assertArrayEquals(new int[0], s.collapsedDims());
        // With delta = 0.1 the rare use is tolerated: dim 0 collapsed, dim 1 (everyone above epsilon) not.
        assertArrayEquals(new int[] {0}, KlPerDim.collapsedDims(mu, lv, 0.01, 0.1));
        // And with epsilon above 0.02 dim 1 is collapsed too.
        assertArrayEquals(new int[] {0, 1}, KlPerDim.collapsedDims(mu, lv, 0.05, 0.1));
        assertEquals(0.45, s.meanPerDim()[0], 1e-12);
        assertEquals(0.02, s.meanPerDim()[1], 1e-12);
    }

    @Test
    void badInputIsNamed() {
        double[][] a = {{0, 0}};
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> KlPerDim.perExample(a, new double[][] {{0, 0}, {0, 0}}));
        assertTrue(shape.getMessage().contains("mu is 1 x 2 but logvar is 2 x 2"), shape.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KlPerDim.collapsedDims(a, a, 0, 0.05));
        assertThrows(IllegalArgumentException.class, () -> KlPerDim.collapsedDims(a, a, 0.01, 1.5));
        IllegalArgumentException inf = assertThrows(IllegalArgumentException.class,
                () -> KlPerDim.perExample(a, new double[][] {{0, Double.POSITIVE_INFINITY}}));
        assertTrue(inf.getMessage().startsWith("logvar[0][1] = Infinity"), inf.getMessage());
    }
}
