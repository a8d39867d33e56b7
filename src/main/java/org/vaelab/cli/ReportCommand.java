package org.vaelab.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.vaelab.report.ReportWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vaelab report RESULTS_DIR...}: re-render reports from the run store alone. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Render the HTML report of one sweep (results/<sweep>), or compare several sweeps in one report.",
                "Reads only the run store; trains nothing."})
final class ReportCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "RESULTS_DIR", description = "Sweep folders, e.g. results/beta-sweep.")
    List<Path> sweeps;

    @Option(names = "--reports", paramLabel = "DIR", description = "Reports root (default: reports).")
    Path reports = Path.of("reports");

    @Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    @Override
    public Integer call() throws Exception {
        for (Path p : sweeps) {
            if (!Files.isDirectory(p) || !Files.exists(p.resolve("index.json"))) {
                throw new UserError(p + ": not a sweep results folder (no index.json); pass a folder like"
                        + " results/<sweep> written by 'vaelab run'");
            }
        }
        Path index = ReportWriter.write(sweeps, reports);
        commandSpec.commandLine().getOut().println("vaelab: report written: " + index);
        return ExitCodes.OK;
    }
}
