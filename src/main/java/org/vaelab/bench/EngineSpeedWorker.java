package org.vaelab.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vaelab.data.DataException;
import org.vaelab.spec.Activation;
import org.vaelab.spec.Binarize;
import org.vaelab.spec.DatasetName;
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
import org.vaelab.spec.yaml.SpecException;
import org.vaelab.spec.yaml.SpecLoader;
import org.vaelab.sweep.SweepException;
import org.vaelab.sweep.SweepExpander;
import org.vaelab.tracking.EpochMetrics;
import org.vaelab.tracking.Json;
import org.vaelab.tracking.RunStatus;
import org.vaelab.tracking.RunStore;
import org.vaelab.tracking.RunSummary;
import org.vaelab.train.RunExecution;

/**
 * One vaelab speed measurement in its own process (so its thread settings are its own): the real trainer
 * (data batching, noise, SameDiff forward/backward, gradient norm, Adam) on real MNIST for a few short epochs,
 * executed as a run of a throw-away run store (so it has a status and a provenance like any run);
 * prints one JSON line with the median training samples/s of the epochs after the first (JIT warm-up) and the
 * process's peak resident memory.
 */
public final class EngineSpeedWorker {
    private EngineSpeedWorker() {
    }

    /**
     * Model families the benchmark knows: the seed MLP, the default conv model, and seed notebooks 003 and 004's
     * exact architectures (the models of experiments/seeds/003 and 004, read from those files, run 1 of each).
     */
    static ModelSpec model(String name) {
        return switch (name) {
            case "mlp" -> new ModelSpec(NetKind.MLP, NetKind.MLP, List.of(256, 256), List.of(32, 64),
                    Activation.RELU, 32);
            case "conv" -> new ModelSpec(NetKind.CONV, NetKind.CONV, List.of(256, 256), List.of(32, 64),
                    Activation.RELU, 32);
            case "nb003" -> seedModel("003-conv-mse.yaml");
            case "nb004" -> seedModel("004-conv-linear-k3.yaml");
            default -> throw new IllegalArgumentException("model must be one of " + MODELS + ", got " + name);
        };
    }

    /** The names {@link #model} knows. */
    public static final List<String> MODELS = List.of("mlp", "conv", "nb003", "nb004");

    private static ModelSpec seedModel(String file) {
        Path spec = Path.of("experiments", "seeds", file);
        try {
            return SweepExpander.expand(SpecLoader.load(spec, List.of())).get(0).config().model();
        } catch (SpecException | SweepException e) {
            throw new IllegalStateException(spec + ": " + e.getMessage(), e);
        }
    }

    /**
     * Trains and reports. Arguments: model (mlp|conv), batch size, steps per epoch, epochs, data root.
     *
     * @return the JSON line
     */
    public static String measure(String modelName, int batch, int steps, int epochs, Path dataRoot)
            throws IOException, DataException {
        DatasetSpec ds = new DatasetSpec(DatasetName.MNIST, null, batch * steps, 1000, null, Binarize.NONE, false);
        RunConfig cfg = new RunConfig(ds, model(modelName), LossSpec.DEFAULT,
                new TrainSpec(epochs, batch, Optimizer.ADAM, 1e-3, null, 1L, Device.CPU), new EvalSpec(0.01, 0, 1));
        Path dir = Files.createTempDirectory("vaelab-bench");
        RunSpec run = new RunSpec("bench0000000", "bench", "bench", 0, Map.of(), cfg);
        RunStore store = new RunStore(dir, "bench");
        // The run's own life cycle (status, provenance, a failure's cause), without the diagnostics and pictures
        // whose time and memory are not the engine's.
        RunSummary end = RunExecution.trainingOnly(dataRoot).execute(run, store, RunExecution.Listener.NONE);
        if (end.status() == RunStatus.FAILED) {
            // Before, the trainer's exception itself ended the worker; the cause now also stays in the run folder.
            throw new IllegalStateException("bench run " + end.status().json() + ": " + end.cause()
                    + " (" + store.runDir(run.id()) + ")");
        }
        List<Double> rates = new ArrayList<>();
        for (EpochMetrics m : store.readMetrics(run.id())) {
            if (m.epoch() > 1) {
                rates.add(m.trainSamplesPerSecond());
            }
        }
        rates.sort(Double::compare);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("impl", "vaelab");
        out.put("model", modelName);
        out.put("batch", batch);
        out.put("threads", System.getenv("OMP_NUM_THREADS"));
        out.put("median_samples_per_s", rates.isEmpty() ? null : rates.get(rates.size() / 2));
        out.put("peak_rss_mb", peakRssMb());
        return Json.line(out);
    }

    /** VmHWM of this process in MB (Linux), or null elsewhere. */
    static Double peakRssMb() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmHWM:")) {
                    return Double.parseDouble(l.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return null;
        }
        return null;
    }
}
