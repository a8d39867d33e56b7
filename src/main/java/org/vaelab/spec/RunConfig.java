package org.vaelab.spec;

/** Everything that determines one training run: the spec's sections without name and sweep. */
public record RunConfig(DatasetSpec dataset, ModelSpec model, LossSpec loss, TrainSpec train, EvalSpec eval) {
    public static final RunConfig DEFAULT = new RunConfig(DatasetSpec.DEFAULT, ModelSpec.DEFAULT,
            LossSpec.DEFAULT, TrainSpec.DEFAULT, EvalSpec.DEFAULT);
}
