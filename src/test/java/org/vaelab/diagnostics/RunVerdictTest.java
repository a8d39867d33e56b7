package org.vaelab.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class RunVerdictTest {
    private static final double T = 0.01;

    /** Epochs 1..n with the given activities per unit and a total KL of 5 nats. */
    private static List<EpochActivity> epochs(double[][] activityPerEpoch) {
        List<EpochActivity> out = new ArrayList<>();
        for (int e = 0; e < activityPerEpoch.length; e++) {
            List<Double> a = new ArrayList<>();
            for (double v : activityPerEpoch[e]) {
                a.add(v);
            }
            out.add(new EpochActivity(e + 1, a, 5.0));
        }
        return out;
    }

    @Test
    void healthyWhenEveryUnitStaysActive() {
        RunVerdict v = RunVerdict.judge(3, epochs(new double[][] {{1, 0.5, 0.02}, {1.2, 0.4, 0.03}}), T, false);
        assertEquals(Verdict.HEALTHY, v.verdict());
        assertEquals(3, v.activeUnits());
        assertEquals(3, v.latentDim());
        assertEquals(List.of(), v.inactiveDims());
        assertEquals(List.of(), v.timeline());
        assertEquals("0 of 3 units inactive", v.detail());
    }

    @Test
    void partialCollapseWithATimelineOfSwitches() {
        double[][] a = {
            {1.0, 1.0, 1.0, 1.0},   // epoch 1: all active
            {0.001, 1.0, 1.0, 1.0}, // epoch 2: unit 0 off
            {0.001, 1.0, 0.0, 1.0}, // epoch 3: unit 2 off
            {0.5, 1.0, 0.0, 1.0},   // epoch 4: unit 0 back on
            {0.5, 1.0, 0.0, 1.0},   // epoch 5: no change
        };
        RunVerdict v = RunVerdict.judge(4, epochs(a), T, false);
        assertEquals(Verdict.PARTIAL_COLLAPSE, v.verdict());
        assertEquals("1 of 4 units inactive", v.detail());
        assertEquals(3, v.activeUnits());
        assertEquals(List.of(2), v.inactiveDims());
        assertEquals(List.of(new UnitEvent(0, 2, false), new UnitEvent(2, 3, false), new UnitEvent(0, 4, true)),
                v.timeline());
    }

    @Test
    void unitsInactiveFromTheStartGetAnEventAtTheFirstEpoch() {
        // Epoch numbers come from the trainer (a resumed run may start later); activity equal to the
        // threshold is inactive.
        List<EpochActivity> e = List.of(new EpochActivity(7, List.of(T, 1.0), 2.0),
                new EpochActivity(8, List.of(0.5, 1.0), 2.0));
        RunVerdict v = RunVerdict.judge(2, e, T, false);
        assertEquals(List.of(new UnitEvent(0, 7, false), new UnitEvent(0, 8, true)), v.timeline());
        assertEquals(Verdict.HEALTHY, v.verdict());
    }

    @Test
    void posteriorCollapseWhenNoUnitIsActive() {
        RunVerdict v = RunVerdict.judge(2, epochs(new double[][] {{1, 1}, {0.001, 1}, {0.001, 0.002}}), T, false);
        assertEquals(Verdict.POSTERIOR_COLLAPSE, v.verdict());
        assertEquals(0, v.activeUnits());
        assertEquals(List.of(0, 1), v.inactiveDims());
        assertEquals("2 of 2 units inactive", v.detail());
        assertEquals(List.of(new UnitEvent(0, 2, false), new UnitEvent(1, 3, false)), v.timeline());
    }

    @Test
    void posteriorCollapseWhenTotalKlIsBelowTheThreshold() {
        // One unit's activity crosses 0.01 but the code carries less than 0.1 nats in total.
        List<EpochActivity> e = List.of(new EpochActivity(1, List.of(0.02, 0.0), 0.05));
        RunVerdict v = RunVerdict.judge(2, e, T, false);
        assertEquals(Verdict.POSTERIOR_COLLAPSE, v.verdict());
        assertEquals(1, v.activeUnits());
        assertEquals("total KL 0.05000 nats < 0.1000 (1 of 2 units inactive)", v.detail());
        // Just above the threshold it is judged on the units alone; a custom threshold moves the line.
        List<EpochActivity> above = List.of(new EpochActivity(1, List.of(0.02, 0.0), 0.1));
        assertEquals(Verdict.PARTIAL_COLLAPSE, RunVerdict.judge(2, above, T, false).verdict());
        assertEquals(Verdict.POSTERIOR_COLLAPSE, RunVerdict.judge(2, above, T, 0.2, false).verdict());
    }

    @Test
    void divergedIsTheCallersVerdictAndKeepsTheLastDiagnostics() {
        RunVerdict v = RunVerdict.judge(2, epochs(new double[][] {{1, 1}, {1, 0.0}}), T, true);
        assertEquals(Verdict.DIVERGED, v.verdict());
        assertEquals(1, v.activeUnits());
        assertEquals(List.of(1), v.inactiveDims());
        assertEquals("training diverged; at epoch 2 1 of 2 units inactive", v.detail());

        RunVerdict none = RunVerdict.judge(4, List.of(), T, true);
        assertEquals(Verdict.DIVERGED, none.verdict());
        assertEquals(0, none.activeUnits());
        assertEquals(4, none.latentDim());
    }

    @Test
    void badSequencesAreNamed() {
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> RunVerdict.judge(2, List.of(), T, false));
        assertTrue(empty.getMessage().contains("at least one epoch"), empty.getMessage());
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> RunVerdict.judge(3, epochs(new double[][] {{1, 1}}), T, false));
        assertTrue(size.getMessage().contains("expected latentDim = 3"), size.getMessage());
        IllegalArgumentException order = assertThrows(IllegalArgumentException.class, () -> RunVerdict.judge(1,
                List.of(new EpochActivity(2, List.of(1.0), 1), new EpochActivity(2, List.of(1.0), 1)), T, false));
        assertTrue(order.getMessage().contains("increasing order"), order.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new EpochActivity(1, List.of(Double.NaN), 1));
        assertThrows(IllegalArgumentException.class, () -> new EpochActivity(1, List.of(1.0), -1));
    }
}
