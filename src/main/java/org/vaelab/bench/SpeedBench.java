package org.vaelab.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.vaelab.spec.LayerLists;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;
import org.vaelab.tracking.Json;

/**
 * {@code vaelab bench}: training speed of vaelab's real trainer against PyTorch on the same machine, model,
 * batch size and data, in one invocation. Every measurement is its own child process with its own thread
 * settings; configurations are interleaved round by round so that load from other processes falls on all of
 * them alike, and each figure is the median over rounds.
 */
public final class SpeedBench {
    /**
     * What to measure.
     *
     * @param models     mlp (the seed model 784-256-256-32) and/or conv (channels 32, 64, latent 32)
     * @param batches    batch sizes
     * @param rounds     interleaved rounds
     * @param dataRoot   folder holding mnist/ (fetched on first use)
     * @param python     interpreter with torch
     * @param torchScript bench/torch_vae.py
     */
    /** @param mainClass vaelab's entry point; a vaelab measurement is {@code mainClass bench-worker ...} */
    public record Options(List<String> models, List<Integer> batches, int rounds, Path dataRoot, String python,
                          Path torchScript, String mainClass) {
    }

    private record Config(String label, String model, int batch, String impl, int threads, int processes) {
    }

    private SpeedBench() {
    }

    /** Runs the benchmark and prints the table; returns 0, or 1 if some measurement failed. */
    public static int run(Options o, PrintStream out) throws IOException, InterruptedException {
        boolean torch = torchAvailable(o.python(), o.torchScript());
        if (!torch) {
            out.println("bench: PyTorch not available (" + o.python() + " with torch, and " + o.torchScript()
                    + "); measuring vaelab only. On Debian: apt-get install python3-torch libopenblas0-pthread");
        }
        List<Config> configs = new ArrayList<>();
        for (String m : o.models()) {
            for (int b : o.batches()) {
                configs.add(new Config("vaelab, 1 thread", m, b, "vaelab", 1, 1));
                if (torch) {
                    configs.add(new Config("PyTorch, 1 thread", m, b, "torch", 1, 1));
                    if (m.equals("mlp")) {
                        // measured slower than one thread on 2 cores for every model (docs/performance.md);
                        // kept for the seed MLP as the reminder
                        configs.add(new Config("PyTorch, 2 threads", m, b, "torch", 2, 1));
                    }
                }
            }
        }
        // A sweep's lever: two one-thread trainings at once (aggregate), as `run --workers 2` does.
        configs.add(new Config("vaelab, 2 runs at once (sum)", "mlp", 128, "vaelab", 1, 2));
        Map<Config, List<Double>> rates = new LinkedHashMap<>();
        Map<Config, Double> rss = new LinkedHashMap<>();
        int failures = 0;
        for (int r = 1; r <= o.rounds(); r++) {
            for (Config c : configs) {
                out.printf(Locale.ROOT, "bench: round %d/%d: %s %s batch %d ...%n", r, o.rounds(), c.label(), c.model(),
                        c.batch());
                try {
                    List<JsonNode> res = measure(c, o);
                    double sum = 0;
                    for (JsonNode j : res) {
                        sum += j.get("median_samples_per_s").asDouble();
                        rss.merge(c, j.get("peak_rss_mb").asDouble(), Math::max);
                    }
                    rates.computeIfAbsent(c, k -> new ArrayList<>()).add(sum);
                } catch (IOException | RuntimeException e) {
                    failures++;
                    out.println("bench: failed: " + e.getMessage());
                }
            }
        }
        out.println();
        out.printf(Locale.ROOT, "%-32s %-5s %6s %16s %14s%n", "implementation", "model", "batch", "samples/s", "peak RSS MB");
        for (Config c : configs) {
            List<Double> v = rates.getOrDefault(c, List.of());
            out.printf(Locale.ROOT, "%-32s %-5s %6d %16s %14s%n", c.label(), c.model(), c.batch(),
                    v.isEmpty() ? "failed" : String.format(Locale.ROOT, "%.0f", median(v)),
                    rss.containsKey(c) ? String.format(Locale.ROOT, "%.0f", rss.get(c)) : "-");
        }
        out.println("(median over " + o.rounds() + " interleaved rounds; load average now "
                + String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage())
                + " on " + Runtime.getRuntime().availableProcessors() + " cores; vaelab's OpenBLAS kernels: "
                + java.util.Objects.requireNonNullElse(System.getenv("OPENBLAS_CORETYPE"), "auto")
                + ", PyTorch's: its own choice)");
        return failures == 0 ? 0 : 1;
    }

    private static List<JsonNode> measure(Config c, Options o) throws IOException, InterruptedException {
        List<Process> procs = new ArrayList<>();
        for (int i = 0; i < c.processes(); i++) {
            List<String> cmd = new ArrayList<>();
            int steps = c.model().equals("mlp") ? Math.max(20, 12800 / c.batch()) : 30;
            if (c.impl().equals("vaelab")) {
                cmd.add(ProcessHandle.current().info().command().orElse("java"));
                cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
                cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), o.mainClass(), "bench-worker",
                        c.model(), "" + c.batch(), "" + steps, "3", o.dataRoot().toString()));
            } else {
                cmd.addAll(List.of(o.python(), o.torchScript().toString(), "speed", "--batch", "" + c.batch(),
                        "--threads", "" + c.threads(), "--steps", "" + steps, "--warmup", "10", "--repeats", "3",
                        "--mnist", o.dataRoot().resolve("mnist").toString()));
                cmd.addAll(torchModelArgs(EngineSpeedWorker.model(c.model())));
            }
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("OMP_NUM_THREADS", "" + c.threads());
            pb.environment().put("OPENBLAS_NUM_THREADS", "" + c.threads());
            if (!c.impl().equals("vaelab")) {
                // PyTorch runs as its users run it: Debian's OpenBLAS picks its kernels itself (the launcher's
                // OPENBLAS_CORETYPE is for the OpenBLAS bundled with ND4J).
                pb.environment().remove("OPENBLAS_CORETYPE");
            }
            procs.add(pb.start());
        }
        List<JsonNode> out = new ArrayList<>();
        for (Process p : procs) {
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            JsonNode last = null;
            for (String line : text.split("\n")) {
                if (line.startsWith("{") && line.contains("median_samples_per_s")) {
                    last = Json.mapper().readTree(line);
                }
            }
            if (last == null || last.get("median_samples_per_s").isNull()) {
                throw new IOException(c.impl() + " " + c.model() + " batch " + c.batch() + " printed no result (exit "
                        + p.exitValue() + ")");
            }
            out.add(last);
        }
        return out;
    }

    /** The torch script's flags for {@code m}: both sides train the model the vaelab worker trains. */
    static List<String> torchModelArgs(ModelSpec m) {
        if (m.encoder() == NetKind.LAYERS || m.decoder() == NetKind.LAYERS) {
            // both sides as layer lists (a shorthand side expanded), in the spec's own vocabulary
            try {
                return List.of("--encoder-layers",
                        Json.mapper().writeValueAsString(LayerLists.tree(LayerLists.encoder(m, 28, 28))),
                        "--decoder-layers",
                        Json.mapper().writeValueAsString(LayerLists.tree(LayerLists.decoder(m, 28, 28))),
                        "--latent", "" + m.latentDim());
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        return List.of("--encoder", m.encoder().yaml(), "--decoder", m.decoder().yaml(),
                "--hidden", join(m.hidden()), "--channels", join(m.channels()),
                "--latent", "" + m.latentDim(), "--activation", m.activation().yaml());
    }

    private static String join(List<Integer> v) {
        return String.join(",", v.stream().map(String::valueOf).toList());
    }

    /** Whether {@code python} imports torch and the script is there. */
    public static boolean torchAvailable(String python, Path script) {
        if (!Files.isRegularFile(script)) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(python, "-c", "import torch").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(Double::compare);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
