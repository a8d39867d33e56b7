package org.vaelab.cli;

import java.nio.file.Path;
import java.util.List;
import org.vaelab.spec.ExperimentSpec;
import org.vaelab.spec.RunSpec;
import org.vaelab.spec.yaml.SpecException;
import org.vaelab.spec.yaml.SpecLoader;
import org.vaelab.sweep.SweepException;
import org.vaelab.sweep.SweepExpander;

/**
 * A validated spec and the runs it expands to.
 *
 * @param file the spec file
 * @param spec the parsed spec (with --set overrides applied)
 * @param runs the runs, in expansion order
 * @param sets the --set overrides, as given
 */
record SweepPlan(Path file, ExperimentSpec spec, List<RunSpec> runs, List<String> sets) {
    SweepPlan {
        sets = List.copyOf(sets);
    }

    /** The spec as the user wrote it, with the --set overrides appended as comments (for the sweep page). */
    String text() {
        StringBuilder sb = new StringBuilder();
        try {
            sb.append(java.nio.file.Files.readString(file, java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.io.IOException | RuntimeException e) {
            sb.append("# ").append(file).append(": unreadable now (").append(e.getMessage()).append(")\n");
        }
        if (!sets.isEmpty()) {
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != '\n') {
                sb.append('\n');
            }
            for (String s : sets) {
                sb.append("# --set ").append(s).append('\n');
            }
        }
        return sb.toString();
    }

    /** Loads and expands a spec; every problem becomes a {@link UserError} listing all of them. */
    static SweepPlan load(Path file, List<String> sets) {
        try {
            ExperimentSpec spec = SpecLoader.load(file, sets);
            return new SweepPlan(file, spec, SweepExpander.expand(spec), sets);
        } catch (SpecException e) {
            throw UserError.located(e.getMessage(), e);
        } catch (SweepException e) {
            throw new UserError(file + ": " + e.getMessage(), e);
        }
    }
}
