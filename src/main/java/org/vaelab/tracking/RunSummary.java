package org.vaelab.tracking;

import java.util.List;
import java.util.Map;
import org.vaelab.diagnostics.Verdict;

/**
 * summary.json: what a run is, where it got to and how it ended. Written at start (running), after every
 * epoch, and at the end; a failed or diverged run keeps its cause. Build one with {@link #builder} or change
 * one with {@link #toBuilder()}; the canonical constructor is Jackson's.
 *
 * @param id              stable run id (hash of the resolved config)
 * @param name            readable name from the varied keys
 * @param sweep           sweep name
 * @param index           position in the sweep's expansion order
 * @param status          pending, running, completed, failed or diverged (pending when absent from the file)
 * @param varied          the varied keys and their values
 * @param config          resolved config in the spec's shape
 * @param epochsCompleted epochs finished so far
 * @param finalMetrics    the last epoch's metrics, or null before the first epoch ends
 * @param cause           why a run failed or diverged (with epoch and step), else null
 * @param started         ISO-8601 time training first started (a resumed run keeps its first start)
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
public record RunSummary(String id, String name, String sweep, int index, RunStatus status,
                         Map<String, Object> varied, Map<String, Object> config, int epochsCompleted,
                         EpochMetrics finalMetrics, String cause, String started, String finished, double seconds,
                         Verdict verdict, String verdictDetail, Integer activeUnits, List<Integer> inactiveDims,
                         List<Map<String, Object>> timeline, Double testLoglik, Map<String, Object> extra) {

    public RunSummary {
        // A summary.json written without a status (by hand, or by an old version) is a run not yet started.
        status = status == null ? RunStatus.PENDING : status;
    }

    /** A pending run with nothing recorded: fill in the rest with the builder's setters. */
    public static Builder builder(String id, String name, String sweep, int index) {
        return new Builder(id, name, sweep, index);
    }

    /** A builder holding every field of this summary. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * This summary as training (re)starts at {@code when}: running, with no end and no cause yet; a resumed
     * run keeps the time it first started, so started..finished covers all of its training.
     */
    public RunSummary withStart(String when) {
        return toBuilder().status(RunStatus.RUNNING).cause(null).started(started != null ? started : when)
                .finished(null).build();
    }

    /** This summary with another status, cause and end time. */
    public RunSummary withEnd(RunStatus newStatus, String newCause, String newFinished, double newSeconds) {
        return toBuilder().status(newStatus).cause(newCause).finished(newFinished).seconds(newSeconds).build();
    }

    /** This summary after another finished epoch. */
    public RunSummary withEpoch(EpochMetrics m) {
        return toBuilder().epochsCompleted(m.epoch()).finalMetrics(m).build();
    }

    /** Builds a {@link RunSummary} field by field; unset fields are null (status pending, counts zero). */
    public static final class Builder {
        private final String id;
        private final String name;
        private final String sweep;
        private final int index;
        private RunStatus status = RunStatus.PENDING;
        private Map<String, Object> varied;
        private Map<String, Object> config;
        private int epochsCompleted;
        private EpochMetrics finalMetrics;
        private String cause;
        private String started;
        private String finished;
        private double seconds;
        private Verdict verdict;
        private String verdictDetail;
        private Integer activeUnits;
        private List<Integer> inactiveDims;
        private List<Map<String, Object>> timeline;
        private Double testLoglik;
        private Map<String, Object> extra;

        private Builder(String id, String name, String sweep, int index) {
            this.id = id;
            this.name = name;
            this.sweep = sweep;
            this.index = index;
        }

        private Builder(RunSummary s) {
            this(s.id, s.name, s.sweep, s.index);
            status = s.status;
            varied = s.varied;
            config = s.config;
            epochsCompleted = s.epochsCompleted;
            finalMetrics = s.finalMetrics;
            cause = s.cause;
            started = s.started;
            finished = s.finished;
            seconds = s.seconds;
            verdict = s.verdict;
            verdictDetail = s.verdictDetail;
            activeUnits = s.activeUnits;
            inactiveDims = s.inactiveDims;
            timeline = s.timeline;
            testLoglik = s.testLoglik;
            extra = s.extra;
        }

        /** See {@link RunSummary#status()}. */
        public Builder status(RunStatus v) {
            status = v;
            return this;
        }

        /** See {@link RunSummary#varied()}. */
        public Builder varied(Map<String, Object> v) {
            varied = v;
            return this;
        }

        /** See {@link RunSummary#config()}. */
        public Builder config(Map<String, Object> v) {
            config = v;
            return this;
        }

        /** See {@link RunSummary#epochsCompleted()}. */
        public Builder epochsCompleted(int v) {
            epochsCompleted = v;
            return this;
        }

        /** See {@link RunSummary#finalMetrics()}. */
        public Builder finalMetrics(EpochMetrics v) {
            finalMetrics = v;
            return this;
        }

        /** See {@link RunSummary#cause()}. */
        public Builder cause(String v) {
            cause = v;
            return this;
        }

        /** See {@link RunSummary#started()}. */
        public Builder started(String v) {
            started = v;
            return this;
        }

        /** See {@link RunSummary#finished()}. */
        public Builder finished(String v) {
            finished = v;
            return this;
        }

        /** See {@link RunSummary#seconds()}. */
        public Builder seconds(double v) {
            seconds = v;
            return this;
        }

        /** See {@link RunSummary#verdict()}. */
        public Builder verdict(Verdict v) {
            verdict = v;
            return this;
        }

        /** See {@link RunSummary#verdictDetail()}. */
        public Builder verdictDetail(String v) {
            verdictDetail = v;
            return this;
        }

        /** See {@link RunSummary#activeUnits()}. */
        public Builder activeUnits(Integer v) {
            activeUnits = v;
            return this;
        }

        /** See {@link RunSummary#inactiveDims()}. */
        public Builder inactiveDims(List<Integer> v) {
            inactiveDims = v;
            return this;
        }

        /** See {@link RunSummary#timeline()}. */
        public Builder timeline(List<Map<String, Object>> v) {
            timeline = v;
            return this;
        }

        /** See {@link RunSummary#testLoglik()}. */
        public Builder testLoglik(Double v) {
            testLoglik = v;
            return this;
        }

        /** See {@link RunSummary#extra()}. */
        public Builder extra(Map<String, Object> v) {
            extra = v;
            return this;
        }

        /** The summary. */
        public RunSummary build() {
            return new RunSummary(id, name, sweep, index, status, varied, config, epochsCompleted, finalMetrics,
                    cause, started, finished, seconds, verdict, verdictDetail, activeUnits, inactiveDims, timeline,
                    testLoglik, extra);
        }
    }
}
