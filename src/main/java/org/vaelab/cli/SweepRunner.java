package org.vaelab.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.vaelab.report.ReportWriter;
import org.vaelab.spec.ConfigTree;
import org.vaelab.spec.RunSpec;
import org.vaelab.tracking.RunStatus;
import org.vaelab.tracking.RunStore;
import org.vaelab.tracking.RunSummary;
import org.vaelab.train.Devices;
import org.vaelab.train.RunExecution;
import org.vaelab.train.UnsupportedDeviceException;

/**
 * Trains a sweep: checks every input before the first write, plans every run in the store, hands the runs
 * to workers ({@link SweepWorker} in this process, or N child processes through {@link WorkerProcesses}),
 * refreshes the report after finished runs and renders it whole at the end, and says how the sweep ended. Workers coordinate only
 * through the run store's per-run locks, so two `vaelab run` commands on the same results folder also never
 * train the same run twice.
 */
final class SweepRunner {
    /** Measured on 2 cores: two one-thread runs at once beat one two-thread run (README "Performance"). */
    static final int DEFAULT_WORKERS = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));

    private final SweepPlan plan;
    private final RunStore store;
    private final Path reportsRoot;
    private final Path dataRoot;
    private final boolean force;
    private final PrintStream out;

    SweepRunner(SweepPlan plan, Path results, Path reports, Path data, boolean force, PrintStream out) {
        this.plan = plan;
        this.store = new RunStore(results, plan.spec().name());
        this.reportsRoot = reports;
        this.dataRoot = data;
        this.force = force;
        this.out = out;
    }

    /** Runs the sweep with up to {@code workers} processes; returns the exit code. */
    int run(int workers, Path specFile, List<String> sets) throws IOException, InterruptedException {
        Instant start = Instant.now();
        StopSignals.install();
        List<RunSpec> todo = checkAndPrepare(true);
        int total = plan.runs().size();
        out.printf(Locale.ROOT, "vaelab: sweep %s: %d runs, %d to train (%s)%n", store.sweep(), total, todo.size(),
                store.sweepDir());
        int n = Math.min(workers, todo.size());
        int code = ExitCodes.OK;
        if (n >= 1) {
            ProgressBoard board = new ProgressBoard(out, System.console() != null, n, 10);
            try (ReportRefresher refresher = new ReportRefresher()) {
                code = n == 1 ? worker(new BoardSink(board)).trainAll()
                        : new WorkerProcesses(childArguments(specFile, sets), board, refresher::request).runAll(n);
            }
            board.close();
        }
        store.writeIndex();
        Path report = renderReport();
        // The counts and the exit code describe the runs of this spec, not whatever else the folder holds
        // (runs of an earlier spec version under the same name are kept, and shown, as that version's).
        List<RunSummary> summaries = new ArrayList<>();
        for (RunSpec r : plan.runs()) {
            java.util.Optional<RunSummary> s = store.readSummary(r.id());
            if (s.isPresent()) {
                summaries.add(store.observed(s.get())); // as index.json and the report say it
            }
        }
        long completed = summaries.stream().filter(s -> s.status() == RunStatus.COMPLETED).count();
        out.printf(Locale.ROOT, "vaelab: %d of %d runs completed in %s; report: %s%n", completed, total,
                ProgressBoard.clock(Duration.between(start, Instant.now()).toMillis() / 1000.0),
                report == null ? "(not written)" : report);
        for (RunSummary s : summaries) {
            if (s.status() != RunStatus.COMPLETED) {
                out.printf(Locale.ROOT, "  %s %s: %s%n", s.status().json(), s.name(),
                        s.cause() == null ? "" : s.cause());
            }
        }
        if (code == ExitCodes.BAD_INPUT) {
            return code;
        }
        if (StopSignals.requested()) {
            out.printf(Locale.ROOT, "vaelab: stopped by %s; interrupted runs resume from their last checkpoint"
                    + " with: %s%n", StopSignals.signal(), resumeCommand(specFile, sets));
            out.flush();
            return StopSignals.exitCode();
        }
        return completed == total ? ExitCodes.OK : ExitCodes.RUNS_FAILED;
    }

    /** Child-process mode: train runs, report progress on stdout in the worker protocol. */
    int runAsWorker(int workerId) throws IOException {
        StopSignals.install();
        WorkerProcesses.exitWithParent();
        int code = worker(WorkerProtocol.writer(out)).trainAll();
        return StopSignals.requested() && code == ExitCodes.OK ? StopSignals.exitCode() : code;
    }

    /** The command that resumes this sweep: the same spec, overrides and folders. */
    private String resumeCommand(Path specFile, List<String> sets) {
        List<String> args = new ArrayList<>(List.of("vaelab", "run"));
        for (String a : childArguments(specFile, sets)) {
            args.add(a.isEmpty() || a.matches("[A-Za-z0-9_./=:,@+-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
        }
        return String.join(" ", args);
    }

    private SweepWorker worker(ProgressSink sink) {
        return new SweepWorker(plan.runs(), store, RunExecution.full(dataRoot), sink);
    }

    /** What each child gets after {@code run}: the same spec, overrides and folders as this command. */
    private List<String> childArguments(Path specFile, List<String> sets) {
        List<String> args = new ArrayList<>();
        args.add(specFile.toString());
        for (String s : sets) {
            args.add("--set");
            args.add(s);
        }
        args.addAll(List.of("--results", store.sweepDir().getParent().toString(), "--reports",
                reportsRoot.toString(), "--data", dataRoot.toString()));
        if (force) {
            args.add("--force");
        }
        return args;
    }

    /** A check that throws {@link UserError}: its line(s) join {@code problems} instead. */
    private interface Check {
        void run() throws IOException;
    }

    private static void collect(List<String> problems, Check check) throws IOException {
        try {
            check.run();
        } catch (UserError e) {
            problems.add(e.display());
        }
    }

    /**
     * Every check and write before training, shared by `run` and `submit`: devices (unless the runs will train
     * on a cluster's GPUs that this machine lacks), the name guard and spec version, the folders, the data (MNIST
     * fetched first if missing), all problems at once (exit 2, nothing written); then the folders, the spec
     * version and the plan. Returns the runs not finished yet, in sweep order.
     */
    private List<RunSpec> checkAndPrepare(boolean checkDevices) throws IOException {
        // Every input is checked before the first write, so bad input (exit 2) leaves results/ as it was; and
        // every problem is reported at once, not one per attempt.
        List<String> problems = new ArrayList<>();
        if (checkDevices) {
            collect(problems, this::checkDevices);
        }
        SweepGuard.Decision[] version = new SweepGuard.Decision[1];
        collect(problems, () -> version[0] = SweepGuard.check(store, plan, force));
        Path reportDir = reportsRoot.resolve(ReportWriter.folderName(List.of(store.sweep())));
        collect(problems, () -> requireFolder(reportDir, "the report", "--reports DIR"));
        collect(problems, () -> ReportWriter.ownerProblem(List.of(store.sweep()), reportDir).ifPresent(p -> {
            throw new UserError(p);
        }));
        collect(problems, () -> requireFolder(store.sweepDir(), "results", "--results DIR"));
        List<RunSpec> todo = new ArrayList<>();
        for (RunSpec r : plan.runs()) {
            if (!SweepWorker.finished(store, r.id())) {
                todo.add(r);
            }
        }
        // The data of the runs to train, MNIST fetched first if missing (it goes to the data folder, never to
        // results/ or reports/): subset sizes, classes, image sizes and the model against them, all at once.
        problems.addAll(DataChecks.problems(plan.file(), todo, dataRoot, problems.isEmpty(), new HashSet<>()));
        if (!problems.isEmpty()) {
            throw UserError.located(String.join("\n", problems), null);
        }
        prepare(version[0], reportDir);
        if (version[0].note() != null) {
            out.println("vaelab: " + version[0].note());
        }
        return todo;
    }

    /** For `vaelab submit`: what `run` checks and writes before training ({@link #checkAndPrepare}). */
    List<RunSpec> prepareForSubmit(boolean checkDevices) throws IOException {
        return checkAndPrepare(checkDevices);
    }

    /**
     * For one Slurm array task: trains the run at {@code index} as a `run` worker does ({@link
     * SweepWorker#trainOne}), with plain progress lines on stdout; the index and report are refreshed after it.
     */
    int trainSingle(int index) throws IOException {
        ProgressBoard board = new ProgressBoard(out, false, 1, 30);
        int code = worker(new BoardSink(board)).trainOne(index);
        board.close();
        return code;
    }

    private void checkDevices() {
        for (RunSpec r : plan.runs()) {
            try {
                Devices.require(r.config().train().device());
            } catch (UnsupportedDeviceException e) {
                throw new UserError(plan.file() + ": " + e.getMessage());
            }
        }
    }

    /**
     * Refuses a folder that cannot be created or written, before anything is: the first existing folder on
     * its path must be a writable folder (a file there is named as a file), so that a refused sweep leaves no
     * folder behind.
     */
    static void requireFolder(Path dir, String what, String flag) {
        Path p = dir.toAbsolutePath().normalize();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        String fix = "; choose another folder with " + flag;
        if (p == null) {
            throw new UserError(dir + ": cannot write " + what + " here (no existing folder on its path)" + fix);
        }
        if (!Files.isDirectory(p)) {
            throw new UserError(dir + ": cannot write " + what + " here: " + p + " is a file, not a folder" + fix);
        }
        if (!Files.isWritable(p)) {
            throw new UserError(dir + ": cannot write " + what + " here: " + p + " is not writable" + fix);
        }
    }

    /** Creates the sweep's folders and records the spec and every planned run (after all input checks). */
    private void prepare(SweepGuard.Decision version, Path reports) throws IOException {
        try {
            Files.createDirectories(reports);
        } catch (IOException e) {
            throw new UserError(reports + ": cannot write the report here (" + e.getMessage()
                    + "); choose another folder with --reports DIR");
        }
        try {
            store.create();
        } catch (IOException e) {
            throw new UserError(store.sweepDir() + ": cannot write results here (" + e.getMessage()
                    + "); choose another folder with --results DIR");
        }
        SweepGuard.record(store, plan, version);
        for (RunSpec r : plan.runs()) {
            store.plan(r, ConfigTree.toTree(r.config()));
        }
        store.writeIndex();
    }

    /** Renders the sweep's report; a failure is a warning (the results are what count). */
    private Path renderReport() {
        return renderReport(false);
    }

    /**
     * Renders the report, or refreshes it while runs are still training ({@link ReportWriter#refresh}: pages of
     * running runs are kept until their run finishes); a failure is a warning (the results are what count).
     */
    private Path renderReport(boolean duringSweep) {
        try {
            List<Path> dirs = List.of(store.sweepDir());
            return duringSweep ? ReportWriter.refresh(dirs, reportsRoot) : ReportWriter.write(dirs, reportsRoot);
        } catch (IOException | RuntimeException e) {
            out.println("vaelab: warning: report not written: " + e.getMessage());
            return null;
        }
    }

    /**
     * The report refreshes after finished runs, on one background thread, so a worker's output is never held up
     * behind a render; runs that finish while a refresh is drawing share the next one. Closing waits for the
     * refresh in progress, so the final render never runs beside it.
     */
    private final class ReportRefresher implements AutoCloseable {
        private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "report-refresh");
            t.setDaemon(true); // a stop (System.exit) never waits for a picture; every file is replaced atomically
            return t;
        });
        private final AtomicBoolean queued = new AtomicBoolean();

        void request() {
            if (queued.compareAndSet(false, true)) {
                thread.execute(() -> {
                    queued.set(false);
                    renderReport(true);
                });
            }
        }

        @Override
        public void close() throws InterruptedException {
            thread.shutdown();
            thread.awaitTermination(10, TimeUnit.MINUTES);
        }
    }

    /** This process's single worker shows its progress on the board and redraws the report after each run. */
    private final class BoardSink implements ProgressSink {
        private final ProgressBoard board;

        BoardSink(ProgressBoard board) {
            this.board = board;
        }

        @Override
        public void batch(BatchProgress progress) {
            board.batch(0, progress);
        }

        @Override
        public void event(String message) {
            board.event(0, message);
        }

        @Override
        public void done(String run) {
            try {
                store.writeIndex();
            } catch (IOException e) {
                board.event(0, "warning: index.json not updated: " + e.getMessage());
            }
            renderReport(true);
        }
    }
}
