package org.vaelab.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vaelab run SPEC}: expand the sweep, train every run not yet done, write the report. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Expand SPEC into a sweep, train every run that is not completed yet (resuming partial runs"
                + " from their last checkpoint), and write the report.",
                "Exit code: 0 every run completed, 1 some run failed or diverged, 2 bad input,"
                        + " 130/143 stopped by SIGINT/SIGTERM (resume with the same command)."})
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SPEC", description = "Experiment spec (YAML).")
    Path specFile;

    @Option(names = "--set", paramLabel = "KEY.PATH=VALUE",
            description = "Override a config key before expansion; VALUE is YAML (--set 'model.hidden=[64,64]'). Repeatable.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--dry-run", description = "Print the runs the sweep expands to and train nothing.")
    boolean dryRun;

    /** Dry-run output formats. */
    enum Format { table, json }

    @Option(names = "--format", paramLabel = "table|json", description = "Dry-run output: ${COMPLETION-CANDIDATES} (default: table).")
    Format format;

    @Option(names = "--results", paramLabel = "DIR", description = "Results root (default: results).")
    Path results = Path.of("results");

    @Option(names = "--reports", paramLabel = "DIR", description = "Reports root (default: reports).")
    Path reports = Path.of("reports");

    @Option(names = "--data", paramLabel = "DIR", description = "Data root; MNIST is fetched into DIR/mnist (default: data).")
    Path data = Path.of("data");

    @Option(names = "--workers", paramLabel = "N",
            description = "Runs trained at once, each in its own process with one thread (default: ${DEFAULT-VALUE}, measured fastest on 2 cores).")
    int workers = SweepRunner.DEFAULT_WORKERS;

    @Option(names = "--force", description = "Run a changed spec under an existing sweep name as a new version of the"
            + " sweep: counts, index.json and the exit code then describe its runs; earlier runs are kept and shown"
            + " as their version's. Not needed for a spec that only adds runs, or one that ran before.")
    boolean force;

    @Option(names = "--worker-id", hidden = true, description = "Internal: this process is worker K of a parent run.")
    Integer workerId;

    @Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = commandSpec.commandLine().getOut();
        if (format != null && !dryRun) {
            throw new UserError("--format only applies with --dry-run; add --dry-run or drop --format");
        }
        if (workers < 1) {
            throw new UserError("--workers must be at least 1 (got " + workers + ")");
        }
        SweepPlan plan = SweepPlan.load(specFile, sets);
        if (dryRun) {
            java.util.Set<String> pending = new java.util.LinkedHashSet<>();
            // the data's and the memory's problems, all at once
            List<String> problems = new java.util.ArrayList<>(DataChecks.problems(specFile, plan.runs(), data, false, pending));
            problems.addAll(MemoryChecks.problems(specFile, plan.runs()));
            if (!problems.isEmpty()) {
                throw UserError.located(String.join("\n", problems), null);
            }
            for (String note : pending) {
                commandSpec.commandLine().getErr().println("vaelab: note: " + note);
            }
            out.print(format == Format.json ? DryRunFormat.json(plan.runs()) : DryRunFormat.table(plan.runs()));
            // after the table; beside JSON on stderr, so that stdout stays one JSON document
            MemoryChecks.line(plan.runs()).ifPresent(l -> (format == Format.json
                    ? commandSpec.commandLine().getErr() : out).println(l));
            commandSpec.commandLine().getErr().flush();
            out.flush();
            return ExitCodes.OK;
        }
        SweepRunner runner = new SweepRunner(plan, results, reports, data, force, System.out);
        return workerId != null ? runner.runAsWorker(workerId) : runner.run(workers, specFile, sets);
    }
}
