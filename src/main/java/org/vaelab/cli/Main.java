package org.vaelab.cli;

import java.io.PrintWriter;
import org.vaelab.tracking.DiskFullException;
import org.vaelab.train.Devices;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** vaelab's command line: the only place that turns outcomes into exit codes and calls System.exit. */
@Command(name = "vaelab", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A research harness for variational autoencoders: spec -> sweep -> training -> diagnostics -> report.",
        subcommands = {RunCommand.class, ValidateCommand.class, SummaryCommand.class, ReportCommand.class,
                RunsCommand.class, SubmitCommand.class, StatusCommand.class, SlurmTaskCommand.class,
                BenchCommand.class, BenchWorkerCommand.class, BenchLoglikCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Print stack traces of errors.")
    boolean debug;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing command (run, validate, summary, report, runs, submit, status, bench)");
    }

    /** Runs vaelab with {@code args} and returns the exit code (tests call this; main exits with it). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        // The CUDA build is useless without a GPU, whatever the command: say so in one line before ND4J's own
        // start fails with a stack trace (nothing to do in the CPU build, which does not start ND4J here).
        java.util.Optional<String> noGpu = Devices.unusableGpu();
        if (noGpu.isPresent()) {
            err.println("vaelab: " + noGpu.get());
            err.flush();
            return ExitCodes.BAD_INPUT;
        }
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            // --debug is inherited by every subcommand, so look for it anywhere on the command line
            boolean debug = java.util.Arrays.asList(args).contains("--debug");
            if (debug) {
                ex.printStackTrace(err);
            }
            if (ex instanceof UserError u) {
                err.println(u.display());
                err.flush();
                return ExitCodes.BAD_INPUT;
            }
            err.println(unexpected(ex, debug));
            err.flush();
            return ExitCodes.RUNS_FAILED;
        });
        cl.setParameterExceptionHandler((ex, params) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("vaelab: " + ex.getMessage() + " (see '" + c.getCommandSpec().qualifiedName()
                    + " --help')");
            c.getErr().flush();
            return ExitCodes.BAD_INPUT;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /**
     * The line for an exception no command turned into an outcome: an environment fault (a full disk, memory,
     * permissions, native libraries, ...) says what to change; anything else is a bug, an internal error with
     * the --debug hint.
     */
    static String unexpected(Throwable ex, boolean debug) {
        java.util.Optional<String> fault = noSpace(ex).or(() -> Faults.environment(ex).map(f -> "vaelab: " + f));
        if (fault.isPresent()) {
            return fault.get();
        }
        return "vaelab: internal error: " + ex + (debug ? "" : " (run again with --debug for the stack trace)");
    }

    /**
     * A full disk met by any command (a report, a Slurm task) is the machine's fault, not a bug: one line naming
     * the file, never "internal error". `run` says more itself (the folder and what a run needs).
     */
    static java.util.Optional<String> noSpace(Throwable ex) {
        return DiskFullException.find(ex).map(f -> "vaelab: " + f.getMessage()
                + "; free space on its file system or choose another folder");
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            Package p = Main.class.getPackage();
            String v = p == null ? null : p.getImplementationVersion();
            return new String[] {"vaelab " + (v == null ? "dev" : v)};
        }
    }
}
