package org.vaelab.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.vaelab.data.DataException;
import org.vaelab.data.DataLoader;
import org.vaelab.data.DataSplit;
import org.vaelab.model.VaeModel;
import org.vaelab.report.ReportWriter;
import org.vaelab.spec.ConfigTree;
import org.vaelab.spec.RunSpec;
import org.vaelab.spec.yaml.SpecYaml;
import org.vaelab.tracking.EpochMetrics;
import org.vaelab.tracking.Provenance;
import org.vaelab.tracking.RunLock;
import org.vaelab.tracking.RunRecorder;
import org.vaelab.tracking.RunStatus;
import org.vaelab.tracking.RunStore;
import org.vaelab.tracking.RunSummary;
import org.vaelab.train.Devices;
import org.vaelab.train.LatentDiagnostics;
import org.vaelab.train.RunFinisher;
import org.vaelab.train.RunVisualsBuilder;
import org.vaelab.train.UnsupportedDeviceException;
import org.vaelab.train.TrainResult;
import org.vaelab.train.Trainer;
import org.vaelab.train.TrainingListener;

/**
 * Trains a sweep: plans every run in the store, hands runs to workers (this process, or N child processes
 * with one thread each), skips what is done, and renders the report after every finished run. Workers
 * coordinate only through the run store's per-run locks, so two `vaelab run` commands on the same results
 * folder also never train the same run twice.
 */
final class SweepRunner {
    /** Measured on 2 cores: two one-thread runs at once beat one two-thread run (README "Performance"). */
    static final int DEFAULT_WORKERS = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
    private static final String BATCH = "@@batch\t";
    private static final String EVENT = "@@event\t";
    private static final String DONE = "@@done\t";

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
        // Every input is checked before the first write, so bad input (exit 2) leaves results/ as it was.
        checkDevices();
        SweepGuard.check(store, plan, force);
        List<RunSpec> todo = new ArrayList<>();
        for (RunSpec r : plan.runs()) {
            if (!finished(store.readSummary(r.id()))) {
                todo.add(r);
            }
        }
        prefetch(todo);
        prepare();
        int total = plan.runs().size();
        out.printf(Locale.ROOT, "vaelab: sweep %s: %d runs, %d to train (%s)%n", store.sweep(), total, todo.size(),
                store.sweepDir());
        int n = Math.min(workers, todo.size());
        int code = ExitCodes.OK;
        if (n == 1) {
            ProgressBoard board = new ProgressBoard(out, System.console() != null, 1, 10);
            code = trainAll(new BoardSink(board, 0));
            board.close();
        } else if (n > 1) {
            code = spawnWorkers(n, specFile, sets);
        }
        store.writeIndex();
        Path report = renderReport();
        List<RunSummary> summaries = store.summaries();
        long completed = summaries.stream().filter(s -> s.status().equals(RunStatus.COMPLETED.json())).count();
        out.printf(Locale.ROOT, "vaelab: %d of %d runs completed in %s; report: %s%n", completed, total,
                ProgressBoard.clock(Duration.between(start, Instant.now()).toMillis() / 1000.0),
                report == null ? "(not written)" : report);
        for (RunSummary s : summaries) {
            if (!s.status().equals(RunStatus.COMPLETED.json())) {
                out.printf(Locale.ROOT, "  %s %s: %s%n", s.status(), s.name(), s.cause() == null ? "" : s.cause());
            }
        }
        if (code == ExitCodes.BAD_INPUT) {
            return code;
        }
        return completed == total ? ExitCodes.OK : ExitCodes.RUNS_FAILED;
    }

    /**
     * Loads (and on first use fetches) every data set the runs need, once, before anything is written and
     * before the workers start: they would otherwise all fetch MNIST at once, and a missing or corrupt data
     * set is bad input to report (exit 2) before any run folder is touched.
     */
    private void prefetch(List<RunSpec> todo) {
        java.util.Set<org.vaelab.spec.DatasetSpec> seen = new java.util.HashSet<>();
        for (RunSpec r : todo) {
            if (seen.add(r.config().dataset())) {
                try {
                    DataLoader.load(r.config().dataset(), dataRoot, r.config().train().seed());
                } catch (DataException e) {
                    throw new UserError(e.getMessage(), e);
                }
            }
        }
    }

    /** Child-process mode: train runs, report progress on stdout in the event protocol. */
    int runAsWorker(int workerId) throws IOException {
        exitWithParent();
        return trainAll(new WorkerBoard(out));
    }

    /**
     * For `vaelab submit`: every check and write `run` makes before training (devices, unless the runs will
     * train on a cluster's GPUs that this machine lacks; the name guard; the data fetch; the folders; the plan),
     * in the same order and with the same errors. Returns the runs not finished yet, in sweep order.
     */
    List<RunSpec> prepareForSubmit(boolean checkDevices) throws IOException {
        if (checkDevices) {
            checkDevices();
        }
        SweepGuard.check(store, plan, force);
        List<RunSpec> todo = new ArrayList<>();
        for (RunSpec r : plan.runs()) {
            if (!finished(store.readSummary(r.id()))) {
                todo.add(r);
            }
        }
        prefetch(todo);
        prepare();
        return todo;
    }

    /**
     * For one Slurm array task: trains the run at {@code index} exactly as a `run` worker does (under its run
     * lock, waiting for another holder, skipped if finished; index and report refreshed after it), with plain
     * progress lines on stdout. Returns 0 if the run is completed, 1 if it failed or diverged, 2 if the data
     * is unusable.
     */
    int trainSingle(int index) throws IOException {
        RunSpec run = plan.runs().get(index);
        ProgressBoard board = new ProgressBoard(out, false, 1, 30);
        Sink sink = new BoardSink(board, 0);
        if (!finished(store.readSummary(run.id()))) {
            Optional<RunLock> lock = store.tryLock(run.id());
            if (lock.isEmpty()) {
                sink.event("waiting for " + run.name() + ": being trained by another process"
                        + store.lockHolder(run.id()).map(pid -> " (pid " + pid + ")").orElse(""));
                lock = Optional.of(store.lock(run.id()));
            }
            if (!trainLocked(run, lock.get(), plan.runs().size(), sink)) {
                return ExitCodes.BAD_INPUT;
            }
        } else {
            sink.event(run.name() + ": already " + store.readSummary(run.id()).get().status());
        }
        return store.readSummary(run.id()).map(s -> s.status().equals(RunStatus.COMPLETED.json())).orElse(false)
                ? ExitCodes.OK : ExitCodes.RUNS_FAILED;
    }

    /**
     * A worker whose parent died (kill -9 of the `vaelab run` the user started) stops within a second, as if
     * killed with it, instead of training on unseen and holding its run's lock against the next command.
     * Stopping is safe at any moment: every file is replaced atomically and the run resumes from its last
     * checkpoint.
     */
    private static void exitWithParent() {
        Optional<ProcessHandle> parent = ProcessHandle.current().parent();
        if (parent.isEmpty()) {
            return;
        }
        long parentPid = parent.get().pid();
        Thread watch = new Thread(() -> {
            // The parent pid changes when the parent dies (the orphan is adopted); this also holds while the
            // dead parent is an unreaped zombie, which isAlive() would still count as alive.
            while (ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L) == parentPid) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
            Runtime.getRuntime().halt(ExitCodes.RUNS_FAILED);
        }, "parent-watch");
        watch.setDaemon(true);
        watch.start();
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

    /** Creates the sweep's folders and records the spec and every planned run (after all input checks). */
    private void prepare() throws IOException {
        // The report folder first: a sweep whose report cannot be written is refused before results/ is touched,
        // rather than after hours of training.
        Path reports = reportsRoot.resolve(store.sweep());
        try {
            Files.createDirectories(reports);
            if (!Files.isWritable(reports)) {
                throw new IOException("not writable");
            }
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
        SweepGuard.record(store, plan);
        for (RunSpec r : plan.runs()) {
            store.plan(r, ConfigTree.toTree(r.config()));
        }
        store.writeIndex();
    }

    private static boolean finished(Optional<RunSummary> s) {
        return s.isPresent() && (s.get().status().equals(RunStatus.COMPLETED.json())
                || s.get().status().equals(RunStatus.DIVERGED.json()));
    }

    /**
     * Trains every run that is not finished, one at a time, each under its run lock. A run locked by another
     * process (a second `vaelab run`, or another worker) is passed over at first and waited for at the end:
     * if that process finishes it, it is skipped; if that process died, its lock is gone and this one
     * resumes the run. So every run is finished when this returns, and none is ever trained twice at once.
     * Returns BAD_INPUT if the data is unusable.
     */
    private int trainAll(Sink sink) throws IOException {
        int total = plan.runs().size();
        List<RunSpec> busy = new ArrayList<>();
        for (RunSpec run : plan.runs()) {
            if (finished(store.readSummary(run.id()))) {
                continue;
            }
            Optional<RunLock> lock = store.tryLock(run.id());
            if (lock.isEmpty()) {
                sink.event("skip " + run.name() + " for now: being trained by another process"
                        + store.lockHolder(run.id()).map(pid -> " (pid " + pid + ")").orElse(""));
                busy.add(run);
                continue;
            }
            if (!trainLocked(run, lock.get(), total, sink)) {
                return ExitCodes.BAD_INPUT;
            }
        }
        for (RunSpec run : busy) {
            if (finished(store.readSummary(run.id()))) {
                continue;
            }
            Optional<RunLock> lock = store.tryLock(run.id());
            if (lock.isEmpty()) {
                sink.event("waiting for " + run.name() + ": being trained by another process"
                        + store.lockHolder(run.id()).map(pid -> " (pid " + pid + ")").orElse(""));
                lock = Optional.of(store.lock(run.id()));
            }
            if (!trainLocked(run, lock.get(), total, sink)) {
                return ExitCodes.BAD_INPUT;
            }
        }
        return ExitCodes.OK;
    }

    /** Trains {@code run} under {@code lock} unless it was finished meanwhile; false if the data is unusable. */
    private boolean trainLocked(RunSpec run, RunLock lock, int total, Sink sink) throws IOException {
        try (lock) {
            // Checked again under the lock: another process may have finished the run since the first look.
            if (finished(store.readSummary(run.id()))) {
                return true;
            }
            trainOne(run, total, sink);
        } catch (DataException e) {
            sink.event("error: " + e.getMessage());
            return false;
        }
        sink.done(run.name());
        releaseMemory();
        return true;
    }

    /**
     * A full GC between runs. The native memory behind ND4J arrays that were not closed explicitly (SameDiff's
     * intermediates, small temporaries) is freed only when the GC collects their Java handles, and the
     * launcher turns off JavaCPP's own GC trigger for speed; meanwhile the heap grows lazily. Without this a
     * one-worker sweep's resident memory climbed run after run (README "What vaelab guarantees today",
     * Memory: 1.66 to 2.62 GB over 12 runs); with it, it stays flat. Costs well under a second per run.
     */
    private static void releaseMemory() {
        System.gc();
    }

    private void trainOne(RunSpec run, int total, Sink sink) throws IOException, DataException {
        // Data first: a missing or corrupt data set is bad input and must not leave a run marked running.
        DataSplit data = DataLoader.load(run.config().dataset(), dataRoot, run.config().train().seed());
        Map<String, Object> tree = ConfigTree.toTree(run.config());
        RunRecorder rec = store.open(run, tree, SpecYaml.write(tree));
        Instant started = Instant.now();
        double before = rec.summary().seconds();
        rec.updateSummary(s -> new RunSummary(s.id(), s.name(), s.sweep(), s.index(), RunStatus.RUNNING.json(),
                s.varied(), s.config(), s.epochsCompleted(), s.finalMetrics(), null, stamp(started), null,
                s.seconds(), s.verdict(), s.verdictDetail(), s.activeUnits(), s.inactiveDims(), s.timeline(),
                s.testLoglik(), s.extra()));
        Map<String, Object> extra = new LinkedHashMap<>(Devices.describe());
        extra.put("training_step", VaeModel.engine(run.config().model()));
        extra.put("seed", run.config().train().seed());
        extra.put("started", stamp(started));
        extra.put("command", ProcessHandle.current().info().commandLine().orElse("?"));
        rec.writeProvenance(Provenance.collect(Path.of("."), extra));
        int epochs = run.config().train().epochs();
        String label = run.name();
        int runNo = run.index() + 1;
        TrainResult result;
        try {
            result = new Trainer(new LatentDiagnostics(run.config())).train(run, data, rec, new TrainingListener() {
                private final long t0 = System.nanoTime();
                private int firstEpoch = -1;

                @Override
                public void onBatch(int epoch, int batch, int batches, double loss) {
                    if (firstEpoch < 0) {
                        firstEpoch = epoch;
                    }
                    double done = (epoch - firstEpoch) * (double) batches + batch;
                    double left = (epochs - epoch) * (double) batches + (batches - batch);
                    double eta = done <= 0 ? Double.NaN : (System.nanoTime() - t0) / 1e9 / done * left;
                    sink.batch(label, runNo, total, epoch, epochs, batch, batches, loss, eta);
                }

                @Override
                public void onEpoch(EpochMetrics m) {
                    sink.event(String.format(Locale.ROOT,
                            "run %d/%d %s epoch %d/%d: train %.2f | test -ELBO %.2f (recon %.2f, KL %.2f)%s | %.1f s",
                            runNo, total, label, m.epoch(), epochs, m.trainLoss(), m.testLoss(), m.testRecon(),
                            m.testKl(), m.activeUnits() == null ? "" : " | active " + m.activeUnits(),
                            m.epochSeconds()));
                }
            });
        } catch (RuntimeException e) {
            String cause = e.getClass().getSimpleName() + ": " + e.getMessage();
            double secs = before + Duration.between(started, Instant.now()).toMillis() / 1000.0;
            rec.updateSummary(s -> s.withEnd(RunStatus.FAILED, cause, stamp(Instant.now()), secs));
            sink.event("FAILED " + label + ": " + cause);
            return;
        }
        try (result) {
            if (result.completed()) {
                sink.event(label + ": " + visuals(result, run, data, rec));
            }
            try {
                String loglik = RunFinisher.finish(result, run.config(), data, rec);
                if (loglik != null) {
                    sink.event(label + ": " + loglik);
                }
            } catch (RuntimeException e) {
                // The run itself is done and recorded; a failing end-of-run diagnostic must not lose it.
                sink.event("warning: " + label + ": verdict/log-likelihood not computed: " + e.getMessage());
            }
        }
        double secs = before + Duration.between(started, Instant.now()).toMillis() / 1000.0;
        rec.updateSummary(s -> s.withEnd(result.status(), result.cause(), stamp(Instant.now()), secs));
        RunSummary s = rec.summary();
        EpochMetrics last = s.finalMetrics();
        sink.event(String.format(Locale.ROOT, "%s %s: %s%s in %s", s.status(), label,
                last == null ? "no epoch finished" : String.format(Locale.ROOT, "test -ELBO %.2f, KL %.2f",
                        last.testLoss(), last.testKl()),
                s.verdict() == null ? "" : ", " + s.verdict() + (s.activeUnits() == null ? ""
                        : " (" + s.activeUnits() + "/" + run.config().model().latentDim() + " active)"),
                ProgressBoard.clock(secs)));
    }

    /** Writes the run's pictures; a failure is a warning, never the run's failure (the metrics are what count). */
    private static String visuals(TrainResult result, RunSpec run, DataSplit data, RunRecorder rec) {
        try {
            return RunVisualsBuilder.write(result, run.config(), data.test(), rec);
        } catch (IOException | RuntimeException e) {
            return "warning: pictures not written (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
        }
    }

    /** Times in summaries and provenance: ISO-8601 to the second (nanoseconds only clutter the report). */
    private static String stamp(Instant t) {
        return t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    private Path renderReport() {
        try {
            return ReportWriter.write(List.of(store.sweepDir()), reportsRoot);
        } catch (IOException | RuntimeException e) {
            out.println("vaelab: warning: report not written: " + e.getMessage());
            return null;
        }
    }

    private int spawnWorkers(int n, Path specFile, List<String> sets) throws IOException, InterruptedException {
        ProgressBoard board = new ProgressBoard(out, System.console() != null, n, 10);
        List<Process> procs = new ArrayList<>();
        List<Thread> pumps = new ArrayList<>();
        for (int w = 0; w < n; w++) {
            List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command().orElse("java"));
            cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(Main.class.getName());
            cmd.add("run");
            cmd.add(specFile.toString());
            for (String s : sets) {
                cmd.add("--set");
                cmd.add(s);
            }
            cmd.addAll(List.of("--results", store.sweepDir().getParent().toString(), "--reports",
                    reportsRoot.toString(), "--data", dataRoot.toString(), "--worker-id", Integer.toString(w)));
            if (force) {
                cmd.add("--force");
            }
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            // One thread per worker: ND4J's OpenMP pool and OpenBLAS each get one core.
            pb.environment().put("OMP_NUM_THREADS", "1");
            pb.environment().put("OPENBLAS_NUM_THREADS", "1");
            Process p = pb.start();
            procs.add(p);
            if (w == 0) {
                // Ctrl-C on the parent stops the workers too; their runs resume from the last checkpoint.
                Runtime.getRuntime().addShutdownHook(new Thread(() -> procs.forEach(Process::destroy)));
            }
            int worker = w;
            Thread t = new Thread(() -> pump(p.getInputStream(), worker, board), "worker-" + w);
            t.start();
            pumps.add(t);
        }
        int code = ExitCodes.OK;
        for (int w = 0; w < n; w++) {
            int c = procs.get(w).waitFor();
            pumps.get(w).join();
            if (c == ExitCodes.BAD_INPUT) {
                code = ExitCodes.BAD_INPUT;
            } else if (c != ExitCodes.OK && code == ExitCodes.OK) {
                board.event(w, "worker exited with code " + c);
            }
        }
        board.close();
        return code;
    }

    /** What JDK 17 prints at every start with an incubator module (the launcher adds jdk.incubator.vector). */
    static final String INCUBATOR_NOTICE = "WARNING: Using incubator modules: jdk.incubator.vector";

    private void pump(InputStream in, int worker, ProgressBoard board) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith(BATCH)) {
                    String[] f = line.split("\t");
                    board.batch(worker, f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3]), Integer.parseInt(f[4]),
                            Integer.parseInt(f[5]), Integer.parseInt(f[6]), Integer.parseInt(f[7]),
                            Double.parseDouble(f[8]), Double.parseDouble(f[9]));
                } else if (line.startsWith(EVENT)) {
                    board.event(worker, line.substring(EVENT.length()));
                } else if (line.startsWith(DONE)) {
                    synchronized (this) {
                        renderReport();
                    }
                } else if (!line.isBlank() && !line.equals(INCUBATOR_NOTICE)) {
                    board.event(worker, line);
                }
            }
        } catch (IOException e) {
            board.event(worker, "lost worker output: " + e.getMessage());
        }
    }

    /** Where a worker's progress goes: the board in this process, or the parent through stdout. */
    private interface Sink {
        void batch(String run, int runIndex, int runs, int epoch, int epochs, int batch, int batches, double loss,
                   double eta);

        void event(String message);

        void done(String run);
    }

    private final class BoardSink implements Sink {
        private final ProgressBoard board;
        private final int worker;

        BoardSink(ProgressBoard board, int worker) {
            this.board = board;
            this.worker = worker;
        }

        @Override
        public void batch(String run, int runIndex, int runs, int epoch, int epochs, int batch, int batches,
                          double loss, double eta) {
            board.batch(worker, run, runIndex, runs, epoch, epochs, batch, batches, loss, eta);
        }

        @Override
        public void event(String message) {
            board.event(worker, message);
        }

        @Override
        public void done(String run) {
            try {
                store.writeIndex();
            } catch (IOException e) {
                board.event(worker, "warning: index.json not updated: " + e.getMessage());
            }
            renderReport();
        }
    }

    /** Event protocol to the parent: one tab-separated line per event, batches throttled to 4 per second. */
    private static final class WorkerBoard implements Sink {
        private final PrintStream out;
        private long last;

        WorkerBoard(PrintStream out) {
            this.out = out;
        }

        @Override
        public void batch(String run, int runIndex, int runs, int epoch, int epochs, int batch, int batches,
                          double loss, double eta) {
            long now = System.nanoTime();
            if (now - last < 250_000_000L && batch != batches) {
                return;
            }
            last = now;
            out.println(BATCH + String.join("\t", run, "" + runIndex, "" + runs, "" + epoch, "" + epochs, "" + batch,
                    "" + batches, Double.toString(loss), Double.toString(eta)));
        }

        @Override
        public void event(String message) {
            out.println(EVENT + message.replace('\n', ' '));
        }

        @Override
        public void done(String run) {
            out.println(DONE + run);
        }
    }
}
