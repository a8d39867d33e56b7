package org.vaelab.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.vaelab.spec.DatasetName;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.ModelSummary;
import org.vaelab.spec.RunSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vaelab summary SPEC}: each model of the sweep, layer by layer with output shapes and parameters. */
@Command(name = "summary", mixinStandardHelpOptions = true,
        description = {"Print the model of every run of SPEC as torchinfo does: each layer with its output shape"
                + " and parameter count, the mean and log-variance heads, and the total. Runs that share a model"
                + " share one table. Trains nothing.",
                "Exit code: 0 printed, 2 bad input."})
final class SummaryCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SPEC", description = "Experiment spec (YAML).")
    Path specFile;

    @Option(names = "--set", paramLabel = "KEY.PATH=VALUE",
            description = "Override a config key before expansion; VALUE is YAML. Repeatable.")
    List<String> sets = new ArrayList<>();

    @Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    @Override
    public Integer call() {
        PrintWriter out = commandSpec.commandLine().getOut();
        SweepPlan plan = SweepPlan.load(specFile, sets);
        out.print(render(plan.spec().name(), plan.runs()));
        out.flush();
        return ExitCodes.OK;
    }

    /** The text: one block per distinct model (and image size), naming the runs that use it. */
    static String render(String sweep, List<RunSpec> runs) {
        Map<List<Object>, List<RunSpec>> byModel = new LinkedHashMap<>();
        for (RunSpec r : runs) {
            DatasetName data = r.config().dataset().name();
            byModel.computeIfAbsent(List.of(r.config().model(), data.rows(), data.cols()), k -> new ArrayList<>()).add(r);
        }
        StringBuilder text = new StringBuilder();
        text.append(sweep).append(": ").append(runs.size()).append(runs.size() == 1 ? " run, " : " runs, ")
                .append(byModel.size()).append(byModel.size() == 1 ? " model" : " models").append('\n');
        for (Map.Entry<List<Object>, List<RunSpec>> e : byModel.entrySet()) {
            List<RunSpec> group = e.getValue();
            text.append('\n');
            if (group.size() == runs.size() && runs.size() > 1) {
                text.append("model of all ").append(runs.size()).append(" runs\n");
            } else {
                List<String> names = group.stream().map(r -> "#" + r.index() + " " + r.name() + " (" + r.id() + ")")
                        .toList();
                text.append("model of run").append(group.size() == 1 ? " " : "s ").append(String.join(", ", names))
                        .append('\n');
            }
            ModelSpec model = (ModelSpec) e.getKey().get(0);
            int rows = (Integer) e.getKey().get(1);
            int cols = (Integer) e.getKey().get(2);
            if (rows == 0) {
                text.append("(idx data: the image size is known only when its files are read, so the shapes are "
                        + "checked when the run starts)\n");
                continue;
            }
            text.append(ModelSummary.of(model, rows, cols).render());
            // the group's runs may differ in batch size or data: the largest estimate
            group.stream().map(MemoryChecks::estimate).flatMap(java.util.Optional::stream)
                    .max(java.util.Comparator.comparingLong(org.vaelab.train.MemoryEstimate::total))
                    .ifPresent(m -> text.append("memory of a training worker: about ").append(m.describe())
                            .append('\n'));
        }
        return text.toString();
    }
}
