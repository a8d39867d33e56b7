/**
 * The command line: run, validate, report, submit and status (Slurm), bench; argument parsing (picocli),
 * progress display, worker processes and exit codes. The only package that calls System.exit.
 */
package org.vaelab.cli;
