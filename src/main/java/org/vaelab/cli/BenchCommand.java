package org.vaelab.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.vaelab.bench.SpeedBench;
import org.vaelab.bench.SweepBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vaelab bench}: training speed of vaelab against PyTorch on this machine. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Train the seed MLP (784-256-256-32, BCE, Adam) and the conv model with vaelab and with PyTorch"
                + " (bench/torch_vae.py) on real MNIST at each batch size, each in its own process, interleaved,"
                + " and print training samples/s and peak memory side by side.",
                "Also measures two one-thread vaelab trainings at once (what `run --workers 2` does), and the wall"
                        + " time of a small sweep with 1 worker and with the default number of workers."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--models", split = ",", description = "mlp and/or conv (default: ${DEFAULT-VALUE}).")
    List<String> models = List.of("mlp", "conv");

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

    @Override
    public Integer call() throws Exception {
        for (String m : models) {
            if (!m.equals("mlp") && !m.equals("conv")) {
                throw new UserError("--models: unknown model '" + m + "' (allowed: mlp, conv)");
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
        int code = SpeedBench.run(new SpeedBench.Options(models, batches, rounds, data, python,
                Path.of("bench", "torch_vae.py"), Main.class.getName()), System.out);
        if (sweepRuns > 0) {
            int s = SweepBench.run(new SweepBench.Options(sweepRuns, List.of(1, SweepRunner.DEFAULT_WORKERS), data,
                    Main.class.getName()), System.out);
            code = Math.max(code, s);
        }
        return code;
    }
}
