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
 */
record SweepPlan(Path file, ExperimentSpec spec, List<RunSpec> runs) {
    /** Loads and expands a spec; every problem becomes a {@link UserError} listing all of them. */
    static SweepPlan load(Path file, List<String> sets) {
        try {
            ExperimentSpec spec = SpecLoader.load(file, sets);
            return new SweepPlan(file, spec, SweepExpander.expand(spec));
        } catch (SpecException e) {
            throw UserError.located(e.getMessage(), e);
        } catch (SweepException e) {
            throw new UserError(file + ": " + e.getMessage(), e);
        }
    }
}
