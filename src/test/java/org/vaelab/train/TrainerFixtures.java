package org.vaelab.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.vaelab.data.DataSplit;
import org.vaelab.spec.Activation;
import org.vaelab.spec.DatasetSpec;
import org.vaelab.spec.Device;
import org.vaelab.spec.EvalSpec;
import org.vaelab.spec.LossSpec;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.Optimizer;
import org.vaelab.spec.RunConfig;
import org.vaelab.spec.RunSpec;
import org.vaelab.spec.TrainSpec;
import org.vaelab.tracking.EpochMetrics;
import org.vaelab.tracking.RunRecorder;
import org.vaelab.tracking.RunStore;

/** Small, fast configs and data for trainer tests. */
final class TrainerFixtures {
    static final int SIDE = 12;
    static final DataSplit DATA = SyntheticDigits.split(256, 128, SIDE, 99);

    private TrainerFixtures() {
    }

    static RunConfig tiny() {
        ModelSpec m = new ModelSpec(NetKind.MLP, NetKind.MLP, List.of(32), List.of(4, 8), Activation.RELU, 4);
        TrainSpec t = new TrainSpec(2, 32, Optimizer.ADAM, 3e-3, null, 7L, Device.CPU);
        return new RunConfig(DatasetSpec.DEFAULT, m, LossSpec.DEFAULT, t, EvalSpec.DEFAULT);
    }

    static RunConfig with(RunConfig c, ModelSpec m) {
        return new RunConfig(c.dataset(), m, c.loss(), c.train(), c.eval());
    }

    static RunConfig with(RunConfig c, LossSpec l) {
        return new RunConfig(c.dataset(), c.model(), l, c.train(), c.eval());
    }

    static RunConfig with(RunConfig c, TrainSpec t) {
        return new RunConfig(c.dataset(), c.model(), c.loss(), t, c.eval());
    }

    static RunRecorder recorder(Path root, RunConfig c) throws IOException {
        return new RunStore(root, "test").open(spec(c), Map.of(), "test: true\n");
    }

    static RunSpec spec(RunConfig c) {
        return new RunSpec("run1", "run1", "test", 0, Map.of(), c);
    }

    /** Trains {@code c} on the fixture data in {@code root} and closes the model. */
    static TrainResult train(Path root, RunConfig c) throws IOException {
        return train(root, c, TrainingListener.NONE);
    }

    static TrainResult train(Path root, RunConfig c, TrainingListener l) throws IOException {
        try (TrainResult r = new Trainer().train(spec(c), DATA, recorder(root, c), l)) {
            return r;
        }
    }

    /** The metrics without wall-clock fields, for equality across runs. */
    static EpochMetrics timeless(EpochMetrics m) {
        return m.toBuilder().epochSeconds(0).trainSamplesPerSecond(0).evalSeconds(null).diagnosticsSeconds(null).build();
    }

    static List<EpochMetrics> timeless(List<EpochMetrics> ms) {
        return ms.stream().map(TrainerFixtures::timeless).toList();
    }
}
