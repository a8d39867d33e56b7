package org.vaelab.slurm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.vaelab.tracking.RunStatus;
import org.vaelab.tracking.RunSummary;
import org.vaelab.slurm.SlurmClient.TaskState;

/**
 * What {@code vaelab status} says about each run (pure): the run store's status, corrected by who is alive. A
 * run recorded as running whose task has ended and whose lock nobody holds was stopped without recording (time
 * limit, scancel, node failure, preemption): it is shown as interrupted, never as running forever.
 */
public final class SweepStatus {
    private SweepStatus() {
    }

    /**
     * The rows, in sweep order.
     *
     * @param summaries   every run's summary
     * @param submissions the sweep's submissions, oldest first (the latest one naming a run's index is its task)
     * @param tasks       what Slurm knows of those tasks, keyed by {@code job_task}
     * @param locked      whether a live process holds a run's lock (by run id)
     */
    public static List<StatusRow> rows(List<RunSummary> summaries, List<Submission> submissions,
                                       Map<String, TaskState> tasks, Predicate<String> locked) {
        List<StatusRow> rows = new ArrayList<>();
        for (RunSummary s : summaries) {
            Optional<String> taskId = Optional.empty();
            for (Submission sub : submissions) {
                Optional<String> t = sub.task(s.index());
                if (t.isPresent()) {
                    taskId = t;
                }
            }
            TaskState task = taskId.map(tasks::get).orElse(null);
            String slurm = taskId.map(id -> task == null ? id + " (Slurm no longer knows it)"
                    : id + " " + task.state() + (task.state().equals("RUNNING") && !task.node().isBlank()
                            ? " on " + task.node() : "")
                    + (task.state().equals("PENDING") && !task.reason().isBlank() && !task.reason().equals("None")
                            ? " (" + task.reason() + ")" : "")).orElse("");
            int of = epochs(s);
            RunStatus status = s.status();
            String state;
            String note = "";
            if (status == RunStatus.RUNNING) {
                if (locked.test(s.id()) || (task != null && task.state().equals("RUNNING"))) {
                    state = "running";
                } else if (task != null && task.alive()) {
                    state = "requeued";
                    note = "resumes after epoch " + s.epochsCompleted() + " when its task starts again";
                } else {
                    state = "interrupted";
                    note = "stopped without recording (" + (task != null ? "task " + task.state()
                            : "no process holds its lock: killed, time limit or node failure")
                            + "); submit again to resume after epoch " + s.epochsCompleted();
                }
            } else if (status == RunStatus.PENDING) {
                if (task != null && task.alive()) {
                    state = task.state().equals("RUNNING") ? "running" : "queued";
                } else if (task != null) {
                    state = "interrupted";
                    note = "its task ended (" + task.state() + ") before the run started; submit again";
                } else {
                    state = "pending";
                }
            } else {
                state = status.json();
                if (s.cause() != null) {
                    note = s.cause();
                } else if (s.verdict() != null) {
                    note = s.verdict().json();
                }
            }
            rows.add(new StatusRow(s.index(), s.name(), state, s.epochsCompleted(), of, slurm, note));
        }
        return rows;
    }

    /** The rows as a text table with a count line on top. */
    public static String render(String sweep, String dir, List<StatusRow> rows) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String st : List.of("completed", "running", "requeued", "queued", "pending", "interrupted", "failed",
                "diverged")) {
            counts.put(st, 0);
        }
        for (StatusRow r : rows) {
            counts.merge(r.state(), 1, Integer::sum);
        }
        List<String> parts = new ArrayList<>();
        counts.forEach((k, v) -> {
            if (v > 0) {
                parts.add(v + " " + k);
            }
        });
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "sweep %s: %d runs: %s (%s)%n", sweep, rows.size(),
                String.join(", ", parts), dir));
        int nameW = "run".length();
        int taskW = "slurm task".length();
        for (StatusRow r : rows) {
            nameW = Math.max(nameW, r.name().length());
            taskW = Math.max(taskW, r.task().length());
        }
        String fmt = "%-5s %-" + nameW + "s  %-11s  %-7s  %-" + taskW + "s  %s%n";
        b.append(String.format(Locale.ROOT, fmt, "index", "run", "state", "epochs", "slurm task", "note").stripTrailing())
                .append('\n');
        for (StatusRow r : rows) {
            b.append(String.format(Locale.ROOT, fmt, r.index(), r.name(), r.state(), r.epochs() + "/" + r.of(),
                    r.task(), r.note()).stripTrailing()).append('\n');
        }
        return b.toString();
    }

    @SuppressWarnings("unchecked")
    private static int epochs(RunSummary s) {
        Object train = s.config() == null ? null : s.config().get("train");
        if (train instanceof Map<?, ?> m && m.get("epochs") instanceof Number n) {
            return n.intValue();
        }
        return 0;
    }
}
