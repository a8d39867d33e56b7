/**
 * The command line: run, validate, summary, report, submit and status (Slurm), bench; argument parsing (picocli), progress display, worker
 * processes and exit codes. The only package that calls System.exit.
 *
 * <p>{@code vaelab run}: {@link org.vaelab.cli.SweepRunner} checks the inputs and plans the sweep, then hands
 * the runs to {@link org.vaelab.cli.SweepWorker}s (each run under its lock, executed by
 * {@link org.vaelab.train.RunExecution}) in child processes ({@link org.vaelab.cli.WorkerProcesses}, one
 * included, so that a worker's death is a run's failure and not the sweep's), whose progress comes back through
 * {@link org.vaelab.cli.WorkerProtocol}; {@link org.vaelab.cli.WorkerDeath} says why a worker died and
 * {@link org.vaelab.cli.Faults} tells the machine's faults from vaelab's bugs.
 */
package org.vaelab.cli;
