package org.vaelab.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.RunConfig;
import org.vaelab.spec.RunSpec;
import org.vaelab.tracking.Json;

/**
 * A whole sweep against the plain PyTorch loop a researcher would write for it: {@code vaelab run SPEC} (default
 * workers; diagnostics, log-likelihood, pictures and the report included) timed from the command's start to its
 * end in a child JVM, then bench/torch_vae.py's {@code sweep} mode training the same runs (same model, latent
 * size, beta, training-set size, epochs, batch size and learning rate) with a test ELBO every epoch, in as many
 * one-thread processes as vaelab has workers, runs dealt round-robin. Both read MNIST from the same folder.
 */
public final class SweepComparison {
    /**
     * What to compare.
     *
     * @param specFile    the sweep (e.g. experiments/beta-sweep.yaml)
     * @param runs        its expanded runs
     * @param workers     vaelab workers and PyTorch processes
     * @param dataRoot    folder holding mnist/
     * @param python      interpreter with torch
     * @param torchScript bench/torch_vae.py
     * @param mainClass   the CLI entry point
     * @param runOptions  the JVM options the launcher adds for `vaelab run` (its parent process's)
     * @param rounds      interleaved rounds (vaelab, then PyTorch, in each); the figures are medians
     */
    public record Options(Path specFile, List<RunSpec> runs, int workers, Path dataRoot, String python,
                          Path torchScript, String mainClass, List<String> runOptions, int rounds) {
    }

    private SweepComparison() {
    }

    /** Why the PyTorch loop cannot train this sweep's runs, or null when it can. */
    static String unsupported(List<RunSpec> runs) {
        RunConfig first = runs.get(0).config();
        for (RunSpec r : runs) {
            RunConfig c = r.config();
            ModelSpec m = c.model();
            ModelSpec f = first.model();
            if (!m.encoder().equals(f.encoder()) || !m.decoder().equals(f.decoder()) || !m.hidden().equals(f.hidden())
                    || !m.channels().equals(f.channels()) || m.activation() != f.activation()) {
                return "its runs differ in more than latent_dim and beta";
            }
            if (c.loss().mcSamples() != 1 || c.loss().freeBits() != 0 || c.loss().warmup().epochs() != 0
                    || c.train().epochs() != first.train().epochs()
                    || c.train().batchSize() != first.train().batchSize()
                    || !java.util.Objects.equals(c.dataset().subset(), first.dataset().subset())) {
                return "the PyTorch loop trains plain ELBO runs (K = 1, no warm-up or free bits) of one size";
            }
        }
        return null;
    }

    /**
     * Times both, {@code rounds} times interleaved (vaelab, then PyTorch), and prints each round and the medians;
     * returns 0, or 1 if either side failed. Whole sweeps on a shared machine vary by several percent from one
     * run to the next, in both programs, so one round alone says little about a ratio near its target.
     */
    public static int run(Options o, PrintStream out) throws IOException, InterruptedException {
        String why = unsupported(o.runs());
        if (why != null) {
            out.println("bench: sweep comparison skipped for " + o.specFile() + ": " + why);
            return 0;
        }
        Path dir = Files.createTempDirectory("vaelab-sweep-compare");
        try {
            List<Double> vaelab = new ArrayList<>();
            List<Double> torch = new ArrayList<>();
            String evalShare = null;
            for (int round = 1; round <= o.rounds(); round++) {
                Path at = dir.resolve("round-" + round);
                out.printf(Locale.ROOT, "bench: round %d/%d: %s with vaelab (%d runs, %d workers) ...%n", round,
                        o.rounds(), o.specFile(), o.runs().size(), o.workers());
                double v = timeVaelab(o, at);
                if (Double.isNaN(v)) {
                    out.println("bench: vaelab run failed; log: " + tail(at.resolve("vaelab.log")));
                    return 1;
                }
                if (evalShare == null) {
                    evalShare = evaluationShare(at.resolve("results"));
                }
                out.printf(Locale.ROOT, "bench: round %d/%d: the same %d runs as a plain PyTorch loop (%d processes,"
                        + " 1 thread each) ...%n", round, o.rounds(), o.runs().size(), o.workers());
                double t = timeTorch(o, at);
                if (Double.isNaN(t)) {
                    out.println("bench: a PyTorch sweep process failed; log: " + tail(at.resolve("torch-0.log")));
                    return 1;
                }
                vaelab.add(v);
                torch.add(t);
                out.printf(Locale.ROOT, "bench: round %d/%d: vaelab %.1f s, PyTorch %.1f s (%.2fx)%n", round,
                        o.rounds(), v, t, v / t);
            }
            double v = SpeedBench.median(vaelab);
            double t = SpeedBench.median(torch);
            out.println();
            out.printf(Locale.ROOT, "whole sweep (%s, %d runs, %d processes each, median of %d):%n", o.specFile(),
                    o.runs().size(), o.workers(), o.rounds());
            out.printf(Locale.ROOT, "%-58s %8.1f s%n", "vaelab run (training, diagnostics, log p(x), pictures, report)",
                    v);
            out.printf(Locale.ROOT, "%-58s %8.1f s%n", "PyTorch loop (training, test ELBO per epoch)", t);
            out.printf(Locale.ROOT, "%-58s %8.2fx%n", "vaelab / PyTorch wall time", v / t);
            out.println(evalShare);
            return 0;
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Wall seconds of `vaelab run` of the sweep into {@code dir}, started as the launcher starts it; NaN if it failed. */
    private static double timeVaelab(Options o, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(o.runOptions()); // as ./vaelab run starts it
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), o.mainClass(), "run",
                o.specFile().toString(), "--workers", Integer.toString(o.workers()),
                "--results", dir.resolve("results").toString(), "--reports", dir.resolve("reports").toString(),
                "--data", o.dataRoot().toAbsolutePath().toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("vaelab.log").toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        long t0 = System.nanoTime();
        int code = pb.start().waitFor();
        double seconds = (System.nanoTime() - t0) / 1e9;
        return code == 0 ? seconds : Double.NaN;
    }

    /** Wall seconds of the plain PyTorch loop over the same runs, logs into {@code dir}; NaN if a process failed. */
    private static double timeTorch(Options o, Path dir) throws IOException, InterruptedException {
        RunConfig first = o.runs().get(0).config();
        List<List<Map<String, Object>>> shares = new ArrayList<>();
        for (int w = 0; w < o.workers(); w++) {
            shares.add(new ArrayList<>());
        }
        for (int i = 0; i < o.runs().size(); i++) {
            RunConfig c = o.runs().get(i).config();
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("latent", c.model().latentDim());
            r.put("beta", c.loss().beta());
            shares.get(i % o.workers()).add(r);
        }
        List<Process> procs = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int w = 0; w < o.workers(); w++) {
            if (shares.get(w).isEmpty()) {
                continue;
            }
            List<String> tc = new ArrayList<>(List.of(o.python(), o.torchScript().toString(), "sweep",
                    "--runs", Json.mapper().writeValueAsString(shares.get(w)),
                    "--epochs", "" + first.train().epochs(), "--batch", "" + first.train().batchSize(),
                    "--lr", "" + first.train().learningRate(), "--recon", first.loss().reconstruction().yaml(),
                    "--threads", "1", "--seed", "" + first.train().seed(),
                    "--mnist", o.dataRoot().resolve("mnist").toString()));
            if (first.dataset().subset() != null) {
                tc.addAll(List.of("--subset", "" + first.dataset().subset()));
            }
            if (first.dataset().testSubset() != null) {
                tc.addAll(List.of("--test-subset", "" + first.dataset().testSubset()));
            }
            tc.addAll(SpeedBench.torchModelArgs(first.model()));
            ProcessBuilder tp = new ProcessBuilder(tc).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("torch-" + w + ".log").toFile());
            tp.environment().remove("OPENBLAS_CORETYPE");
            procs.add(tp.start());
        }
        int failed = 0;
        for (Process p : procs) {
            failed += p.waitFor() == 0 ? 0 : 1;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return failed == 0 ? seconds : Double.NaN;
    }

    /**
     * From the vaelab sweep's own metrics, as shares of the training time, median over the epochs after the first
     * of the runs with the largest latent size (where the diagnostics cost most): the test-set evaluation (forward
     * pass and test ELBO, which the PyTorch loop computes too), the latent diagnostics (what vaelab adds: active
     * units, KL per unit, collapse, mutual information, aggregate posterior; issue 11's "per-epoch diagnostics",
     * target at most 20 %), and both together (epoch time minus training time). Metrics written before the parts
     * were recorded give the total alone.
     */
    static String evaluationShare(Path results) throws IOException {
        List<Double> total = new ArrayList<>();
        List<Double> eval = new ArrayList<>();
        List<Double> diag = new ArrayList<>();
        int[] latent = {0};
        try (Stream<Path> s = Files.walk(results)) {
            for (Path summary : s.filter(p -> p.getFileName().toString().equals("summary.json")).toList()) {
                int d = Json.mapper().readTree(summary.toFile()).at("/config/model/latent_dim").asInt();
                Path metrics = summary.resolveSibling("metrics.jsonl");
                if (d < latent[0] || !Files.isRegularFile(metrics)) {
                    continue;
                }
                if (d > latent[0]) {
                    latent[0] = d;
                    total.clear();
                    eval.clear();
                    diag.clear();
                }
                int images = Json.mapper().readTree(summary.toFile()).at("/config/dataset/subset").asInt(60000);
                for (String line : Files.readAllLines(metrics, StandardCharsets.UTF_8)) {
                    var m = Json.mapper().readTree(line);
                    if (m.get("epoch").asInt() > 1) {
                        double train = images / m.get("train_samples_per_second").asDouble();
                        total.add((m.get("epoch_seconds").asDouble() - train) / train);
                        if (m.hasNonNull("eval_seconds") && m.hasNonNull("diagnostics_seconds")) {
                            eval.add(m.get("eval_seconds").asDouble() / train);
                            diag.add(m.get("diagnostics_seconds").asDouble() / train);
                        }
                    }
                }
            }
        }
        if (total.isEmpty()) {
            return "(no epochs after the first to measure the evaluation share on)";
        }
        List<String> lines = new ArrayList<>();
        String at = ", latent " + latent[0];
        if (!eval.isEmpty()) {
            lines.add(String.format(Locale.ROOT, "%-58s %8.0f %%", "test evaluation (forward, test ELBO) / training" + at,
                    100 * SpeedBench.median(eval)));
            lines.add(String.format(Locale.ROOT, "%-58s %8.0f %%", "per-epoch diagnostics / training" + at
                    + " (target <= 20)", 100 * SpeedBench.median(diag)));
        }
        lines.add(String.format(Locale.ROOT, "%-58s %8.0f %%", "evaluation + diagnostics / training" + at,
                100 * SpeedBench.median(total)));
        return String.join(System.lineSeparator(), lines);
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    }
}
