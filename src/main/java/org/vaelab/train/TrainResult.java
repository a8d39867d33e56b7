package org.vaelab.train;

import java.util.List;
import org.vaelab.model.VaeModel;
import org.vaelab.tracking.EpochMetrics;
import org.vaelab.tracking.RunStatus;

/**
 * How a training run ended. Holds the trained model (for log-likelihood estimates, reconstructions and
 * samples): close the result to release its native memory.
 *
 * @param status        COMPLETED or DIVERGED
 * @param last          metrics of the last completed epoch, or null if none completed
 * @param epochs        every recorded epoch, oldest first (including those of earlier attempts when resumed)
 * @param cause         for a diverged run: what went non-finite, where (epoch, batch, step); else null
 * @param divergedEpoch epoch in which the run diverged, else null
 * @param divergedStep  global optimisation step (1-based) at which it diverged, else null
 * @param model         the model as training left it
 */
public record TrainResult(RunStatus status, EpochMetrics last, List<EpochMetrics> epochs, String cause,
                          Integer divergedEpoch, Long divergedStep, VaeModel model) implements AutoCloseable {
    public TrainResult {
        epochs = List.copyOf(epochs);
    }

    /** True when every epoch ran. */
    public boolean completed() {
        return status == RunStatus.COMPLETED;
    }

    @Override
    public void close() {
        if (model != null) {
            model.close();
        }
    }
}
