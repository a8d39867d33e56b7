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
        // Refusals a user can act on, as one line and exit 2 before anything is written.
        List<Path> dirs = sweeps.stream().map(p -> p.toAbsolutePath().normalize()).distinct().toList();
        List<String> names = dirs.stream().map(p -> p.getFileName().toString()).toList();
        for (String n : names) {
            if (names.indexOf(n) != names.lastIndexOf(n)) {
                throw new UserError(ReportWriter.sameName(dirs, n).substring("report: ".length()));
            }
        }
        java.util.Optional<String> owner = ReportWriter.ownerProblem(names,
                reports.resolve(ReportWriter.folderName(names)));
        if (owner.isPresent()) {
            throw new UserError(owner.get());
        }
        SweepRunner.requireFolder(reports.resolve(ReportWriter.folderName(names)), "the report", "--reports DIR");
        Path index = ReportWriter.write(dirs, reports);
        commandSpec.commandLine().getOut().println("vaelab: report written: " + index);
        return ExitCodes.OK;
    }
}
