package org.vaelab.tracking;

/** Life cycle of a run in the store (MLflow's model): a failed or diverged run keeps its cause. */
public enum RunStatus {
    PENDING, RUNNING, COMPLETED, FAILED, DIVERGED;

    /** Lower-case name as written in summary.json. */
    public String json() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
