package org.vaelab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.vaelab.diagnostics.ReplicateStats.Difference;
import org.vaelab.diagnostics.ReplicateStats.Estimate;
import org.vaelab.diagnostics.ReplicateStats.Pairing;

/**
 * Known answers from SciPy 1.10.1 (Debian's python3-scipy), computed with
 * <pre>
 *   from scipy import stats; import numpy as np
 *   t = stats.t.ppf(0.975, n - 1); m = x.mean(); s = x.std(ddof=1); m -+ t * s / sqrt(n)
 *   stats.ttest_rel(a, b).confidence_interval(0.95)
 *   Welch: vx = x.var(ddof=1)/len(x), vy likewise, df = (vx+vy)**2 / (vx**2/(nx-1) + vy**2/(ny-1)),
 *          m -+ stats.t.ppf(0.975, df) * sqrt(vx + vy)
 * </pre>
 * on the warm-up tour's test −ELBO values (latent 32, none against linear, seeds 1-3).
 */
class ReplicateStatsTest {
    private static final double[] NONE = {114.7, 115.0, 114.9};
    private static final double[] LINEAR = {113.5, 113.6, 113.1};

    @Test
    void meanSdAndTIntervalMatchScipy() {
        Estimate e = ReplicateStats.of(NONE);
        assertEquals(3, e.n());
        assertEquals(114.86666666666667, e.mean(), 1e-12);
        assertEquals(0.15275252316519375, e.sd(), 1e-12);
        assertEquals(114.48720836329274, e.lo(), 1e-9);
        assertEquals(115.24612497004061, e.hi(), 1e-9);
        assertEquals(114.7, e.min(), 0);
        assertEquals(115.0, e.max(), 0);

        Estimate wide = ReplicateStats.of(new double[] {76, 81, 112});
        assertEquals(19.5021366350801, wide.sd(), 1e-10);
        assertEquals(41.22067358993457, wide.lo(), 1e-8);
        assertEquals(138.11265974339878, wide.hi(), 1e-8);
    }

    @Test
    void oneValueHasNoSpreadAndNoInterval() {
        Estimate e = ReplicateStats.of(new double[] {3.5});
        assertEquals(3.5, e.mean(), 0);
        assertTrue(Double.isNaN(e.sd()) && Double.isNaN(e.lo()) && Double.isNaN(e.hi()));
        assertThrows(IllegalArgumentException.class, () -> ReplicateStats.of(new double[0]));
    }

    @Test
    void pairedDifferenceMatchesScipyTtestRel() {
        Difference d = ReplicateStats.paired(NONE, LINEAR);
        assertEquals(Pairing.PAIRED, d.pairing());
        assertEquals(1.4666666666666732, d.mean(), 1e-12);
        assertEquals(0.7077500599187695, d.lo(), 1e-9);
        assertEquals(2.225583273414577, d.hi(), 1e-9);
        assertEquals(2, d.df(), 0);
        assertFalse(d.coversZero());
        // reversed sides: the same interval mirrored
        Difference r = ReplicateStats.paired(LINEAR, NONE);
        assertEquals(-d.hi(), r.lo(), 1e-12);
    }

    @Test
    void welchDifferenceMatchesScipy() {
        double[] x = {114.7, 115.0, 114.9, 116.2};
        Difference d = ReplicateStats.welch(x, LINEAR);
        assertEquals(Pairing.WELCH, d.pairing());
        assertEquals(1.8000000000000114, d.mean(), 1e-10);
        assertEquals(4.088427299703272, d.df(), 1e-9);
        assertEquals(0.7761005664441238, d.lo(), 1e-8);
        assertEquals(2.8238994335558987, d.hi(), 1e-8);
    }

    @Test
    void anIntervalAcrossZeroIsWithinTheSpread() {
        Difference d = ReplicateStats.welch(new double[] {76, 81, 112}, new double[] {82, 59, 88});
        assertTrue(d.lo() < 0 && d.hi() > 0, d.toString());
        assertTrue(d.coversZero());
        Difference single = ReplicateStats.welch(new double[] {1}, new double[] {2, 3});
        assertTrue(Double.isNaN(single.lo()) && single.coversZero(), "no interval from one value: not a finding");
        Difference exact = ReplicateStats.welch(new double[] {2, 2}, new double[] {1, 1});
        assertEquals(1, exact.lo(), 0);
        assertFalse(exact.coversZero());
    }
}
