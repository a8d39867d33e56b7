package org.vaelab.train;

/**
 * Thrown by a {@link TrainingListener} to stop training cleanly (SIGINT or SIGTERM): {@link RunExecution} records
 * the run as interrupted, with its time, and the run resumes from its last checkpoint; the epoch in progress is
 * discarded.
 */
public final class RunInterruptedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what stopped the run (e.g. "SIGINT"), shown as the run's cause */
    public RunInterruptedException(String message) {
        super(message);
    }
}
