package org.vaelab.slurm;

import java.util.List;

/**
 * One `vaelab submit` of a sweep, as recorded in {@code results/<sweep>/slurm/submissions.jsonl}.
 *
 * @param arrayJob  the job array's id (task {@code i} trains run {@code i})
 * @param reportJob the report job's id
 * @param indices   the run indices submitted
 * @param submitted when (ISO-8601)
 */
public record Submission(String arrayJob, String reportJob, List<Integer> indices, String submitted) {
    public Submission {
        indices = List.copyOf(indices);
    }

    /** Slurm's id of the task that trains run {@code index} in this submission, if it has one. */
    public java.util.Optional<String> task(int index) {
        return indices.contains(index) ? java.util.Optional.of(arrayJob + "_" + index) : java.util.Optional.empty();
    }
}
