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
import java.util.Map;
import java.util.Set;
import org.vaelab.data.DataException;
import org.vaelab.data.DataLoader;
import org.vaelab.data.ImageSet;
import org.vaelab.report.ReportWriter;
import org.vaelab.spec.ConfigTree;
import org.vaelab.spec.RunSpec;
import org.vaelab.tracking.DiskFullException;
import org.vaelab.tracking.RunStatus;
import org.vaelab.tracking.RunStore;
import org.vaelab.tracking.RunSummary;
import org.vaelab.train.Devices;
import org.vaelab.train.MemoryEstimate;
import org.vaelab.train.RunExecution;
import org.vaelab.train.RunFootprint;
import org.vaelab.train.UnsupportedDeviceException;

/**
 * Trains a sweep: checks every input before the first write, plans every run in the store, hands the runs
 * to N child processes through {@link WorkerProcesses} (one included: a worker that dies takes only itself
 * down), refreshes the report after finished runs and renders it whole at the end, and says how the sweep
 * ended. Workers coordinate only through the run store's per-run locks, so two `vaelab run` commands on the
 * same results folder also never train the same run twice; within a sweep, the parent also vetoes the runs it
 * gave up.
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
        try {
            return runSweep(workers, specFile, sets);
        } catch (IOException e) {
            // a full disk while preparing (the sweep's own files): nothing trained, the same one line
            DiskFullException full = DiskFullException.find(e).orElseThrow(() -> e);
            out.println(noSpaceLine(full));
            out.flush();
            return ExitCodes.RUNS_FAILED;
        }
    }

    private int runSweep(int workers, Path specFile, List<String> sets) throws IOException, InterruptedException {
        Instant start = Instant.now();
        StopSignals.install();
        List<RunSpec> todo = checkAndPrepare(true);
        int total = plan.runs().size();
        out.printf(Locale.ROOT, "vaelab: sweep %s: %d runs, %d to train (%s)%n", store.sweep(), total, todo.size(),
                store.sweepDir());
        int n = Math.min(workers, todo.size());
        int code = ExitCodes.OK;
        DiskFullException full = null;
        if (n >= 1) {
            ProgressBoard board = new ProgressBoard(out, System.console() != null, n, 10);
            heapForWorkers(todo); // a run that needs more heap than this JVM has gets workers with one that fits
            // Always in child processes, even one: a worker that dies (a native crash, an exhausted heap, the
            // OOM killer) then takes only itself down; this process records its run and starts another.
            try (ReportRefresher refresher = new ReportRefresher(() -> renderReport(true), this::allRunsEnded,
                    ReportRefresher.GAP)) {
                code = new WorkerProcesses(childArguments(specFile, sets), store, plan.runs(), board,
                        refresher::request).runAll(n);
            } catch (IOException e) {
                full = DiskFullException.find(e).orElseThrow(() -> e);
            }
            board.close();
        }
        if (code == ExitCodes.WORKER_DISK_FULL) {
            full = DiskFullException.reported(null); // a child met it and said so on the board
        }
        try {
            store.writeIndex();
        } catch (IOException e) {
            full = DiskFullException.find(e).orElseThrow(() -> e); // index.json keeps its previous version
        }
        Path report = renderReport();
        // The counts and the exit code describe the runs of this spec, not whatever else the folder holds
        // (runs of an earlier spec version under the same name are kept, and shown, as that version's).
        List<RunSummary> summaries = new ArrayList<>();
        Set<String> saidRunning = new HashSet<>();
        for (RunSpec r : plan.runs()) {
            java.util.Optional<RunSummary> s = store.readSummary(r.id());
            if (s.isPresent()) {
                summaries.add(store.observed(s.get())); // as index.json and the report say it
                if (s.get().status() == RunStatus.RUNNING) {
                    saidRunning.add(r.id());
                }
            }
        }
        long completed = summaries.stream().filter(s -> s.status() == RunStatus.COMPLETED).count();
        out.printf(Locale.ROOT, "vaelab: %d of %d runs completed in %s; report: %s%n", completed, total,
                ProgressBoard.clock(Duration.between(start, Instant.now()).toMillis() / 1000.0),
                report == null ? "(not written)" : report);
        for (RunSummary s : summaries) {
            if (s.status() != RunStatus.COMPLETED) {
                String cause = s.cause();
                if (full != null && s.status() == RunStatus.PENDING) {
                    cause = "not started (the disk is full)";
                } else if (full != null && saidRunning.contains(s.id())) {
                    // its end could not be written: say why it ended rather than "its process ended"
                    cause = "stopped by the full disk before its status could be written; resumes from its last"
                            + " checkpoint";
                }
                out.printf(Locale.ROOT, "  %s %s%s%n", s.status().json(), s.name(), cause == null ? "" : ": " + cause);
            }
        }
        if (full != null) {
            out.println(noSpaceLine(full));
            out.flush();
            return ExitCodes.RUNS_FAILED;
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

    /**
     * Plans the heap of this sweep's worker processes from the memory estimates of the runs to train
     * ({@link WorkerHeap}): a larger heap than this process's when the largest run needs it.
     */
    private void heapForWorkers(List<RunSpec> todo) {
        List<MemoryEstimate> estimates = new ArrayList<>();
        todo.forEach(r -> MemoryChecks.estimate(r).ifPresent(estimates::add));
        java.util.Optional<Long> heap = WorkerHeap.raise(estimates);
        WorkerHeap.plan(heap.orElse(null));
        heap.ifPresent(h -> out.printf(Locale.ROOT, "vaelab: the largest run needs a Java heap of %s; the workers"
                + " get it%n", MemoryEstimate.bytes(h)));
    }

    /** Child-process mode: train runs, report progress on stdout in the worker protocol. */
    int runAsWorker(int workerId) throws IOException {
        StopSignals.install();
        WorkerProcesses.exitWithParent();
        // The parent answers this worker's claims on stdin (WorkerProtocol).
        java.io.BufferedReader answers = new java.io.BufferedReader(
                new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8));
        ProgressSink sink = WorkerProtocol.writer(out, answers);
        int code;
        try {
            code = worker(sink).trainAll();
        } catch (IOException e) {
            DiskFullException full = DiskFullException.find(e).orElseThrow(() -> e);
            sink.event("stopped: " + full.getMessage());
            out.flush();
            return ExitCodes.WORKER_DISK_FULL; // the parent stops the sweep and says why
        }
        return StopSignals.requested() && code == ExitCodes.OK ? StopSignals.exitCode() : code;
    }

    /**
     * The line a sweep ends with when the disk is full: the folder, what one run needs and what is free, the
     * fix. The folder is the results folder unless the file that did not fit was elsewhere (the report).
     */
    String noSpaceLine(DiskFullException full) {
        Path sweepDir = store.sweepDir().toAbsolutePath().normalize();
        Path file = full.file() == null ? null : full.file().toAbsolutePath().normalize();
        boolean results = file == null || file.startsWith(sweepDir);
        Path folder = results ? store.sweepDir() : full.file().getParent();
        String reason = full.getMessage().startsWith("disk quota") ? "disk quota exceeded" : "no space left on device";
        List<String> facts = new ArrayList<>();
        long need = results ? runNeed(plan.runs()) : -1;
        if (need > 0) {
            facts.add("a run of this sweep needs about " + RunFootprint.human(need));
        }
        long free = usableSpace(folder);
        if (free >= 0) {
            // space left but no file could be made: the file system is out of inodes (Java cannot count them)
            facts.add(RunFootprint.humanDown(free) + " free" + (need > 0 && free >= need ? ", but perhaps no more"
                    + " files: see df -i" : ""));
        }
        return "vaelab: " + reason + " in " + folder + (facts.isEmpty() ? "" : " (" + String.join(", ", facts) + ")")
                + "; free space there or choose another folder with " + (results ? "--results" : "--reports")
                + " DIR";
    }

    /** The estimated peak size of the largest of {@code runs} ({@link RunFootprint}), or -1 if none is known. */
    long runNeed(List<RunSpec> runs) {
        long need = -1;
        for (RunSpec r : runs) {
            try {
                long n = RunFootprint.bytes(r.config());
                if (n < 0) {
                    // idx data: its files know the image size (loaded already by the data checks, and cached)
                    ImageSet images = DataLoader.load(r.config().dataset(), dataRoot, r.config().train().seed())
                            .train();
                    n = RunFootprint.bytes(r.config(), images.rows(), images.cols());
                }
                need = Math.max(need, n);
            } catch (DataException | RuntimeException e) {
                // data or a model that does not fit it: the checks say so; such a run has no size to tell
            }
        }
        return need;
    }

    /** Bytes this process may still write on the file system of {@code dir} (or its first existing parent), or -1. */
    static long usableSpace(Path dir) {
        Path p = dir.toAbsolutePath().normalize();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        try {
            return p == null ? -1 : Files.getFileStore(p).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
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
        collect(problems, () -> requireSpace(todo));
        // The data of the runs to train, MNIST fetched first if missing (it goes to the data folder, never to
        // results/ or reports/): subset sizes, classes, image sizes and the model against them, all at once.
        // The memory each run needs against this machine (and VAELAB_HEAP), before anything trains; before the
        // data, so that a refused sweep does not fetch MNIST first.
        collect(problems, () -> problems.addAll(slurmMemory == null ? MemoryChecks.problems(plan.file(), todo)
                : MemoryChecks.submitProblems(plan.file(), todo, slurmMemory.getKey(), slurmMemory.getValue())));
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

    /**
     * For `vaelab submit`: what `run` checks and writes before training ({@link #checkAndPrepare}), the memory
     * against each task's {@code --mem-per-run} ({@code memPerRun}, {@code memBytes}) instead of this machine's.
     */
    List<RunSpec> prepareForSubmit(boolean checkDevices, String memPerRun, long memBytes) throws IOException {
        slurmMemory = Map.entry(memPerRun, memBytes);
        return checkAndPrepare(checkDevices);
    }

    /** A Slurm task's memory ({@code --mem-per-run} as given, bytes) when submitting, else null. */
    private Map.Entry<String, Long> slurmMemory;

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

    /**
     * Refuses a sweep whose next run clearly cannot fit on the results folder's file system: less free space
     * than the largest unfinished run still needs (its estimate less what its folder already holds). Later
     * runs are not counted: the sweep stops cleanly when the disk fills, and the user may free space meanwhile.
     */
    private void requireSpace(List<RunSpec> todo) throws IOException {
        long free = usableSpace(store.sweepDir());
        if (free < 0) {
            return;
        }
        long missing = 0;
        long need = -1;
        for (RunSpec r : todo) {
            long n = runNeed(List.of(r));
            if (n > 0 && n - folderBytes(store.runDir(r.id())) > missing) {
                missing = n - folderBytes(store.runDir(r.id()));
                need = n;
            }
        }
        if (missing > free) {
            throw new UserError(store.sweepDir() + ": only " + RunFootprint.humanDown(free) + " free on its file"
                    + " system, a run of this sweep needs about " + RunFootprint.human(need) + "; free space there or"
                    + " choose another folder with --results DIR");
        }
    }

    /** Bytes in the files under {@code dir} (0 when it does not exist). */
    private static long folderBytes(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
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

    /** Whether no run of the plan is pending, running or interrupted (unreadable summaries count as not ended). */
    private boolean allRunsEnded() {
        for (RunSpec r : plan.runs()) {
            try {
                java.util.Optional<RunSummary> s = store.readSummary(r.id());
                if (s.isEmpty() || !s.get().status().finished() && s.get().status() != RunStatus.FAILED) {
                    return false;
                }
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }
        return true;
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
