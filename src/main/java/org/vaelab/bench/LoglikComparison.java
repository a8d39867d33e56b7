package org.vaelab.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.vaelab.tracking.Json;

/**
 * The importance-sampled log-likelihood's cost, vaelab ({@link LoglikWorker}) against PyTorch with one thread
 * (bench/torch_vae.py {@code loglik}), each in its own process, interleaved over rounds; medians are printed.
 */
public final class LoglikComparison {
    /**
     * What to measure.
     *
     * @param model       mlp or conv (the bench models)
     * @param examples    test images
     * @param samples     importance samples per image
     * @param rounds      interleaved rounds
     * @param dataRoot    folder holding mnist/
     * @param python      interpreter with torch, or null to measure vaelab alone
     * @param torchScript bench/torch_vae.py
     * @param mainClass   the CLI entry point
     */
    public record Options(String model, int examples, int samples, int rounds, Path dataRoot, String python,
                          Path torchScript, String mainClass) {
    }

    private LoglikComparison() {
    }

    /** Measures and prints; returns 0, or 1 when a measurement failed. */
    public static int run(Options o, PrintStream out) throws IOException, InterruptedException {
        List<Double> vaelab = new ArrayList<>();
        List<Double> torch = new ArrayList<>();
        String engine = "?";
        int failures = 0;
        for (int r = 1; r <= o.rounds(); r++) {
            out.printf(Locale.ROOT, "bench: round %d/%d: log p(x) of the %s model, %d samples x %d test images ...%n",
                    r, o.rounds(), o.model(), o.samples(), o.examples());
            List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command().orElse("java"));
            cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), o.mainClass(), "bench-loglik", o.model(),
                    "" + o.examples(), "" + o.samples(), o.dataRoot().toString()));
            JsonNode v = last(cmd, false);
            if (v == null) {
                failures++;
            } else {
                vaelab.add(v.get("seconds").asDouble());
                engine = v.get("engine").asText();
            }
            if (o.python() != null) {
                List<String> tc = new ArrayList<>(List.of(o.python(), o.torchScript().toString(), "loglik",
                        "--threads", "1", "--examples", "" + o.examples(), "--samples", "" + o.samples(),
                        "--mnist", o.dataRoot().resolve("mnist").toString()));
                tc.addAll(SpeedBench.torchModelArgs(EngineSpeedWorker.model(o.model())));
                JsonNode t = last(tc, true);
                if (t == null) {
                    failures++;
                } else {
                    torch.add(t.get("seconds").asDouble());
                }
            }
        }
        out.println();
        out.printf(Locale.ROOT, "log p(x), %s model, %d importance samples x %d test images (median of %d):%n",
                o.model(), o.samples(), o.examples(), o.rounds());
        if (!vaelab.isEmpty()) {
            out.printf(Locale.ROOT, "%-32s %8.2f s   (engine %s)%n", "vaelab, 1 thread", SpeedBench.median(vaelab),
                    engine);
        }
        if (!torch.isEmpty()) {
            out.printf(Locale.ROOT, "%-32s %8.2f s%n", "PyTorch, 1 thread", SpeedBench.median(torch));
        }
        if (!vaelab.isEmpty() && !torch.isEmpty()) {
            out.printf(Locale.ROOT, "%-32s %8.2fx PyTorch's speed%n", "vaelab",
                    SpeedBench.median(torch) / SpeedBench.median(vaelab));
        }
        return failures == 0 ? 0 : 1;
    }

    private static JsonNode last(List<String> cmd, boolean torch) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        if (torch) {
            pb.environment().remove("OPENBLAS_CORETYPE");
        }
        Process p = pb.start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        JsonNode found = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("{") && line.contains("\"loglik\"")) {
                found = Json.mapper().readTree(line);
            }
        }
        return found;
    }
}
