package org.vaelab.tracking;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Life cycle of a run in the store (MLflow's model): a failed or diverged run keeps its cause. An interrupted
 * run was stopped by SIGINT/SIGTERM, or its process died while it said running (kill -9: see
 * {@link RunStore#observed}); it resumes from its last checkpoint on the next `vaelab run`.
 */
public enum RunStatus {
    PENDING, RUNNING, COMPLETED, FAILED, DIVERGED, INTERRUPTED;

    /** Lower-case name as written in summary.json. */
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True for a run that needs no more training: completed, or diverged (training again would diverge again). */
    public boolean finished() {
        return this == COMPLETED || this == DIVERGED;
    }

    /** The status written as {@code text} (any case); throws naming the allowed words. */
    public static RunStatus fromJson(String text) {
        for (RunStatus s : values()) {
            if (s.json().equalsIgnoreCase(text)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown run status '" + text + "' (allowed: "
                + Arrays.stream(values()).map(RunStatus::json).collect(Collectors.joining(", ")) + ")");
    }

    /** The file form, so that a status in a message reads as it does in summary.json. */
    @Override
    public String toString() {
        return json();
    }
}
