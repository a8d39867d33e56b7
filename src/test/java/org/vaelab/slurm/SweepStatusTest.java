package org.vaelab.slurm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vaelab.slurm.SlurmClient.TaskState;
import org.vaelab.tracking.RunStatus;
import org.vaelab.tracking.RunSummary;

/** Status joins the run store with who is alive: a run whose task died is never shown as running. */
class SweepStatusTest {
    static RunSummary summary(String id, int index, String status, int epochs, String cause) {
        return RunSummary.builder(id, "run" + index, "sw", index).status(RunStatus.valueOf(status.toUpperCase()))
                .varied(Map.of()).config(Map.of("train", Map.of("epochs", 4))).epochsCompleted(epochs).cause(cause)
                .build();
    }

    static TaskState task(String id, String state) {
        return new TaskState(id, state, state.equals("RUNNING") ? "node7" : "", "None", "squeue");
    }

    @Test
    void eachRunsStateComesFromTheStoreCorrectedByItsTaskAndLock() {
        List<RunSummary> runs = List.of(
                summary("a", 0, "completed", 4, null),
                summary("b", 1, "running", 2, null),     // task running
                summary("c", 2, "running", 1, null),     // task cancelled, lock free
                summary("d", 3, "running", 3, null),     // task requeued (pending), lock free
                summary("e", 4, "pending", 0, null),     // task queued
                summary("f", 5, "failed", 1, "IllegalStateException: boom"),
                summary("g", 6, "running", 2, null),     // no Slurm answer, but a live process holds the lock
                summary("h", 7, "running", 2, null),     // no Slurm answer, lock free
                summary("i", 8, "pending", 0, null));    // task ended before the run started
        List<Submission> subs = List.of(new Submission("10", "11", List.of(0, 1, 2, 3, 4, 5, 6, 7, 8), "t0"),
                new Submission("20", "21", List.of(2, 3, 4, 8), "t1"));
        Map<String, TaskState> tasks = new HashMap<>();
        tasks.put("10_0", task("10_0", "COMPLETED"));
        tasks.put("10_1", task("10_1", "RUNNING"));
        tasks.put("20_2", task("20_2", "CANCELLED"));
        tasks.put("20_3", new TaskState("20_3", "PENDING", "", "BeginTime", "squeue"));
        tasks.put("20_4", new TaskState("20_4", "PENDING", "", "Priority", "squeue"));
        tasks.put("10_5", task("10_5", "FAILED"));
        tasks.put("20_8", task("20_8", "TIMEOUT"));
        List<StatusRow> rows = SweepStatus.rows(runs, subs, tasks, Set.of("g")::contains);
        assertEquals(List.of("completed", "running", "interrupted", "requeued", "queued", "failed", "running",
                "interrupted", "interrupted"), rows.stream().map(StatusRow::state).toList());
        assertEquals("10_1 RUNNING on node7", rows.get(1).task());
        assertEquals("20_2 CANCELLED", rows.get(2).task(), "the latest submission's task");
        assertTrue(rows.get(2).note().contains("submit again to resume after epoch 1"), rows.get(2).note());
        assertEquals("20_4 PENDING (Priority)", rows.get(4).task());
        assertEquals("IllegalStateException: boom", rows.get(5).note());
        assertEquals("10_6 (Slurm no longer knows it)", rows.get(6).task());
        assertTrue(rows.get(7).note().contains("no process holds its lock"), rows.get(7).note());
        assertEquals(2, rows.get(1).epochs());
        assertEquals(4, rows.get(1).of());
        String text = SweepStatus.render("sw", "/r/sw", rows);
        assertTrue(text.startsWith("sweep sw: 9 runs: 1 completed, 2 running, 1 requeued, 1 queued, 3 interrupted,"
                + " 1 failed (/r/sw)\n"), text);
        assertEquals(11, text.lines().count(), text);
    }
}
