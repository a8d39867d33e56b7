package org.vaelab.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.vaelab.tracking.EpochMetrics;
import org.vaelab.tracking.RunQuery;
import org.vaelab.tracking.RunQuery.Condition;
import org.vaelab.tracking.RunQuery.QueryException;
import org.vaelab.tracking.RunQuery.Row;
import org.vaelab.tracking.RunStore;
import org.vaelab.tracking.RunSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vaelab runs RESULTS_DIR...}: list, filter and sort runs, as a table or for pandas and R. */
@Command(name = "runs", mixinStandardHelpOptions = true,
        description = {"List the runs of one or more sweeps with their varied keys and final metrics.",
                "Keys: id, name, sweep, status, verdict, epochs, seconds, test_loglik, any config path"
                        + " (model.latent_dim) and any metric of metrics.jsonl (test_loss).",
                "Reads only the run store; trains nothing."})
final class RunsCommand implements Callable<Integer> {
    /** Output formats. */
    enum Format { table, csv, json }

    @Parameters(arity = "1..*", paramLabel = "RESULTS_DIR", description = "Sweep folders, e.g. results/beta-sweep.")
    List<Path> sweeps;

    @Option(names = "--where", paramLabel = "EXPR",
            description = "Keep runs where KEY OP VALUE holds, OP one of = != < <= > >= (repeat to AND):"
                    + " model.latent_dim=8, 'test_loss<120', verdict!=healthy.")
    List<String> where = new ArrayList<>();

    @Option(names = "--sort", paramLabel = "KEY", description = "Sort by KEY, ascending; -KEY for descending.")
    String sort;

    @Option(names = "--columns", paramLabel = "K1,K2,...",
            description = "Columns to show, in order (default: id, name, the varied keys, status, verdict, final metrics).")
    String columns;

    @Option(names = "--epochs", description = "One row per run and epoch (long format, for plotting curves).")
    boolean epochs;

    @Option(names = "--format", paramLabel = "FORMAT", description = "table (default), csv (RFC 4180) or json.")
    Format format = Format.table;

    @Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    @Override
    public Integer call() {
        List<RunSummary> runs = new ArrayList<>();
        List<List<EpochMetrics>> metrics = epochs ? new ArrayList<>() : null;
        for (Path p : sweeps) {
            if (!Files.isDirectory(p) || !Files.exists(p.resolve("index.json"))) {
                throw new UserError(p + ": not a sweep results folder (no index.json); pass a folder like"
                        + " results/<sweep> written by 'vaelab run'");
            }
            RunStore store = RunStore.at(p);
            try {
                for (RunSummary s : store.summaries()) {
                    runs.add(s);
                    if (metrics != null) {
                        metrics.add(store.readMetrics(s.id()));
                    }
                }
            } catch (IOException | RuntimeException e) {
                throw new UserError(p + ": a run's files cannot be read (" + oneLine(e) + ")", e);
            }
        }
        String out;
        try {
            RunQuery.Table table = RunQuery.table(runs, metrics, sweeps.size() > 1);
            List<Condition> conditions = new ArrayList<>();
            for (String w : where) {
                conditions.add(RunQuery.where(w, table.knownKeys()));
            }
            List<String> cols = columns == null ? table.defaultColumns() : RunQuery.columns(columns, table.knownKeys());
            List<Row> rows = table.rows();
            if (sort != null) {
                rows = RunQuery.sort(rows, sort, table.knownKeys());
            }
            rows = RunQuery.filter(rows, conditions);
            out = switch (format) {
                case table -> RunsFormat.table(rows, cols);
                case csv -> RunsFormat.csv(rows, cols);
                case json -> RunsFormat.json(rows, cols);
            };
        } catch (QueryException e) {
            throw new UserError("runs: " + e.getMessage());
        }
        commandSpec.commandLine().getOut().print(out);
        return ExitCodes.OK;
    }

    private static String oneLine(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage()).replaceAll("\\s+", " ").strip();
    }
}
