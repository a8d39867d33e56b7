package org.vaelab.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vaelab.slurm.SlurmClient;
import org.vaelab.slurm.Submission;
import org.vaelab.slurm.SubmissionStore;
import org.vaelab.slurm.SweepStatus;
import org.vaelab.tracking.RunLock;
import org.vaelab.tracking.RunStatus;
import org.vaelab.tracking.RunStore;
import org.vaelab.tracking.RunSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vaelab status results/<sweep>}: each run's state from the run store, joined with its Slurm task's. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"List each run of a sweep with its state (pending, queued, running with its epoch, requeued,"
                + " interrupted, completed, failed with its cause, diverged) from the run store, and, where Slurm"
                + " answers (squeue; sacct where the cluster keeps accounting), its task's state.",
                "A run recorded as running whose task ended and whose lock nobody holds is shown as interrupted."})
final class StatusCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RESULTS_DIR", description = "A sweep folder, e.g. results/beta-sweep.")
    Path sweepDir;

    @Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    @Override
    public Integer call() throws IOException {
        if (!Files.isDirectory(sweepDir) || !Files.exists(sweepDir.resolve("index.json"))) {
            throw new UserError(sweepDir + ": not a sweep results folder (no index.json); pass a folder like"
                    + " results/<sweep> written by 'vaelab run' or 'vaelab submit'");
        }
        RunStore store = RunStore.at(sweepDir);
        PrintWriter out = commandSpec.commandLine().getOut();
        out.print(describe(store, new SlurmClient()));
        out.flush();
        return ExitCodes.OK;
    }

    /** The status text of {@code store}'s sweep, asking {@code slurm} about its submissions' tasks. */
    static String describe(RunStore store, SlurmClient slurm) throws IOException {
        List<RunSummary> summaries = store.summaries();
        List<Submission> subs = new SubmissionStore(store.sweepDir().resolve("slurm")).read();
        List<String> jobs = new ArrayList<>();
        for (Submission s : subs) {
            jobs.add(s.arrayJob());
            jobs.add(s.reportJob());
        }
        Map<String, SlurmClient.TaskState> states = slurm.states(jobs);
        StringBuilder b = new StringBuilder(SweepStatus.render(store.sweep(), store.sweepDir().toString(),
                SweepStatus.rows(summaries, subs, states, id -> heldByAnother(store, id, summaries))));
        if (!subs.isEmpty()) {
            Submission last = subs.get(subs.size() - 1);
            SlurmClient.TaskState report = states.get(last.reportJob());
            b.append("last submission ").append(last.submitted()).append(": job array ").append(last.arrayJob())
                    .append(", report job ").append(last.reportJob()).append(' ')
                    .append(report == null ? "(Slurm no longer knows it)" : report.state()).append('\n');
            if (states.isEmpty()) {
                b.append("(Slurm did not answer: states are the run store's and its locks')\n");
            }
        }
        return b.toString();
    }

    /** Whether a live process holds the run's lock (asked only for runs recorded as running). */
    private static boolean heldByAnother(RunStore store, String id, List<RunSummary> summaries) {
        boolean running = summaries.stream().anyMatch(s -> s.id().equals(id)
                && s.status() == RunStatus.RUNNING);
        if (!running) {
            return false;
        }
        try {
            Optional<RunLock> lock = store.tryLock(id);
            if (lock.isEmpty()) {
                return true;
            }
            lock.get().close();
            return false;
        } catch (IOException e) {
            return false;
        }
    }
}
