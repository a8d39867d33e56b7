package org.vaelab.slurm;

/**
 * One run's line in {@code vaelab status}: what the run store says, joined with what Slurm says of its task.
 *
 * @param index  the run's index in the sweep (= its array task id)
 * @param name   the run's name
 * @param state  pending, queued, running, requeued, interrupted, completed, failed or diverged
 * @param epochs epochs recorded
 * @param of     epochs the run trains
 * @param task   Slurm's task id and state ({@code 12_3 RUNNING on node1}), or "" when Slurm says nothing
 * @param note   the cause of a failure, the verdict, or what to do about an interrupted run
 */
public record StatusRow(int index, String name, String state, int epochs, int of, String task, String note) {
}
