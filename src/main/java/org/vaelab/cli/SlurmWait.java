package org.vaelab.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.vaelab.slurm.SlurmClient;
import org.vaelab.tracking.RunStatus;
import org.vaelab.tracking.RunStore;
import org.vaelab.tracking.RunSummary;

/** {@code submit --wait}: follows the array and the report job until both end, then exits as {@code run} does. */
final class SlurmWait {
    private final SlurmClient slurm;
    private final RunStore store;
    private final int total;
    private final PrintWriter out;
    private final long pollSeconds;

    SlurmWait(SlurmClient slurm, RunStore store, int total, PrintWriter out, long pollSeconds) {
        this.slurm = slurm;
        this.store = store;
        this.total = total;
        this.out = out;
        this.pollSeconds = pollSeconds;
    }

    /** Waits for the report job (which starts after every task ended) to end; returns 0, or 1 if a run is not completed. */
    int await(String arrayJob, String reportJob, Path reportIndex) throws IOException, InterruptedException {
        String last = "";
        int unknown = 0;
        boolean seen = false;
        while (true) {
            Map<String, SlurmClient.TaskState> states = slurm.states(List.of(arrayJob, reportJob));
            SlurmClient.TaskState report = states.get(reportJob);
            if (report != null) {
                seen = true;
                unknown = 0;
                if (!report.alive()) {
                    break;
                }
            } else if (seen || ++unknown >= 6) {
                // Slurm forgot the job (it ended longer than MinJobAge ago) or never answers: stop waiting.
                break;
            }
            Map<String, Integer> byState = new TreeMap<>();
            states.forEach((id, s) -> {
                if (id.startsWith(arrayJob + "_")) {
                    byState.merge(s.state(), 1, Integer::sum);
                }
            });
            long completed = completed();
            String line = String.format(Locale.ROOT, "vaelab: %d of %d runs completed; tasks %s; report job %s",
                    completed, total, byState.isEmpty() ? "ended" : byState.toString().replaceAll("[{}]", ""),
                    report == null ? "?" : report.state());
            if (!line.equals(last)) {
                out.println(line);
                out.flush();
                last = line;
            }
            Thread.sleep(pollSeconds * 1000);
        }
        out.println("vaelab: report: " + (Files.exists(reportIndex) ? reportIndex
                : "(not written; see the report job's log in results/<sweep>/slurm/logs/)"));
        return exitCode(store, total, out);
    }

    private long completed() throws IOException {
        return store.summaries().stream().filter(s -> s.status() == RunStatus.COMPLETED).count();
    }

    /** As {@code run} ends: how many runs completed, the others with their cause; 0 if all completed, else 1. */
    static int exitCode(RunStore store, int total, PrintWriter out) throws IOException {
        List<RunSummary> summaries = store.summaries();
        long completed = summaries.stream().filter(s -> s.status() == RunStatus.COMPLETED).count();
        out.printf(Locale.ROOT, "vaelab: %d of %d runs completed%n", completed, total);
        for (RunSummary s : summaries) {
            if (s.status() != RunStatus.COMPLETED) {
                out.printf(Locale.ROOT, "  %s %s: %s%n", s.status(), s.name(), s.cause() == null ? "" : s.cause());
            }
        }
        out.flush();
        return completed == total ? ExitCodes.OK : ExitCodes.RUNS_FAILED;
    }
}
