package org.vaelab.tracking;

import java.util.List;
import java.util.Map;

/**
 * summary.json: what a run is, where it got to and how it ended. Written at start (running), after every
 * epoch, and at the end; a failed or diverged run keeps its cause.
 *
 * @param id              stable run id (hash of the resolved config)
 * @param name            readable name from the varied keys
 * @param sweep           sweep name
 * @param index           position in the sweep's expansion order
 * @param status          pending, running, completed, failed or diverged
 * @param varied          the varied keys and their values
 * @param config          resolved config in the spec's shape
 * @param epochsCompleted epochs finished so far
 * @param finalMetrics    the last epoch's metrics, or null before the first epoch ends
 * @param cause           why a run failed or diverged (with epoch and step), else null
 * @param started         ISO-8601 time training (last) started
 * @param finished        ISO-8601 time it ended, or null
 * @param seconds         training wall time summed over all attempts
 * @param verdict         healthy, partial_collapse, posterior_collapse or diverged, once known
 * @param verdictDetail   e.g. "3 of 32 units inactive"
 * @param activeUnits     active units at the end
 * @param inactiveDims    latent dims inactive at the end
 * @param timeline        per unit, the epochs at which it became inactive or active again
 * @param testLoglik      importance-sampled log p(x) estimate in nats, or null
 * @param extra           further named results (e.g. the log-likelihood's cost)
 */
public record RunSummary(String id, String name, String sweep, int index, String status,
                         Map<String, Object> varied, Map<String, Object> config, int epochsCompleted,
                         EpochMetrics finalMetrics, String cause, String started, String finished, double seconds,
                         String verdict, String verdictDetail, Integer activeUnits, List<Integer> inactiveDims,
                         List<Map<String, Object>> timeline, Double testLoglik, Map<String, Object> extra) {

    /** This summary with another status, cause and end time. */
    public RunSummary withEnd(RunStatus newStatus, String newCause, String newFinished, double newSeconds) {
        return new RunSummary(id, name, sweep, index, newStatus.json(), varied, config, epochsCompleted, finalMetrics,
                newCause, started, newFinished, newSeconds, verdict, verdictDetail, activeUnits, inactiveDims,
                timeline, testLoglik, extra);
    }

    /** This summary after another finished epoch. */
    public RunSummary withEpoch(EpochMetrics m) {
        return new RunSummary(id, name, sweep, index, status, varied, config, m.epoch(), m, cause, started,
                finished, seconds, verdict, verdictDetail, activeUnits, inactiveDims, timeline, testLoglik, extra);
    }

    /** This summary with the diagnostics verdict filled in. */
    public RunSummary withVerdict(String newVerdict, String detail, Integer active, List<Integer> inactive,
                                  List<Map<String, Object>> newTimeline, Double loglik, Map<String, Object> newExtra) {
        return new RunSummary(id, name, sweep, index, status, varied, config, epochsCompleted, finalMetrics, cause,
                started, finished, seconds, newVerdict, detail, active, inactive, newTimeline, loglik, newExtra);
    }
}
