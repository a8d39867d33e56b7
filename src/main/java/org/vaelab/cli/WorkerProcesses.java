package org.vaelab.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The child processes of a sweep with several workers: starts N copies of this {@code vaelab run} with
 * {@code --worker-id} and one thread each, shows their {@link WorkerProtocol} lines on the progress board,
 * and, inside a child, stops it when its parent dies.
 */
final class WorkerProcesses {
    /** What JDK 17 prints at every start with an incubator module (the launcher adds jdk.incubator.vector). */
    static final String INCUBATOR_NOTICE = "WARNING: Using incubator modules: jdk.incubator.vector";

    private final List<String> runArguments;
    private final ProgressBoard board;
    private final Runnable onRunDone;

    /**
     * @param runArguments the arguments after {@code run} that every child gets (spec, --set, folders,
     *                     --force), before its {@code --worker-id}
     * @param board        where the children's progress is shown
     * @param onRunDone    called (one at a time) when a child has finished a run
     */
    WorkerProcesses(List<String> runArguments, ProgressBoard board, Runnable onRunDone) {
        this.runArguments = List.copyOf(runArguments);
        this.board = board;
        this.onRunDone = onRunDone;
    }

    /**
     * Runs {@code n} workers to the end; returns WORKER_DISK_FULL if one stopped on a full disk, else BAD_INPUT
     * if any reported bad input, else OK.
     */
    int runAll(int n) throws IOException, InterruptedException {
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
            cmd.addAll(runArguments);
            cmd.addAll(List.of("--worker-id", Integer.toString(w)));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            // One thread per worker: ND4J's OpenMP pool and OpenBLAS each get one core.
            pb.environment().put("OMP_NUM_THREADS", "1");
            pb.environment().put("OPENBLAS_NUM_THREADS", "1");
            Process p = pb.start();
            procs.add(p);
            if (w == 0) {
                // A stop signal to the parent alone (kill PID) is passed on as SIGTERM: each worker records its
                // run as interrupted and exits; Ctrl-C reaches them through the terminal's process group too.
                StopSignals.onStop(() -> procs.forEach(Process::destroy));
                // Any other end of the parent (System.exit after an error) still stops the workers.
                Runtime.getRuntime().addShutdownHook(new Thread(() -> procs.forEach(Process::destroy)));
            }
            int worker = w;
            Thread t = new Thread(() -> pump(p.getInputStream(), worker), "worker-" + w);
            t.start();
            pumps.add(t);
        }
        AtomicBoolean diskFull = stopAllOnDiskFull(procs);
        int code = ExitCodes.OK;
        for (int w = 0; w < n; w++) {
            int c = procs.get(w).waitFor();
            pumps.get(w).join();
            if (c == ExitCodes.WORKER_DISK_FULL || diskFull.get() || code == ExitCodes.WORKER_DISK_FULL) {
                // the others were stopped for it: their exit codes say nothing more
                code = ExitCodes.WORKER_DISK_FULL;
            } else if (c == ExitCodes.BAD_INPUT) {
                code = ExitCodes.BAD_INPUT;
            } else if (c != ExitCodes.OK && code == ExitCodes.OK && !StopSignals.requested()) {
                board.event(w, "worker exited with code " + c);
            }
        }
        return code;
    }

    /**
     * When one worker stops on a full disk, the others are stopped too (as by Ctrl-C: their runs are recorded
     * as interrupted if that can still be written, and resume from their last checkpoint): the sweep's next
     * write would fail, and a run started now would only fail the same way.
     */
    private static AtomicBoolean stopAllOnDiskFull(List<Process> procs) {
        AtomicBoolean full = new AtomicBoolean();
        for (Process p : procs) {
            p.onExit().thenAccept(done -> {
                if (done.exitValue() == ExitCodes.WORKER_DISK_FULL && !full.getAndSet(true)) {
                    // SIGTERM through the handle: Process.destroy would also close the pipe of their last lines
                    procs.forEach(other -> other.toHandle().destroy());
                }
            });
        }
        return full;
    }

    private void pump(InputStream in, int worker) {
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
                synchronized (WorkerProcesses.this) {
                    onRunDone.run();
                }
            }
        };
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                boolean protocol;
                try {
                    protocol = WorkerProtocol.read(line, toBoard);
                } catch (IllegalArgumentException e) {
                    protocol = false; // a garbled line is still worth seeing
                }
                if (!protocol && !line.isBlank() && !line.equals(INCUBATOR_NOTICE)) {
                    board.event(worker, line);
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
