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
        prepare();
        List<RunSpec> todo = new ArrayList<>();
        for (RunSpec r : plan.runs()) {
            if (!finished(store.readSummary(r.id()))) {
                todo.add(r);
            }
        }
        int total = plan.runs().size();
        out.printf(Locale.ROOT, "vaelab: sweep %s: %d runs, %d to train (%s)%n", store.sweep(), total, todo.size(),
                store.sweepDir());
        int n = Math.min(workers, todo.size());
        if (n > 1) {
            prefetch(todo);
        }
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
     * Loads (and on first use fetches) every data set the runs need, once, before the workers start: they
     * would otherwise all fetch MNIST at once, and a missing data set is bad input to report before any run.
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
        return trainAll(new WorkerBoard(out));
    }

    private void prepare() throws IOException {
        for (RunSpec r : plan.runs()) {
            try {
                Devices.require(r.config().train().device());
            } catch (UnsupportedDeviceException e) {
                throw new UserError(plan.file() + ": " + e.getMessage());
            }
        }
        try {
            store.create();
        } catch (IOException e) {
            throw new UserError(store.sweepDir() + ": cannot write results here (" + e.getMessage()
                    + "); choose another folder with --results DIR");
        }
        SweepGuard.check(store, plan, force);
        for (RunSpec r : plan.runs()) {
            store.plan(r, ConfigTree.toTree(r.config()));
        }
        store.writeIndex();
    }

    private static boolean finished(Optional<RunSummary> s) {
        return s.isPresent() && (s.get().status().equals(RunStatus.COMPLETED.json())
                || s.get().status().equals(RunStatus.DIVERGED.json()));
    }

    /** Trains every run this worker can lock; returns BAD_INPUT if the data is unusable. */
    private int trainAll(Sink sink) throws IOException {
        int total = plan.runs().size();
        for (RunSpec run : plan.runs()) {
            if (finished(store.readSummary(run.id()))) {
                continue;
            }
            Optional<RunLock> lock = store.tryLock(run.id());
            if (lock.isEmpty()) {
                sink.event("skip " + run.name() + ": being trained by another process");
                continue;
            }
            try (RunLock held = lock.get()) {
                if (finished(store.readSummary(run.id()))) {
                    continue;
                }
                trainOne(run, total, sink);
            } catch (DataException e) {
                sink.event("error: " + e.getMessage());
                return ExitCodes.BAD_INPUT;
            }
            sink.done(run.name());
        }
        return ExitCodes.OK;
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
