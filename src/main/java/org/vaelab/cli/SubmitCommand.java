package org.vaelab.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.vaelab.slurm.ArrayRanges;
import org.vaelab.slurm.BatchJob;
import org.vaelab.slurm.BatchScriptRenderer;
import org.vaelab.slurm.SlurmClient;
import org.vaelab.slurm.SlurmException;
import org.vaelab.slurm.SlurmOptions;
import org.vaelab.slurm.Submission;
import org.vaelab.slurm.SubmissionStore;
import org.vaelab.spec.RunSpec;
import org.vaelab.tracking.AtomicFiles;
import org.vaelab.tracking.RunStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vaelab submit SPEC}: plan the sweep as {@code run} does, then hand the runs not completed yet to Slurm as
 * one job array (one task per run) and a report job that waits for it.
 */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = {"Plan SPEC's sweep as 'run' does, then submit one Slurm job array with a task per run not"
                + " completed yet (each trains its run as 'run' would: locks, checkpoints, resume) and a report job"
                + " that renders reports/<sweep>/ after the array ends. Prints the job ids; 'vaelab status"
                + " results/<sweep>' follows them. The batch scripts and task logs go to results/<sweep>/slurm/.",
                "Needs sbatch on the PATH and a filesystem shared by the nodes for the results, data and jar.",
                "Exit code: 0 submitted (with --wait: every run completed), 1 some run failed or diverged (--wait),"
                        + " 2 bad input or no Slurm; nothing is submitted on bad input."})
final class SubmitCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SPEC", description = "Experiment spec (YAML).")
    Path specFile;

    @Option(names = "--set", paramLabel = "KEY.PATH=VALUE",
            description = "Override a config key before expansion (as for 'run'). Repeatable.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--results", paramLabel = "DIR", description = "Results root, shared by the nodes (default: results).")
    Path results = Path.of("results");

    @Option(names = "--reports", paramLabel = "DIR", description = "Reports root, shared by the nodes (default: reports).")
    Path reports = Path.of("reports");

    @Option(names = "--data", paramLabel = "DIR",
            description = "Data root, shared by the nodes; MNIST is fetched here before submitting (default: data).")
    Path data = Path.of("data");

    @Option(names = "--partition", paramLabel = "P", description = "Slurm partition (default: the cluster's).")
    String partition;

    @Option(names = "--time", paramLabel = "HH:MM:SS",
            description = "Time limit per task; a run that needs longer checkpoints and requeues its task (default: the partition's).")
    String time;

    @Option(names = "--cpus-per-run", paramLabel = "N", description = "Cores per task, and its BLAS threads (default: ${DEFAULT-VALUE}).")
    int cpusPerRun = 1;

    @Option(names = "--mem-per-run", paramLabel = "SIZE", description = "Memory per task, e.g. 4G, 3500M (default: ${DEFAULT-VALUE}).")
    String memPerRun = SlurmOptions.DEFAULT_MEM;

    @Option(names = "--gpus-per-run", paramLabel = "N",
            description = "GPUs per task (--gres=gpu:N); needs train.device: cuda and the CUDA build. Untested on a GPU.")
    int gpusPerRun;

    @Option(names = "--max-parallel", paramLabel = "N", description = "Tasks running at once (the array's %%N; default: no bound).")
    Integer maxParallel;

    @Option(names = "--max-requeues", paramLabel = "N",
            description = "How often one task may requeue itself at its time limit (default: ${DEFAULT-VALUE}).")
    int maxRequeues = SlurmOptions.DEFAULT_MAX_REQUEUES;

    @Option(names = "--sbatch-arg", paramLabel = "ARG",
            description = "One more sbatch option for both jobs, e.g. --sbatch-arg=--account=proj. Repeatable.")
    List<String> sbatchArgs = new ArrayList<>();

    @Option(names = "--wait", description = "Wait until the array and the report job end, then exit as 'run' does.")
    boolean await;

    @Option(names = "--force", description = "Submit even if the spec behind this sweep name changed since its results were written.")
    boolean force;

    @Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    /** Seconds between looks at the queue with --wait. */
    static final long POLL_SECONDS = Long.getLong("vaelab.slurmPollSeconds", 5);

    @Override
    public Integer call() throws Exception {
        PrintWriter out = commandSpec.commandLine().getOut();
        SlurmOptions options;
        try {
            options = new SlurmOptions(partition, time, cpusPerRun, memPerRun, gpusPerRun, maxParallel, maxRequeues,
                    sbatchArgs);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage().replace("\n", "\nvaelab: "));
        }
        SweepPlan plan = SweepPlan.load(specFile, sets);
        checkGpus(plan, gpusPerRun);
        SlurmClient slurm = new SlurmClient();
        if (slurm.onPath("sbatch").isEmpty()) {
            throw new UserError("sbatch not found on the PATH: 'vaelab submit' runs where Slurm's commands do (a"
                    + " cluster's login node); to try it on this machine, start a one-node cluster with .ci/slurm-up");
        }
        // The same checks and plan as `run` (devices unless the GPUs are on the nodes, name guard, data, folders):
        // bad input exits 2 before anything is submitted.
        SweepRunner runner = new SweepRunner(plan, results, reports, data, force, System.out);
        List<RunSpec> todo = runner.prepareForSubmit(gpusPerRun == 0, memPerRun, slurmBytes(memPerRun));
        RunStore store = new RunStore(results, plan.spec().name());
        Path sweepDir = store.sweepDir().toAbsolutePath().normalize();
        int total = plan.runs().size();
        if (todo.isEmpty()) {
            out.printf(Locale.ROOT, "vaelab: sweep %s: all %d runs are finished (%s); nothing to submit%n",
                    store.sweep(), total, sweepDir);
            out.flush();
            return SlurmWait.exitCode(store, total, out);
        }
        Path slurmDir = sweepDir.resolve("slurm");
        List<Submission> earlier = new SubmissionStore(slurmDir).read();
        List<String> live = liveTasks(slurm, earlier, todo);
        if (!live.isEmpty()) {
            // Their runs are queued or training already; a second task would only wait for the first's lock.
            out.printf(Locale.ROOT, "vaelab: %d runs still have a task of an earlier submission (%s): not submitted"
                    + " again%n", live.size(), String.join(", ", live));
            todo = todo.stream().filter(r -> earlier.stream().noneMatch(e -> e.task(r.index())
                    .filter(live::contains).isPresent())).toList();
            if (todo.isEmpty()) {
                Submission last = earlier.get(earlier.size() - 1);
                out.printf(Locale.ROOT, "vaelab: sweep %s: nothing new to submit; follow with: vaelab status %s%n",
                        store.sweep(), sweepDir);
                out.flush();
                return await ? new SlurmWait(slurm, store, total, out, POLL_SECONDS).await(last.arrayJob(),
                        last.reportJob(), reports.resolve(store.sweep()).resolve("index.html")) : ExitCodes.OK;
            }
        }
        Files.createDirectories(slurmDir.resolve("logs"));
        Path specCopy = BatchScriptRenderer.specCopy(slurmDir);
        // The tasks read a copy, so editing the spec while they queue cannot change what they train.
        AtomicFiles.writeString(specCopy, Files.readString(specFile, StandardCharsets.UTF_8));
        List<Integer> indices = todo.stream().map(RunSpec::index).toList();
        BatchJob job = new BatchJob(store.sweep(), launchCommand(), specCopy, sets, abs(results), abs(reports),
                abs(data), abs(Path.of("")), slurmDir, indices, options, launcherEnv(), force,
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        writeScript(job.trainScript(), BatchScriptRenderer.train(job));
        writeScript(job.reportScript(), BatchScriptRenderer.report(job));
        String arrayJob;
        String reportJob;
        try {
            arrayJob = slurm.sbatch(job.trainScript(), List.of());
        } catch (SlurmException e) {
            throw new UserError(e.getMessage() + "; nothing was submitted (the scripts are in " + slurmDir + ")");
        }
        try {
            reportJob = slurm.sbatch(job.reportScript(), List.of("--dependency=afterany:" + arrayJob));
        } catch (SlurmException e) {
            throw new UserError(e.getMessage() + "; the job array " + arrayJob + " was submitted and trains the"
                    + " runs: render the report afterwards with 'vaelab report " + sweepDir + "'");
        }
        new SubmissionStore(slurmDir).append(new Submission(arrayJob, reportJob, indices, job.written()));
        out.printf(Locale.ROOT, "vaelab: sweep %s: %d runs, %d to train: job array %s (tasks %s%s), report job %s"
                        + " (after the array)%n", store.sweep(), total, todo.size(), arrayJob,
                ArrayRanges.format(indices), maxParallel == null ? "" : ", " + maxParallel + " at a time", reportJob);
        out.printf(Locale.ROOT, "vaelab: follow with: vaelab status %s   (or squeue -j %s,%s); task logs in %s%n",
                sweepDir, arrayJob, reportJob, job.logs());
        out.flush();
        if (!await) {
            return ExitCodes.OK;
        }
        return new SlurmWait(slurm, store, total, out, POLL_SECONDS).await(arrayJob, reportJob,
                reports.resolve(store.sweep()).resolve("index.html"));
    }

    /** The tasks of earlier submissions that are still pending or running for a run in {@code todo}. */
    private static List<String> liveTasks(SlurmClient slurm, List<Submission> earlier, List<RunSpec> todo) {
        if (earlier.isEmpty()) {
            return List.of();
        }
        Map<String, SlurmClient.TaskState> states = slurm.states(earlier.stream().map(Submission::arrayJob).toList());
        List<String> live = new ArrayList<>();
        for (RunSpec r : todo) {
            for (Submission e : earlier) {
                e.task(r.index()).map(states::get).filter(SlurmClient.TaskState::alive).ifPresent(t -> live.add(t.id()));
            }
        }
        return live;
    }

    /** GPUs and the CUDA device go together: asking for one without the other is bad input. */
    static void checkGpus(SweepPlan plan, int gpus) {
        for (RunSpec r : plan.runs()) {
            String device = r.config().train().device().yaml();
            boolean cuda = r.config().train().device() == org.vaelab.spec.Device.CUDA;
            if (gpus > 0 && !cuda) {
                throw new UserError(plan.file() + ": --gpus-per-run " + gpus + " needs train.device: cuda, but run "
                        + r.name() + " has train.device: " + device + "; set it in the spec or with --set"
                        + " train.device=cuda (and build the CUDA jar: mvn -Pcuda package), or drop --gpus-per-run");
            }
            if (gpus == 0 && cuda) {
                throw new UserError(plan.file() + ": run " + r.name() + " has train.device: cuda, so its task needs"
                        + " a GPU; add --gpus-per-run 1");
            }
        }
    }

    /** How this vaelab was started (java, its options, class path, main class), to start it the same way on a node. */
    static List<String> launchCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(JvmOptions.forTraining(ManagementFactory.getRuntimeMXBean().getInputArguments())); // tasks train
        cmd.add("-cp");
        List<String> cp = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            cp.add(e.isEmpty() ? e : Path.of(e).toAbsolutePath().normalize().toString());
        }
        cmd.add(String.join(java.io.File.pathSeparator, cp));
        cmd.add(Main.class.getName());
        return cmd;
    }

    /** Slurm's memory size ({@code 4G}, {@code 3500M}, {@code 4000}: megabytes without a unit) in bytes. */
    static long slurmBytes(String mem) {
        char unit = Character.toUpperCase(mem.charAt(mem.length() - 1));
        String digits = Character.isDigit(unit) ? mem : mem.substring(0, mem.length() - 1);
        int shift = switch (unit) {
            case 'K' -> 10;
            case 'G' -> 30;
            case 'T' -> 40;
            default -> 20;
        };
        return Long.parseLong(digits) << shift;
    }

    /** Settings the launcher makes that change a run's numbers, so that tasks compute as `run` would here. */
    static Map<String, String> launcherEnv() {
        Map<String, String> env = new TreeMap<>();
        String coretype = System.getenv("OPENBLAS_CORETYPE");
        if (coretype != null && !coretype.isBlank()) {
            env.put("OPENBLAS_CORETYPE", coretype);
        }
        return env;
    }

    private static Path abs(Path p) {
        return p.toAbsolutePath().normalize();
    }

    private static void writeScript(Path file, String text) throws IOException {
        AtomicFiles.writeString(file, text);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException | IOException e) {
            // sbatch reads the script; the mode only helps a reader who runs it by hand
        }
    }
}
