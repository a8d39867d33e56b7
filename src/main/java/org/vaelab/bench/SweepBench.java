package org.vaelab.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The sweep half of {@code vaelab bench}: the wall time of one small sweep of the seed MLP run with 1 worker and
 * with N workers, each through the real {@code run} command in a child JVM (data loading, workers, locks,
 * checkpoints, diagnostics and the report included), so the figure is what a user waits for.
 */
public final class SweepBench {
    /**
     * What to measure.
     *
     * @param runs      runs in the sweep (seeds 1..runs)
     * @param workers   worker counts to time, e.g. [1, 2]
     * @param dataRoot  folder holding mnist/
     * @param mainClass  the CLI entry point class (org.vaelab.cli.Main)
     * @param runOptions the JVM options the launcher adds for `vaelab run` (its parent process's)
     */
    public record Options(int runs, List<Integer> workers, Path dataRoot, String mainClass, List<String> runOptions) {
    }

    private SweepBench() {
    }

    /**
     * The sweep spec: seed MLP, all 60k training images, 2 epochs, one run per seed. Runs of about 3 s (10k
     * images) measured mostly JVM start and report rendering, where a second worker loses (12.1 s against
     * 14.8 s) although it nearly doubles training throughput; a real sweep's runs are longer.
     */
    static String spec(int runs) {
        StringBuilder seeds = new StringBuilder();
        for (int s = 1; s <= runs; s++) {
            seeds.append(s == 1 ? "" : ", ").append(s);
        }
        return """
                name: bench-sweep
                description: vaelab bench - seed MLP sweep timed with 1 and N workers.
                dataset: {test_subset: 2000}
                model: {hidden: [256, 256], latent_dim: 32}
                train: {epochs: 2, batch_size: 128}
                eval: {loglik_samples: 0}
                sweep:
                  grid:
                    train.seed: [%s]
                """.formatted(seeds);
    }

    /** Times the sweep once per worker count and prints one line each; returns 0, or 1 if a sweep failed. */
    public static int run(Options o, PrintStream out) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("vaelab-sweep-bench");
        try {
            Path spec = dir.resolve("bench-sweep.yaml");
            Files.writeString(spec, spec(o.runs()), StandardCharsets.UTF_8);
            List<String> lines = new ArrayList<>();
            int failures = 0;
            for (int w : o.workers()) {
                out.printf(Locale.ROOT, "bench: sweep of %d runs with %d worker(s) ...%n", o.runs(), w);
                List<String> cmd = new ArrayList<>();
                cmd.add(ProcessHandle.current().info().command().orElse("java"));
                cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
                cmd.addAll(o.runOptions()); // as ./vaelab run starts it
                cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), o.mainClass(), "run",
                        spec.toString(), "--workers", Integer.toString(w), "--results",
                        dir.resolve("results-" + w).toString(), "--reports", dir.resolve("reports-" + w).toString(),
                        "--data", o.dataRoot().toAbsolutePath().toString()));
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                        .redirectOutput(dir.resolve("log-" + w + ".txt").toFile());
                pb.environment().put("OMP_NUM_THREADS", "1");
                pb.environment().put("OPENBLAS_NUM_THREADS", "1");
                long t0 = System.nanoTime();
                int code = pb.start().waitFor();
                double seconds = (System.nanoTime() - t0) / 1e9;
                if (code != 0) {
                    failures++;
                    out.println("bench: sweep with " + w + " worker(s) exited with " + code + ":");
                    Files.readAllLines(dir.resolve("log-" + w + ".txt")).stream().skip(Math.max(0,
                            Files.readAllLines(dir.resolve("log-" + w + ".txt")).size() - 5)).forEach(out::println);
                    continue;
                }
                lines.add(String.format(Locale.ROOT, "%-32s %6d runs %10.1f s  (%.1f s per run)",
                        "vaelab sweep, " + w + (w == 1 ? " worker" : " workers"), o.runs(), seconds,
                        seconds / o.runs()));
            }
            out.println();
            out.println("sweep wall time (seed MLP, 60k images, 2 epochs per run, `vaelab run --workers N`):");
            lines.forEach(out::println);
            return failures == 0 ? 0 : 1;
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
