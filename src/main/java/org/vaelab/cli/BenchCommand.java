package org.vaelab.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.vaelab.bench.EngineSpeedWorker;
import org.vaelab.bench.LoglikComparison;
import org.vaelab.bench.SpeedBench;
import org.vaelab.bench.SweepComparison;
import org.vaelab.bench.SweepBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vaelab bench}: training speed of vaelab against PyTorch on this machine. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Train the seed MLP (784-256-256-32, BCE, Adam) and the conv model with vaelab and with PyTorch"
                + " (bench/torch_vae.py) on real MNIST at each batch size, each in its own process, interleaved,"
                + " and print training samples/s and peak memory side by side.",
                "Also measures two one-thread vaelab trainings at once (what `run --workers 2` does), the wall"
                        + " time of a small sweep with 1 worker and with the default number of workers, the cost of the"
                        + " importance-sampled log p(x) against PyTorch's, and a whole sweep (--sweep) through"
                        + " `vaelab run` against a plain PyTorch loop training the same runs.",
                "--parts picks what to measure: speed, loglik, workers, sweep (default: all)."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--models", split = ",", description = "mlp (the seed MLP), conv (the default conv model),"
            + " nb003, nb004 (seed notebooks 003 and 004's exact layers) (default: ${DEFAULT-VALUE}).")
    List<String> models = List.of("mlp", "conv", "nb003", "nb004");

    @Option(names = "--batches", split = ",", description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> batches = List.of(128, 512);

    @Option(names = "--rounds", description = "Interleaved rounds; figures are medians (default: ${DEFAULT-VALUE}).")
    int rounds = 3;

    @Option(names = "--data", paramLabel = "DIR", description = "Data root; MNIST in DIR/mnist (default: data).")
    Path data = Path.of("data");

    @Option(names = "--python", description = "Python with torch (default: ${DEFAULT-VALUE}).")
    String python = "/usr/bin/python3";

    @Option(names = "--sweep-runs", paramLabel = "N", description = "Runs in the timed sweep (1 worker, then"
            + " --workers' default); 0 skips the sweep timing (default: ${DEFAULT-VALUE}).")
    int sweepRuns = 4;

    @Option(names = "--parts", split = ",", description = "speed, loglik, workers and/or sweep (default: all).")
    List<String> parts = List.of("speed", "loglik", "workers", "sweep");

    @Option(names = "--loglik-model", description = "Model of the log p(x) timing: mlp or conv (default: ${DEFAULT-VALUE}).")
    String loglikModel = "conv";

    @Option(names = "--loglik-samples", description = "Importance samples per image (default: ${DEFAULT-VALUE}).")
    int loglikSamples = 1000;

    @Option(names = "--loglik-examples", description = "Test images of the log p(x) timing (default: ${DEFAULT-VALUE}).")
    int loglikExamples = 100;

    @Option(names = "--sweep", paramLabel = "SPEC", description = "Sweep timed against a plain PyTorch loop"
            + " (default: ${DEFAULT-VALUE}).")
    Path sweep = Path.of("experiments", "beta-sweep.yaml");

    @Override
    public Integer call() throws Exception {
        for (String p : parts) {
            if (!List.of("speed", "loglik", "workers", "sweep").contains(p)) {
                throw new UserError("--parts: unknown part '" + p + "' (allowed: speed, loglik, workers, sweep)");
            }
        }
        if (!loglikModel.equals("mlp") && !loglikModel.equals("conv")) {
            throw new UserError("--loglik-model: unknown model '" + loglikModel + "' (allowed: mlp, conv)");
        }
        if (loglikSamples < 1 || loglikExamples < 1) {
            throw new UserError("--loglik-samples and --loglik-examples must be at least 1");
        }
        SweepPlan plan = parts.contains("sweep") ? SweepPlan.load(sweep, List.of()) : null;
        for (String m : models) {
            if (!EngineSpeedWorker.MODELS.contains(m)) {
                throw new UserError("--models: unknown model '" + m + "' (allowed: "
                        + String.join(", ", EngineSpeedWorker.MODELS) + ")");
            }
        }
        if (rounds < 1 || batches.stream().anyMatch(b -> b < 1)) {
            throw new UserError("--rounds and --batches must be at least 1");
        }
        if (sweepRuns < 0) {
            throw new UserError("--sweep-runs: must be >= 0 (0 skips the sweep timing), got " + sweepRuns);
        }
        try {
            org.vaelab.data.DataLoader.load(org.vaelab.spec.DatasetSpec.DEFAULT, data, 1L);
        } catch (org.vaelab.data.DataException e) {
            throw new UserError(e.getMessage(), e);
        }
        Path script = Path.of("bench", "torch_vae.py");
        int code = 0;
        if (parts.contains("speed")) {
            code = SpeedBench.run(new SpeedBench.Options(models, batches, rounds, data, python, script,
                    Main.class.getName()), System.out);
        }
        if (parts.contains("loglik")) {
            code = Math.max(code, LoglikComparison.run(new LoglikComparison.Options(loglikModel, loglikExamples,
                    loglikSamples, rounds, data, SpeedBench.torchAvailable(python, script) ? python : null, script,
                    Main.class.getName()), System.out));
        }
        if (plan != null) {
            code = Math.max(code, SweepComparison.run(new SweepComparison.Options(sweep, plan.runs(),
                    SweepRunner.DEFAULT_WORKERS, data, python, script, Main.class.getName(),
                    List.of(JvmOptions.COORDINATOR), rounds), System.out));
        }
        if (sweepRuns > 0 && parts.contains("workers")) {
            int s = SweepBench.run(new SweepBench.Options(sweepRuns, List.of(1, SweepRunner.DEFAULT_WORKERS), data,
                    Main.class.getName(), List.of(JvmOptions.COORDINATOR)), System.out);
            code = Math.max(code, s);
        }
        return code;
    }
}
