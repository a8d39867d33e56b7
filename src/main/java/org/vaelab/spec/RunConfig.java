package org.vaelab.spec;

import java.util.List;
import java.util.Objects;

/**
 * Everything that determines one training run: the spec's sections without name and sweep.
 *
 * <p>Each section's constructor checks its own fields. Rules that involve several fields (idx needs a
 * path, linear warm-up needs epochs, ...) are reported by {@link #problems()} rather than thrown here:
 * a spec's base config may break one that every sweep value repairs (schedule: linear with
 * {@code loss.warmup.epochs} only in the grid), so only the configs of actual runs must pass them.
 * Every {@link RunSpec#config()} the expander produces does.
 */
public record RunConfig(DatasetSpec dataset, ModelSpec model, LossSpec loss, TrainSpec train, EvalSpec eval) {
    public static final RunConfig DEFAULT = new RunConfig(DatasetSpec.DEFAULT, ModelSpec.DEFAULT,
            LossSpec.DEFAULT, TrainSpec.DEFAULT, EvalSpec.DEFAULT);

    public RunConfig {
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(loss, "loss");
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(eval, "eval");
    }

    /** The cross-field rules this config breaks, e.g. {@code dataset.name: 'idx' needs dataset.path ...}. */
    public List<SpecProblem> problems() {
        return SpecKeys.conflicts(SpecKeys.leaves(this)).stream()
                .map(c -> new SpecProblem(c.path() + c.at(), c.message())).toList();
    }
}
