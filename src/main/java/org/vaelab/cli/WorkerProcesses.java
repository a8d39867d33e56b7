package org.vaelab.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import org.vaelab.spec.ConfigTree;
import org.vaelab.spec.RunSpec;
import org.vaelab.spec.yaml.SpecYaml;
import org.vaelab.tracking.RunLock;
import org.vaelab.tracking.RunStatus;
import org.vaelab.tracking.RunStore;

/**
 * The child processes of a sweep: starts N copies of this {@code vaelab run} with {@code --worker-id} and one
 * thread each, shows their {@link WorkerProtocol} lines on the progress board, answers their claims, and
 * replaces a worker that dies. A dead worker's run is recorded as failed with a cause from what this process
 * saw ({@link WorkerDeath}), or retried once when the worker was stopped from outside; the JVM's crash file
 * is moved into that run's folder. Inside a child, stops it when its parent dies.
 */
final class WorkerProcesses {
    /** What JDK 17 prints at every start with an incubator module (the launcher adds jdk.incubator.vector). */
    static final String INCUBATOR_NOTICE = "WARNING: Using incubator modules: jdk.incubator.vector";
    /** The JVM crash file's name in a run's folder. */
    static final String CRASH_LOG = "crash.log";
    /** Extra JVM options for the workers only, for tests (e.g. a tiny -Xmx); after the inherited ones. */
    static final String WORKER_JVM_ARGS = "vaelab.workerJvmArgs";
    /** The lines of a worker's own output kept to say why it died. */
    private static final int TAIL = 30;
    /** A worker slot that dies this often in a row before taking any run is not started again. */
    private static final int MAX_IDLE_DEATHS = 3;

    private final List<String> runArguments;
    private final RunStore store;
    private final Map<String, RunSpec> runs = new HashMap<>();
    private final ProgressBoard board;
    private final Runnable onRunDone;
    /** Workers started and not yet accounted for after their end (all fields below: under this object). */
    private final List<Worker> workers = new ArrayList<>();
    /** Runs given up in this sweep, with their causes: a worker died on them, or they failed. */
    private final Map<String, String> givenUp = new HashMap<>();
    /** Runs already retried once after their worker was stopped from outside. */
    private final Set<String> retried = new HashSet<>();
    private final Set<Process> live = ConcurrentHashMap.newKeySet();

    /**
     * @param runArguments the arguments after {@code run} that every child gets (spec, --set, folders,
     *                     --force), before its {@code --worker-id}
     * @param store        the sweep's run store (dead workers' runs are recorded there)
     * @param runs         the sweep's runs
     * @param board        where the children's progress is shown
     * @param onRunDone    called (one at a time) when a child has finished a run
     */
    WorkerProcesses(List<String> runArguments, RunStore store, List<RunSpec> runs, ProgressBoard board,
                    Runnable onRunDone) {
        this.runArguments = List.copyOf(runArguments);
        this.store = store;
        runs.forEach(r -> this.runs.put(r.id(), r));
        this.board = board;
        this.onRunDone = onRunDone;
    }

    /** One child process and what its parent knows of it. */
    private final class Worker {
        final int slot;
        final Process process;
        final PrintStream answers;
        final long oomKillsAtStart;
        final Deque<String> tail = new ArrayDeque<>();
        Thread pump;
        /** The run it claimed and has not reported done, or null. */
        String current;
        /** The run it reported done last, or null. */
        String last;
        boolean claimedAny;

        Worker(int slot, Process process, long oomKillsAtStart) {
            this.slot = slot;
            this.process = process;
            this.answers = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
            this.oomKillsAtStart = oomKillsAtStart;
        }

        Path crashFile() {
            return crashFilePattern().resolveSibling(CRASH_PREFIX + process.pid() + ".log");
        }
    }

    private static final String CRASH_PREFIX = ".crash-worker-";

    /**
     * Runs {@code n} workers to the end, replacing any that dies while runs are left; returns BAD_INPUT if any
     * reported bad input, else OK (the runs' statuses say the rest); WORKER_DISK_FULL if one stopped on a full
     * disk, after which the others are stopped and none is started again.
     */
    int runAll(int n) throws IOException, InterruptedException {
        BlockingQueue<Worker> ended = new LinkedBlockingQueue<>();
        // A stop signal to the parent alone (kill PID) is passed on to each worker on its stdin, as the same
        // signal: it records its run as interrupted by it and exits. Ctrl-C reaches them through the terminal's
        // process group too, and the two are one stop.
        StopSignals.onStop(this::passStopOn);
        // Any other end of the parent (System.exit after an error) still stops the workers.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> live.forEach(Process::destroy)));
        int[] idleDeaths = new int[n];
        int running = 0;
        for (int w = 0; w < n; w++) {
            start(w, ended);
            running++;
        }
        boolean diskFull = false;
        int code = ExitCodes.OK;
        while (running > 0) {
            Worker w = ended.take();
            running--;
            w.pump.join();
            live.remove(w.process);
            int c = w.process.exitValue();
            boolean stopping = StopSignals.requested();
            if (c == ExitCodes.WORKER_DISK_FULL && !diskFull) {
                diskFull = true;
                stopOnDiskFull();
            }
            if (diskFull) {
                // the others were stopped for it: their exit codes say nothing more, and none starts again
                code = ExitCodes.WORKER_DISK_FULL;
                forget(w);
                continue;
            }
            if (c == ExitCodes.BAD_INPUT) {
                code = ExitCodes.BAD_INPUT;
            }
            if (c == ExitCodes.OK || c == ExitCodes.BAD_INPUT || stopping && (c == 130 || c == 143)) {
                forget(w);
                continue;
            }
            try {
                died(w, c);
            } catch (IOException | RuntimeException e) {
                // The books of one death must not end the sweep: the run shows as interrupted (its summary
                // says running, its lock is free) and the next worker or `vaelab run` resumes it.
                board.event(w.slot, "worker died (exit code " + c + "); its run not recorded: " + e);
                forget(w);
            }
            if (stopping || code == ExitCodes.BAD_INPUT) {
                continue;
            }
            idleDeaths[w.slot] = w.claimedAny ? 0 : idleDeaths[w.slot] + 1;
            if (idleDeaths[w.slot] >= MAX_IDLE_DEATHS) {
                board.event(w.slot, "worker died " + MAX_IDLE_DEATHS + " times before taking a run; not started"
                        + " again");
                continue;
            }
            start(w.slot, ended);
            running++;
        }
        return code;
    }

    private void start(int slot, BlockingQueue<Worker> ended) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(slot)).redirectErrorStream(true);
        // One thread per worker: ND4J's OpenMP pool and OpenBLAS each get one core.
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        long oomKills = oomKills();
        Process p = pb.start();
        live.add(p);
        Worker w = new Worker(slot, p, oomKills);
        synchronized (this) {
            workers.add(w);
        }
        if (StopSignals.requested()) {
            passStopOn(); // the stop came while it started: it takes no run
        }
        w.pump = new Thread(() -> pump(w), "worker-" + slot);
        w.pump.start();
        p.onExit().thenRun(() -> ended.add(w));
    }

    /**
     * A worker's command line, all in one place: this JVM's options, then the workers' own (crash file
     * into the sweep folder, no core file in the working directory, exit at once when the heap is exhausted,
     * so that the parent sees why), then {@code run} with this command's arguments and the worker id.
     */
    List<String> command(int slot) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        // the parent's flags with the full JIT (JvmOptions) and a heap the sweep's largest run fits in (WorkerHeap)
        for (String a : WorkerHeap.jvmArguments(JvmOptions.forTraining(ManagementFactory.getRuntimeMXBean()
                .getInputArguments()))) {
            if (!a.startsWith("-XX:ErrorFile=")) {
                cmd.add(a);
            }
        }
        // %p: the JVM puts its pid there; the parent moves the file into the dead worker's run folder.
        cmd.add("-XX:ErrorFile=" + crashFilePattern());
        cmd.add("-XX:-CreateCoredumpOnCrash");
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        String extra = System.getProperty(WORKER_JVM_ARGS, "").strip();
        if (!extra.isEmpty()) {
            cmd.addAll(List.of(extra.split("\\s+")));
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.add("run");
        cmd.addAll(runArguments);
        cmd.addAll(List.of("--worker-id", Integer.toString(slot)));
        return cmd;
    }

    private Path crashFilePattern() {
        return store.sweepDir().toAbsolutePath().resolve(CRASH_PREFIX + "%p.log");
    }

    /** The maximum heap a worker gets: the last -Xmx of its command line, else this JVM's own. */
    static long heapBytes(List<String> command) {
        long heap = Runtime.getRuntime().maxMemory();
        for (String a : command) {
            if (a.startsWith("-Xmx")) {
                heap = WorkerHeap.size(a.substring(4)).orElse(heap);
            }
        }
        return heap;
    }

    /**
     * How many processes the kernel's out-of-memory killer has killed since boot (/proc/vmstat, Linux 4.13+;
     * cgroup kills included), or -1 where unknown: a SIGKILL while this count rose was most likely its.
     */
    static long oomKills() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/vmstat"))) {
                if (line.startsWith("oom_kill ")) {
                    return Long.parseLong(line.substring("oom_kill ".length()).strip());
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable: unknown
        }
        return -1;
    }

    /**
     * A worker ended with {@code code} while the sweep was not stopping it: its run (the one it claimed, or
     * the one it reported done as interrupted when a signal stopped it cleanly) is failed with the cause, or
     * retried once; its crash file goes into the run's folder.
     */
    private synchronized void died(Worker w, int code) throws IOException {
        String run = w.current;
        if (run == null && w.last != null && (code == 130 || code == 143)) {
            run = store.readSummary(w.last).filter(s -> s.status() == RunStatus.INTERRUPTED).map(s -> w.last)
                    .orElse(null);
        }
        Path crash = w.crashFile();
        Optional<String> crashText = Optional.empty();
        String shown = null;
        if (Files.exists(crash)) {
            crashText = Optional.of(Files.readString(crash, StandardCharsets.ISO_8859_1));
            Path target = crash;
            if (run != null) {
                target = store.runDir(run).resolve(CRASH_LOG);
                Files.move(crash, target, StandardCopyOption.REPLACE_EXISTING);
            }
            shown = target.toString();
        }
        long kills = oomKills();
        WorkerDeath d = WorkerDeath.of(code, List.copyOf(w.tail), crashText, shown,
                heapBytes(command(w.slot)),
                kills >= 0 && kills > w.oomKillsAtStart, run != null && retried.contains(run));
        if (run == null || !runs.containsKey(run)) {
            board.event(w.slot, "worker died between runs: " + d.cause());
        } else if (d.retry()) {
            retried.add(run);
            record(run, RunStatus.INTERRUPTED, d.cause() + "; retried in a fresh worker");
            board.event(w.slot, runs.get(run).name() + ": " + d.cause() + "; retrying it in a fresh worker");
        } else {
            givenUp.put(run, d.cause());
            record(run, RunStatus.FAILED, d.cause());
            board.event(w.slot, runs.get(run).name() + " failed: " + d.cause());
        }
        forget(w);
    }

    /**
     * Writes a dead worker's run's status, under its lock; when another worker of this sweep already holds
     * it, that one is waiting in a claim and writes the failure itself ({@link SweepWorker}).
     */
    private void record(String run, RunStatus status, String cause) throws IOException {
        Optional<RunLock> lock = store.tryLock(run);
        if (lock.isEmpty()) {
            return;
        }
        try (RunLock held = lock.get()) {
            if (status == RunStatus.FAILED) {
                SweepWorker.recordFailed(store, runs.get(run), cause);
            } else if (store.readSummary(run).isPresent()) {
                Map<String, Object> tree = ConfigTree.toTree(runs.get(run).config());
                store.open(runs.get(run), tree, SpecYaml.write(tree))
                        .updateSummary(s -> s.toBuilder().status(status).cause(cause).build());
            }
        }
    }

    /** Tells every worker to stop as this process was told (SIGINT or SIGTERM). */
    private void passStopOn() {
        List<Worker> now;
        synchronized (this) {
            now = List.copyOf(workers);
        }
        for (Worker w : now) {
            w.answers.println(WorkerProtocol.stop(StopSignals.signal()));
            w.answers.flush();
        }
    }

    /** The worker is accounted for: claims waiting for its run may be answered. */
    private synchronized void forget(Worker w) {
        w.current = null;
        workers.remove(w);
        notifyAll();
    }

    /**
     * A worker holds {@code runId}'s lock and asks to train it. A worker of this sweep that died on it and is
     * not yet accounted for is waited for first (the kernel hands a dead worker's lock over at once), so a
     * run this sweep gives up is never trained again in it.
     */
    private synchronized void claim(Worker w, String runId) {
        while (workers.stream().anyMatch(o -> o != w && runId.equals(o.current))) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        Optional<String> veto = Optional.ofNullable(givenUp.get(runId));
        if (veto.isEmpty()) {
            w.current = runId;
            w.claimedAny = true;
        }
        w.answers.println(WorkerProtocol.answer(runId, veto));
        w.answers.flush();
    }

    /** A worker reported its run done: a run that failed is not trained again in this sweep. */
    private synchronized void done(Worker w) {
        String run = w.current;
        w.last = run;
        w.current = null;
        if (run != null) {
            try {
                store.readSummary(run).filter(s -> s.status() == RunStatus.FAILED)
                        .ifPresent(s -> givenUp.put(run, s.cause() == null ? "failed" : s.cause()));
            } catch (IOException e) {
                // unreadable now: a sibling may try it again, as before this rule
            }
        }
        notifyAll();
        onRunDone.run();
    }


    /**
     * When one worker stops on a full disk, the others are stopped too (as by Ctrl-C: their runs are recorded
     * as interrupted if that can still be written, and resume from their last checkpoint): the sweep's next
     * write would fail, and a run started now would only fail the same way.
     */
    private void stopOnDiskFull() {
        // SIGTERM through the handle: Process.destroy would also close the pipe of their last lines
        live.forEach(other -> other.toHandle().destroy());
    }

    private void pump(Worker w) {
        int worker = w.slot;
        ProgressSink toBoard = new ProgressSink() {
            @Override
            public void batch(BatchProgress progress) {
                board.batch(worker, progress);
            }

            @Override
            public void event(String message) {
                board.event(worker, message);
            }

            @Override
            public void done(String run) {
                WorkerProcesses.this.done(w);
            }

            @Override
            public Optional<String> claim(String runId) {
                WorkerProcesses.this.claim(w, runId);
                return Optional.empty();
            }
        };
        try (BufferedReader r = new BufferedReader(new InputStreamReader(w.process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                boolean protocol;
                try {
                    protocol = WorkerProtocol.read(line, toBoard);
                } catch (IllegalArgumentException e) {
                    protocol = false; // a garbled line is still worth seeing
                }
                if (!protocol && !line.isBlank() && !line.equals(INCUBATOR_NOTICE)) {
                    // The JVM's crash banner ("# A fatal error has been detected ...", naming the crash file
                    // before it is moved) is said once, in the run's cause, when the worker's end is seen.
                    if (!line.startsWith("#")) {
                        board.event(worker, line);
                    }
                    synchronized (this) {
                        w.tail.addLast(line);
                        if (w.tail.size() > TAIL) {
                            w.tail.removeFirst();
                        }
                    }
                }
            }
        } catch (IOException e) {
            board.event(worker, "lost worker output: " + e.getMessage());
        }
    }

    /**
     * In a child: a worker whose parent died (kill -9 of the `vaelab run` the user started) stops within a
     * second, as if killed with it, instead of training on unseen and holding its run's lock against the next
     * command. Stopping is safe at any moment: every file is replaced atomically and the run resumes from its
     * last checkpoint.
     */
    static void exitWithParent() {
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
}
