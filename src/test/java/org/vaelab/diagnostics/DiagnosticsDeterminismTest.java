package org.vaelab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The diagnostics give the same bits on the same input whether their loops run interpreted, after C1, or after
 * C2 has compiled them (docs/guarantees.md, Determinism): each is repeated until HotSpot has compiled its loops,
 * and every repetition must equal the first. The Vector API's own lanewise log, cos and exp change their last
 * bits once compiled (SVML stubs), which made a sweep run twice differ in z_mean and z_std by an ulp; its lane
 * reductions may reassociate once compiled too (not seen on this machine's AVX-512, kept out all the same).
 */
class DiagnosticsDeterminismTest {
    private static final int N = 256;
    private static final int D = 64;

    private static double[][][] encodings(long seed) {
        return encodings(seed, D);
    }

    private static double[][][] encodings(long seed, int d) {
        Random r = new Random(seed);
        double[][] mu = new double[N][d];
        double[][] logvar = new double[N][d];
        for (int i = 0; i < N; i++) {
            for (int u = 0; u < d; u++) {
                mu[i][u] = r.nextGaussian() * 1.5;
                logvar[i][u] = r.nextGaussian() - 1;
            }
        }
        return new double[][][] {mu, logvar};
    }

    @Test
    void theAggregatePosteriorsDrawsAreTheSameBeforeAndAfterTheJitCompilesThem() {
        double[][][] e = encodings(1);
        AggregatePosterior first = AggregatePosterior.of(e[0], e[1], 9);
        for (int rep = 0; rep < 600; rep++) { // ~10M draws: well past C2's thresholds
            AggregatePosterior again = AggregatePosterior.of(e[0], e[1], 9);
            assertSame("z_mean", first.zMean(), again.zMean(), rep);
            assertSame("z_std", first.zStd(), again.zStd(), rep);
            assertSame("mu_mean", first.muMean(), again.muMean(), rep);
            assertSame("mu_std", first.muStd(), again.muStd(), rep);
        }
    }

    private static void assertSame(String what, List<Double> first, List<Double> again, int rep) {
        for (int u = 0; u < first.size(); u++) {
            int unit = u;
            assertEquals(Double.doubleToLongBits(first.get(u)), Double.doubleToLongBits(again.get(u)),
                    () -> what + " of unit " + unit + " at repetition " + rep + ": " + first.get(unit) + " then "
                            + again.get(unit));
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {2, 8, 32, 128})
    void theMutualInformationIsTheSameBeforeAndAfterTheJitCompilesIt(int d) {
        double[][][] e = encodings(2, d);
        double first = MutualInformation.estimate(e[0], e[1], N, 4L);
        for (int rep = 0; rep < 150; rep++) {
            double again = MutualInformation.estimate(e[0], e[1], N, 4L);
            assertEquals(Double.doubleToLongBits(first), Double.doubleToLongBits(again), "repetition " + rep + ": "
                    + first + " then " + again);
        }
    }
}
