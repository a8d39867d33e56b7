package org.vaelab.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.vaelab.slurm.BatchScriptRenderer;
import org.vaelab.spec.RunSpec;
import org.vaelab.tracking.RunStatus;
import org.vaelab.tracking.RunStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The hidden command a Slurm array task runs: train run {@code --index} of the sweep through the same code as
 * a {@code run} worker. On USR1 (Slurm's warning before the time limit, passed on by the batch script) the run
 * goes on to its next checkpointed epoch and the process then exits with {@link
 * BatchScriptRenderer#STOPPED_FOR_REQUEUE}, so the script requeues the task and the next attempt resumes there.
 */
@Command(name = "slurm-task", hidden = true, description = "Internal: train one run of a sweep as a Slurm array task.")
final class SlurmTaskCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SPEC")
    Path specFile;

    @Option(names = "--index", required = true, paramLabel = "I", description = "The run's index in the sweep.")
    int index;

    @Option(names = "--set", paramLabel = "KEY.PATH=VALUE")
    List<String> sets = new ArrayList<>();

    @Option(names = "--results", paramLabel = "DIR")
    Path results = Path.of("results");

    @Option(names = "--reports", paramLabel = "DIR")
    Path reports = Path.of("reports");

    @Option(names = "--data", paramLabel = "DIR")
    Path data = Path.of("data");

    @Option(names = "--force")
    boolean force;

    @Option(names = "--signal-seconds", paramLabel = "S",
            description = "How long before the time limit USR1 comes: the longest wait for the next checkpoint.")
    int signalSeconds = 180;

    @Override
    public Integer call() throws IOException {
        SweepPlan plan = SweepPlan.load(specFile, sets);
        if (index < 0 || index >= plan.runs().size()) {
            throw new UserError("--index " + index + ": the sweep has runs 0.." + (plan.runs().size() - 1));
        }
        RunSpec run = plan.runs().get(index);
        RunStore store = new RunStore(results, plan.spec().name());
        TimeLimitStop.install(store, run, signalSeconds);
        return new SweepRunner(plan, results, reports, data, force, System.out).trainSingle(index);
    }

    /** Stops the process at the run's next checkpoint once Slurm has warned of the time limit. */
    static final class TimeLimitStop {
        private TimeLimitStop() {
        }

        static void install(RunStore store, RunSpec run, int signalSeconds) {
            sun.misc.Signal.handle(new sun.misc.Signal("USR1"), sig -> {
                Thread t = new Thread(() -> stopAtCheckpoint(store, run, signalSeconds), "time-limit-stop");
                t.setDaemon(true);
                t.start();
            });
        }

        /**
         * Waits until the run records one more epoch (its checkpoint is written before the epoch is recorded, so
         * the work up to there is kept), then halts: the lock goes with the process, and the run stays 'running'
         * for the next attempt to resume, exactly as after a kill at that moment. The final epoch is not a place
         * to stop (the run is about to finish); nor is waiting past the time limit, so after all but 15 s of the
         * warning the process halts where it is and the run resumes from its last checkpoint.
         */
        private static void stopAtCheckpoint(RunStore store, RunSpec run, int signalSeconds) {
            int epochs = run.config().train().epochs();
            long deadline = System.nanoTime() + Math.max(5, signalSeconds - 15) * 1_000_000_000L;
            int at = recorded(store, run);
            System.out.println("vaelab: time limit near (USR1): " + run.name() + " stops after its next checkpoint"
                    + " (now " + at + "/" + epochs + " epochs recorded)");
            System.out.flush();
            while (System.nanoTime() < deadline) {
                int now = recorded(store, run);
                if (now > at && now < epochs) {
                    halt(run.name() + ": stopped after epoch " + now + "; the task requeues and resumes from it");
                }
                if (finished(store, run)) {
                    return; // the run ended meanwhile: let the process finish normally
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
            halt(run.name() + ": no checkpoint before the time limit; stopping with " + recorded(store, run)
                    + " epochs recorded, the task requeues and resumes from there");
        }

        private static int recorded(RunStore store, RunSpec run) {
            try {
                return store.readMetrics(run.id()).size();
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }

        private static boolean finished(RunStore store, RunSpec run) {
            try {
                return store.readSummary(run.id()).map(s -> s.status() != RunStatus.RUNNING
                        && s.status() != RunStatus.PENDING).orElse(false);
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }

        private static void halt(String message) {
            System.out.println("vaelab: " + message);
            System.out.flush();
            Runtime.getRuntime().halt(BatchScriptRenderer.STOPPED_FOR_REQUEUE);
        }
    }
}
