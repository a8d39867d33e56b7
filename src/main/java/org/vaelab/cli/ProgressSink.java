package org.vaelab.cli;

/**
 * Where a worker's progress goes: the progress board of this process, or the parent process through
 * {@link WorkerProtocol}.
 */
interface ProgressSink {
    /** A training batch finished (often; a sink may drop some). */
    void batch(BatchProgress progress);

    /** A line that stays: an epoch or run finished, a skip, a warning, an error. */
    void event(String message);

    /** Run {@code run} is finished and recorded (the report can be redrawn). */
    void done(String run);

    /**
     * This worker holds run {@code runId}'s lock and is about to train it: empty to go ahead, or the cause
     * the sweep gave the run up with (a worker died on it, or it failed in this sweep), to skip it. Only a
     * sweep's parent process says no; everywhere else a claim goes ahead.
     */
    default java.util.Optional<String> claim(String runId) {
        return java.util.Optional.empty();
    }
}
