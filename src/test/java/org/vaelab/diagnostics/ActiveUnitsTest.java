package org.vaelab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;

import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.stat.correlation.Covariance;
import org.junit.jupiter.api.Test;

class ActiveUnitsTest {

    /** Columns: constant, N(0,1), constant, N(0, 0.05^2) (below 0.01), N(0, 0.3^2) (above). */
    private static double[][] encodings(int n) {
        Random r = new Random(7);
        double[][] mu = new double[n][5];
        for (int i = 0; i < n; i++) {
            mu[i][0] = 0.1;
            mu[i][1] = r.nextGaussian();
            mu[i][2] = -2.7;
            mu[i][3] = 0.05 * r.nextGaussian();
            mu[i][4] = 0.3 * r.nextGaussian();
        }
        return mu;
    }

    @Test
    void zeroVarianceUnitsAreInactiveAndOthersGetTheExactCovariance() {
        double[][] mu = encodings(1000);
        ActiveUnits.Result r = ActiveUnits.compute(mu, 0.01);

        // A constant column is exactly 0, not rounding noise (0.1 is not representable in binary).
        assertEquals(0.0, r.activity().get(0));
        assertEquals(0.0, r.activity().get(2));
        // Independent reference: the diagonal of Commons Math's sample covariance matrix.
        RealMatrix cov = new Covariance(mu).getCovarianceMatrix();
        for (int u = 0; u < 5; u++) {
            assertEquals(cov.getEntry(u, u), r.activity().get(u), 1e-12, "unit " + u);
        }
        assertEquals(2, r.count());
        assertEquals(List.of(0, 2, 3), r.inactiveDims());
        assertTrue(r.active(1));
        assertFalse(r.active(3));
        assertTrue(r.active(4));
    }

    @Test
    void activityIsTheUnbiasedSampleVarianceOfTheMeans() {
        double[][] mu = {{1, 5}, {2, 5}, {3, 5}, {4, 5}};
        double[] a = ActiveUnits.activity(mu);
        // mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, over n - 1 = 3
        assertEquals(5.0 / 3.0, a[0], 1e-15);
        assertEquals(0.0, a[1]);
    }

    @Test
    void activeMeansStrictlyAboveTheThreshold() {
        double[][] mu = {{0}, {2}}; // variance exactly 2
        assertEquals(0, ActiveUnits.compute(mu, 2.0).count());
        assertEquals(1, ActiveUnits.compute(mu, 1.999).count());
        assertEquals(1, ActiveUnits.count(new double[] {2.0, 0.5, 3.0}, 2.0));
    }

    @Test
    void badInputIsNamed() {
        IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
                () -> ActiveUnits.activity(new double[][] {{1, 2}}));
        assertTrue(one.getMessage().contains("at least 2 rows"), one.getMessage());
        IllegalArgumentException ragged = assertThrows(IllegalArgumentException.class,
                () -> ActiveUnits.activity(new double[][] {{1, 2}, {3}}));
        assertTrue(ragged.getMessage().contains("row 1 has 1 columns"), ragged.getMessage());
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> ActiveUnits.activity(new double[][] {{1, 2}, {3, Double.NaN}}));
        assertTrue(nan.getMessage().startsWith("mu[1][1] = NaN"), nan.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ActiveUnits.compute(encodings(3), -0.1));
    }
}
