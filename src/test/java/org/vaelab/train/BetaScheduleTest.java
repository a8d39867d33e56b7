package org.vaelab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.vaelab.spec.Estimator;
import org.vaelab.spec.LossSpec;
import org.vaelab.spec.Reconstruction;
import org.vaelab.spec.WarmupSchedule;
import org.vaelab.spec.WarmupSpec;

class BetaScheduleTest {
    private static LossSpec loss(double beta, WarmupSpec w) {
        return new LossSpec(Reconstruction.BCE, beta, w, 0.0, 1, Estimator.ELBO);
    }

    @Test
    void noneIsConstant() {
        BetaSchedule s = new BetaSchedule(loss(4, new WarmupSpec(WarmupSchedule.NONE, 3, 4, 0.5)), 10, 7);
        assertEquals(4.0, s.at(0));
        assertEquals(4.0, s.at(69));
    }

    @Test
    void linearRisesPerStepOverTheWarmupEpochsThenHolds() {
        // 2 warm-up epochs of 10 steps: W = 20
        BetaSchedule s = new BetaSchedule(loss(2, new WarmupSpec(WarmupSchedule.LINEAR, 2, 1, 0.5)), 5, 10);
        assertEquals(0.0, s.at(0), 1e-12);
        assertEquals(0.1, s.at(1), 1e-12);
        assertEquals(1.0, s.at(10), 1e-12);
        assertEquals(1.9, s.at(19), 1e-12);
        assertEquals(2.0, s.at(20), 1e-12);
        assertEquals(2.0, s.at(49), 1e-12);
    }

    @Test
    void linearWithZeroWarmupEpochsIsConstant() {
        BetaSchedule s = new BetaSchedule(loss(3, new WarmupSpec(WarmupSchedule.LINEAR, 0, 1, 0.5)), 5, 10);
        assertEquals(3.0, s.at(0));
    }

    @Test
    void cyclicalRampsDuringTheFirstRatioOfEachCycle() {
        // 4 epochs x 10 steps, 4 cycles of 10 steps, ramp over the first half
        BetaSchedule s = new BetaSchedule(loss(1, new WarmupSpec(WarmupSchedule.CYCLICAL, 0, 4, 0.5)), 4, 10);
        assertEquals(0.0, s.at(0), 1e-12);
        assertEquals(0.4, s.at(2), 1e-12);
        assertEquals(1.0, s.at(5), 1e-12);
        assertEquals(1.0, s.at(9), 1e-12);
        assertEquals(0.0, s.at(10), 1e-12);
        assertEquals(0.4, s.at(32), 1e-12);
        assertEquals(1.0, s.at(39), 1e-12);
    }

    @Test
    void cyclicalWithAFractionalPeriodFollowsFuEtAl() {
        // T = 30, M = 4: T/M = 7.5, cycles restart every ceil(7.5) = 8 steps, tau = (t mod 8) / 7.5
        BetaSchedule s = new BetaSchedule(loss(2, new WarmupSpec(WarmupSchedule.CYCLICAL, 0, 4, 0.8)), 3, 10);
        assertEquals(2 * (3 / 7.5) / 0.8, s.at(3), 1e-12);
        assertEquals(2.0, s.at(7), 1e-12);    // tau = 0.933 > 0.8
        assertEquals(0.0, s.at(8), 1e-12);
        assertEquals(2 * (1 / 7.5) / 0.8, s.at(25), 1e-12);
    }
}
