package org.vaelab.train;

import org.vaelab.spec.LossSpec;
import org.vaelab.spec.WarmupSpec;

/**
 * The KL weight beta_t per optimisation step t (0-based), fed to the graph as a placeholder each step.
 * <ul>
 *   <li>{@code none}: beta.</li>
 *   <li>{@code linear}: beta * min(1, t / W) with W = warmup.epochs * steps per epoch (0 to beta, per step).</li>
 *   <li>{@code cyclical} (Fu et al. 2019, "Cyclical annealing schedule", eq. 6): with T total steps and M
 *       cycles, tau = (t mod ceil(T/M)) / (T/M); beta_t = beta * tau / R while tau &lt;= R, else beta.</li>
 * </ul>
 */
public final class BetaSchedule {
    private final LossSpec loss;
    private final long totalSteps;
    private final long warmupSteps;

    /** The schedule of {@code loss} for a run of {@code epochs} epochs of {@code stepsPerEpoch} steps. */
    public BetaSchedule(LossSpec loss, int epochs, int stepsPerEpoch) {
        this.loss = loss;
        this.totalSteps = (long) epochs * stepsPerEpoch;
        this.warmupSteps = (long) loss.warmup().epochs() * stepsPerEpoch;
    }

    /** beta at step {@code t} (0-based count of steps taken before this one). */
    public double at(long t) {
        double beta = loss.beta();
        WarmupSpec w = loss.warmup();
        switch (w.schedule()) {
            case NONE:
                return beta;
            case LINEAR:
                return warmupSteps <= 0 ? beta : beta * Math.min(1.0, (double) t / warmupSteps);
            case CYCLICAL: {
                if (w.cycles() < 1 || totalSteps <= 0 || w.ratio() <= 0) {
                    return beta;
                }
                double period = (double) totalSteps / w.cycles();
                long len = (long) Math.ceil(period);
                double tau = (t % len) / period;
                return tau <= w.ratio() ? beta * tau / w.ratio() : beta;
            }
            default:
                throw new IllegalStateException("unknown warm-up " + w.schedule());
        }
    }
}
