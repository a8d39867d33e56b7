package org.vaelab.spec;

import java.util.Objects;

/**
 * Optimisation settings.
 *
 * @param epochs       passes over the training set
 * @param batchSize    examples per step
 * @param optimizer    adam
 * @param learningRate Adam step size
 * @param gradClip     maximum global gradient norm, or null for no clipping
 * @param seed         root seed: every random source of the run is derived from it
 * @param device       cpu or cuda
 */
public record TrainSpec(int epochs, int batchSize, Optimizer optimizer, double learningRate, Double gradClip,
                        long seed, Device device) {
    public static final TrainSpec DEFAULT = new TrainSpec(10, 128, Optimizer.ADAM, 0.001, null, 42L, Device.CPU);

    public TrainSpec {
        Objects.requireNonNull(optimizer, "train.optimizer");
        Objects.requireNonNull(device, "train.device");
        SpecKeys.require("train.epochs", epochs);
        SpecKeys.require("train.batch_size", batchSize);
        SpecKeys.require("train.learning_rate", learningRate);
        SpecKeys.require("train.grad_clip", gradClip);
    }
}
