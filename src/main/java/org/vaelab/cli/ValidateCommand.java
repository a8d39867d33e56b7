package org.vaelab.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vaelab validate SPEC...}: report every problem of every spec, train nothing. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Check specs: every problem of every file is reported as file:line:col: key: what is wrong.",
                "Exit code: 0 all valid, 2 some spec has problems."})
final class ValidateCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "SPEC", description = "Experiment specs (YAML).")
    List<Path> specs;

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
                out.println(p + ": ok (" + plan.spec().name() + ", " + plan.runs().size() + " run"
                        + (plan.runs().size() == 1 ? "" : "s") + ")");
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
