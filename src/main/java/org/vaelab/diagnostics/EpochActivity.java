package org.vaelab.diagnostics;

import java.util.List;

/**
 * What {@link RunVerdict} needs from one epoch: the units' activity and the total KL. The trainer builds it from
 * {@link EpochDiagnostics#activity(int)}, or from a {@code metrics.jsonl} line when a run is resumed.
 *
 * @param epoch        epoch number
 * @param unitActivity A_u per latent unit
 * @param totalKl      mean KL(q(z|x) || p(z)) summed over dimensions, nats
 */
public record EpochActivity(int epoch, List<Double> unitActivity, double totalKl) {
    public EpochActivity {
        unitActivity = List.copyOf(unitActivity);
        for (int u = 0; u < unitActivity.size(); u++) {
            double a = unitActivity.get(u);
            if (!(a >= 0) || Double.isInfinite(a)) {
                throw new IllegalArgumentException("epoch " + epoch + ": unit_activity[" + u + "] = " + a
                        + ": an activity is a variance and must be finite and >= 0");
            }
        }
        if (!(totalKl >= 0) || Double.isInfinite(totalKl)) {
            throw new IllegalArgumentException("epoch " + epoch + ": total KL = " + totalKl
                    + ": must be finite and >= 0 nats");
        }
    }
}
