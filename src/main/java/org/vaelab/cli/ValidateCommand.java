package org.vaelab.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vaelab validate SPEC...}: report every problem of every spec, train nothing. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Check specs: every problem of every file is reported as file:line:col: key: what is wrong;"
                        + " then each run's data set against the data on disk (subset sizes, classes, image size).",
                "Exit code: 0 all valid, 2 some spec has problems."})
final class ValidateCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "SPEC", description = "Experiment specs (YAML).")
    List<Path> specs;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Data root, for the checks against the data (subset sizes, classes, image size): MNIST in DIR/mnist (default: data).")
    Path data = Path.of("data");

    @Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    @Override
    public Integer call() {
        PrintWriter out = commandSpec.commandLine().getOut();
        PrintWriter err = commandSpec.commandLine().getErr();
        int code = ExitCodes.OK;
        for (Path p : specs) {
            try {
                SweepPlan plan = SweepPlan.load(p, List.of());
                Set<String> pending = new LinkedHashSet<>();
                // the data's and the memory's problems, all at once
                List<String> problems = new java.util.ArrayList<>(DataChecks.problems(p, plan.runs(), data, false, pending));
                problems.addAll(MemoryChecks.problems(p, plan.runs()));
                if (!problems.isEmpty()) {
                    throw UserError.located(String.join("\n", problems), null);
                }
                out.println(p + ": ok (" + plan.spec().name() + ", " + plan.runs().size() + " run"
                        + (plan.runs().size() == 1 ? "" : "s") + ")"
                        + (pending.isEmpty() ? "" : "; " + String.join("; ", pending)));
            } catch (UserError e) {
                err.println(e.display());
                code = ExitCodes.BAD_INPUT;
            }
        }
        out.flush();
        err.flush();
        return code;
    }
}
