/**
 * The command line: run, validate, summary, report, submit and status (Slurm), bench; argument parsing (picocli), progress display, worker
 * processes and exit codes. The only package that calls System.exit.
 *
 * <p>{@code vaelab run}: {@link org.vaelab.cli.SweepRunner} checks the inputs and plans the sweep, then hands
 * the runs to {@link org.vaelab.cli.SweepWorker}s (each run under its lock, executed by
 * {@link org.vaelab.train.RunExecution}) in this process or in child processes
 * ({@link org.vaelab.cli.WorkerProcesses}), whose progress comes back through
 * {@link org.vaelab.cli.WorkerProtocol}.
 */
package org.vaelab.cli;
