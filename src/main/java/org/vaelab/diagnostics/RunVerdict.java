package org.vaelab.diagnostics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How a run's latent code ended up, for {@code summary.json}: one of four verdicts, the units left inactive at
 * the last epoch, and when each unit switched off or on.
 *
 * <p>Verdicts, decided on the last epoch's diagnostics in this order:
 * <ol>
 *   <li>{@link Verdict#DIVERGED}: the trainer says the run diverged (non-finite loss); the other fields describe the
 *       last epoch that had diagnostics, if any.</li>
 *   <li>{@link Verdict#POSTERIOR_COLLAPSE}: no unit is active (A_u &lt;= threshold for all u), or the total KL is
 *       below {@code minTotalKl} (default {@value #DEFAULT_MIN_TOTAL_KL} nats). The total KL bounds the mutual
 *       information, E_x KL(q(z|x) || p(z)) = I(x; z) + KL(q(z) || p(z)) &gt;= I(x; z) (Hoffman and Johnson
 *       2016, "ELBO surgery"), so below 0.1 nats the code says less about x than a biased coin flip
 *       (log 2 = 0.69 nats), whatever the activities say.</li>
 *   <li>{@link Verdict#PARTIAL_COLLAPSE}: some units inactive; {@code detail} says "n of d units inactive".</li>
 *   <li>{@link Verdict#HEALTHY}: every unit active.</li>
 * </ol>
 *
 * <p>The timeline lists, per unit, each epoch at which its state differs from the previous epoch's; units
 * are taken to be active before the first epoch, so a unit inactive from the start has an event at the
 * first epoch and a unit with no events was active throughout. A unit whose activity hovers at the threshold
 * produces an event each time it crosses.
 *
 * @param verdict      healthy, partial collapse, posterior collapse or diverged
 * @param detail       one human-readable line, e.g. "3 of 32 units inactive"
 * @param activeUnits  active units at the last epoch with diagnostics (0 if none)
 * @param latentDim    number of latent units
 * @param inactiveDims inactive units at that epoch, ascending
 * @param timeline     state changes, ordered by epoch then unit
 */
public record RunVerdict(Verdict verdict, String detail, int activeUnits, int latentDim, List<Integer> inactiveDims,
                         List<UnitEvent> timeline) {
    /** Total KL, in nats, below which a run counts as collapsed even if some activity crosses the threshold. */
    public static final double DEFAULT_MIN_TOTAL_KL = 0.1;

    public RunVerdict {
        java.util.Objects.requireNonNull(verdict, "verdict");
        inactiveDims = List.copyOf(inactiveDims);
        timeline = List.copyOf(timeline);
    }

    /** {@link #judge(int, List, double, double, boolean)} with the default total-KL threshold. */
    public static RunVerdict judge(int latentDim, List<EpochActivity> epochs, double activeUnitThreshold,
                                   boolean diverged) {
        return judge(latentDim, epochs, activeUnitThreshold, DEFAULT_MIN_TOTAL_KL, diverged);
    }

    /**
     * Judges a run from its epochs' activity.
     *
     * @param latentDim           number of latent units, &gt;= 1
     * @param epochs              per-epoch activity in increasing epoch order; may be empty only if diverged
     * @param activeUnitThreshold A_u above which a unit is active ({@code eval.active_unit_threshold})
     * @param minTotalKl          total KL in nats below which the run is collapsed
     * @param diverged            whether training diverged (decided by the trainer)
     */
    public static RunVerdict judge(int latentDim, List<EpochActivity> epochs, double activeUnitThreshold,
                                   double minTotalKl, boolean diverged) {
        if (latentDim < 1) {
            throw new IllegalArgumentException("latentDim: must be >= 1, got " + latentDim);
        }
        Checks.finiteNonNegative("activeUnitThreshold", activeUnitThreshold);
        Checks.finiteNonNegative("minTotalKl", minTotalKl);
        if (epochs == null || (epochs.isEmpty() && !diverged)) {
            throw new IllegalArgumentException("epochs: a run that did not diverge needs at least one epoch's"
                    + " diagnostics to be judged");
        }
        for (int e = 0; e < epochs.size(); e++) {
            EpochActivity ea = epochs.get(e);
            if (ea.unitActivity().size() != latentDim) {
                throw new IllegalArgumentException("epoch " + ea.epoch() + ": unit_activity has "
                        + ea.unitActivity().size() + " entries, expected latentDim = " + latentDim);
            }
            if (e > 0 && ea.epoch() <= epochs.get(e - 1).epoch()) {
                throw new IllegalArgumentException("epochs: epoch " + ea.epoch() + " follows epoch "
                        + epochs.get(e - 1).epoch() + "; pass epochs in increasing order");
            }
        }

        List<UnitEvent> timeline = new ArrayList<>();
        boolean[] active = new boolean[latentDim];
        Arrays.fill(active, true);
        for (EpochActivity ea : epochs) {
            for (int u = 0; u < latentDim; u++) {
                boolean now = ea.unitActivity().get(u) > activeUnitThreshold;
                if (now != active[u]) {
                    timeline.add(new UnitEvent(u, ea.epoch(), now));
                    active[u] = now;
                }
            }
        }

        if (epochs.isEmpty()) {
            return new RunVerdict(Verdict.DIVERGED, "training diverged before the first epoch's diagnostics", 0, latentDim,
                    List.of(), List.of());
        }
        EpochActivity last = epochs.get(epochs.size() - 1);
        List<Integer> inactive = new ArrayList<>();
        for (int u = 0; u < latentDim; u++) {
            if (!active[u]) {
                inactive.add(u);
            }
        }
        int nActive = latentDim - inactive.size();
        String units = inactive.size() + " of " + latentDim + " units inactive";
        Verdict verdict;
        String detail;
        if (diverged) {
            verdict = Verdict.DIVERGED;
            detail = "training diverged; at epoch " + last.epoch() + " " + units;
        } else if (nActive == 0) {
            verdict = Verdict.POSTERIOR_COLLAPSE;
            detail = units;
        } else if (last.totalKl() < minTotalKl) {
            verdict = Verdict.POSTERIOR_COLLAPSE;
            detail = String.format(Locale.ROOT, "total KL %.4g nats < %.4g (%s)", last.totalKl(), minTotalKl, units);
        } else if (!inactive.isEmpty()) {
            verdict = Verdict.PARTIAL_COLLAPSE;
            detail = units;
        } else {
            verdict = Verdict.HEALTHY;
            detail = units;
        }
        return new RunVerdict(verdict, detail, nActive, latentDim, inactive, timeline);
    }
}
