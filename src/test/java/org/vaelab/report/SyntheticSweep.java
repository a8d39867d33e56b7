package org.vaelab.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.vaelab.diagnostics.Verdict;
import org.vaelab.spec.RunConfig;
import org.vaelab.spec.RunSpec;
import org.vaelab.tracking.EpochMetrics;
import org.vaelab.tracking.RunRecorder;
import org.vaelab.tracking.RunStatus;
import org.vaelab.tracking.RunStore;
import org.vaelab.tracking.RunSummary;
import org.vaelab.tracking.RunVisuals;
import org.vaelab.tracking.RunVisuals.Images;

/**
 * Writes a synthetic results/&lt;sweep&gt;/ through the tracking API, shaped like a beta x latent_dim sweep:
 * 4 latent sizes x 3 betas = 12 runs, of which one diverged (NaN at epoch 7), one failed before its first epoch,
 * one collapsed completely and two partially; every completed run has visuals.json with digit-like pictures.
 * Seeded, so every call writes the same files.
 */
final class SyntheticSweep {
    static final List<Integer> LATENTS = List.of(2, 8, 32, 128);
    static final List<Double> BETAS = List.of(0.5, 1.0, 4.0);
    static final int EPOCHS = 20;
    static final String HOSTILE = "<script>console.error('xss')</script>";

    /** Final active units per (latent, beta); -1 diverged, -2 failed. */
    static int active(int latent, double beta) {
        return switch (latent) {
            case 2 -> 2;
            case 8 -> beta < 1 ? 8 : beta < 2 ? 7 : 4;
            case 32 -> beta < 1 ? -2 : beta < 2 ? 18 : 5;
            default -> beta < 1 ? -1 : beta < 2 ? 14 : 0;
        };
    }

    private SyntheticSweep() {
    }

    /** Writes the sweep under {@code results}; {@code hostile} puts markup into a run name and the description. */
    static Path write(Path results, String sweep, boolean hostile) throws IOException {
        return write(results, sweep, hostile, LATENTS, BETAS);
    }

    static Path write(Path results, String sweep, boolean hostile, List<Integer> latents, List<Double> betas)
            throws IOException {
        RunStore store = new RunStore(results, sweep);
        store.create();
        String description = "Synthetic beta x latent_dim sweep for the report tests: which units stay active as "
                + "beta grows?" + (hostile ? " " + HOSTILE + " & <b>bold</b>" : "");
        Files.writeString(store.sweepDir().resolve("spec.yaml"), "name: " + sweep + "\n"
                + "description: \"" + description.replace("\"", "\\\"") + "\"\n"
                + "model:\n  encoder: mlp\n  hidden: [256, 256]\n"
                + "sweep:\n  grid:\n    model.latent_dim: " + latents + "\n    loss.beta: " + betas + "\n");
        int index = 0;
        for (int latent : latents) {
            for (double beta : betas) {
                writeRun(store, sweep, index++, latent, beta, hostile && latent == 8 && beta == 1.0,
                        latents.size() * betas.size() > 1);
            }
        }
        store.writeIndex();
        return store.sweepDir();
    }

    private static void writeRun(RunStore store, String sweep, int index, int latent, double beta, boolean hostile,
                                 boolean varied) throws IOException {
        Map<String, Object> v = new LinkedHashMap<>();
        if (varied) {
            v.put("model.latent_dim", latent);
            v.put("loss.beta", beta);
        }
        String id = String.format(Locale.ROOT, "r%02d%08x", index, (latent * 31 + (int) (beta * 10)) * 2654435761L
                & 0xffffffffL);
        String name = "latent_dim=" + latent + ",beta=" + fmt(beta) + (hostile ? " " + HOSTILE : "");
        RunSpec spec = new RunSpec(id, name, sweep, index, v, RunConfig.DEFAULT);
        Map<String, Object> config = config(latent, beta, hostile);
        RunRecorder rec = store.open(spec, config, "model:\n  latent_dim: " + latent + "\nloss:\n  beta: " + beta
                + "\n");
        Random rnd = new Random(1000L + index);
        int a = active(latent, beta);
        rec.writeProvenance(Map.of("host", "testbox", "os", "Linux 6.1", "arch", "amd64", "cores", 2,
                "java_version", "17.0.15", "nd4j_backend", "nd4j-native (CPU)", "seed", 42 + index));
        String started = String.format(Locale.ROOT, "2024-05-01T10:%02d:00Z", index * 4);
        if (a == -2) {
            rec.updateSummary(s -> started(s, started));
            rec.updateSummary(s -> s.withEnd(RunStatus.FAILED, "OutOfMemoryError while building the graph at epoch 1"
                    + " (batch 512 x latent 32); lower train.batch_size", started.replace(":00Z", ":05Z"), 5.2));
            return;
        }
        rec.updateSummary(s -> started(s, started));
        int epochs = a == -1 ? 7 : EPOCHS;
        // The diverged run was heading for 40 active units when its loss blew up.
        int finalActive = a == -1 ? 40 : a;
        double[] finalKl = klPerDim(latent, finalActive, beta, rnd);
        double seconds = 0;
        for (int e = 1; e <= epochs; e++) {
            double t = Math.exp(-(e - 1) / 3.0);
            List<Double> kl = new ArrayList<>();
            List<Double> activity = new ArrayList<>();
            int activeNow = finalActive + (int) Math.round((latent - finalActive) * Math.exp(-(e - 1) / 2.0));
            for (int d = 0; d < latent; d++) {
                double k = finalKl[d] + (0.6 - finalKl[d]) * t;
                kl.add(round(k));
                activity.add(round(d < activeNow ? 0.4 + finalKl[d] / 4 : 1e-4 * (1 + rnd.nextDouble())));
            }
            double testKl = kl.stream().mapToDouble(Double::doubleValue).sum();
            double recon = recon(finalActive) + 330 * t + rnd.nextGaussian();
            boolean nan = a == -1 && e == epochs;
            double testLoss = nan ? Double.NaN : recon + testKl;
            double betaT = beta * Math.min(1.0, e / 5.0);
            double epochSeconds = 6 + latent / 64.0 + rnd.nextDouble();
            seconds += epochSeconds;
            EpochMetrics m = EpochMetrics.builder(e)
                    .train(round(recon - 2 + betaT * testKl), round(recon - 2), round(testKl * 1.02))
                    .test(nan ? Double.NaN : round(testLoss), nan ? Double.NaN : round(recon), round(testKl))
                    .beta(betaT).klPerDim(kl).gradNorm(nan ? 3.1e8 : round(40 * t + 5 + rnd.nextDouble()))
                    .learningRate(1e-3).epochSeconds(round(epochSeconds)).trainSamplesPerSecond(9000 + rnd.nextInt(500))
                    .diagnostics(activeNow, activity, collapsed(latent, activeNow),
                            round(Math.min(testKl, Math.log(10000)) * 0.9))
                    .build();
            rec.recordEpoch(m);
        }
        double secs = seconds;
        String finished = String.format(Locale.ROOT, "2024-05-01T10:%02d:30Z", index * 4 + 2);
        if (a == -1) {
            rec.updateSummary(s -> s.toBuilder().verdict(Verdict.DIVERGED).verdictDetail("loss became NaN").build()
                    .withEnd(RunStatus.DIVERGED, "loss became NaN at epoch 7, step 3120 (gradient norm 3.1e8); try "
                            + "a lower train.learning_rate or train.grad_clip", finished, secs));
            return;
        }
        Verdict verdict = finalActive == 0 ? Verdict.POSTERIOR_COLLAPSE
                : finalActive < latent ? Verdict.PARTIAL_COLLAPSE : Verdict.HEALTHY;
        String detail = finalActive == latent ? "all " + latent + " units active"
                : finalActive + " of " + latent + " units active";
        List<Integer> inactive = new ArrayList<>();
        for (int d = finalActive; d < latent; d++) {
            inactive.add(d);
        }
        List<Map<String, Object>> timeline = new ArrayList<>();
        for (int d : inactive.subList(0, Math.min(3, inactive.size()))) {
            timeline.add(Map.of("unit", d, "epoch", 2 + d % 4, "became", "inactive"));
        }
        double loss = rec.epochs().get(rec.epochs().size() - 1).testLoss();
        rec.updateSummary(s -> s.toBuilder().verdict(verdict).verdictDetail(detail).activeUnits(finalActive)
                .inactiveDims(inactive).timeline(timeline).testLoglik(round(-loss + 3.5))
                .extra(Map.of("loglik_seconds", 12.5)).build().withEnd(RunStatus.COMPLETED, null, finished, secs));
        rec.writeVisuals(visuals(latent, finalActive, rnd));
    }

    private static RunSummary started(RunSummary s, String started) {
        return s.withStart(started);
    }

    static Map<String, Object> config(int latent, double beta, boolean hostile) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("dataset", new LinkedHashMap<>(Map.of("name", hostile ? "mnist " + HOSTILE : "mnist")));
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("encoder", "mlp");
        model.put("decoder", "mlp");
        model.put("hidden", List.of(256, 256));
        model.put("latent_dim", latent);
        c.put("model", model);
        Map<String, Object> loss = new LinkedHashMap<>();
        loss.put("reconstruction", "bce");
        loss.put("beta", beta);
        c.put("loss", loss);
        c.put("train", new LinkedHashMap<>(Map.of("epochs", EPOCHS, "batch_size", 128, "learning_rate", 0.001)));
        c.put("eval", new LinkedHashMap<>(Map.of("active_unit_threshold", 0.01)));
        return c;
    }

    private static double recon(int active) {
        return 205 - 32 * Math.log(1 + 1.4 * active);
    }

    private static double[] klPerDim(int latent, int active, double beta, Random rnd) {
        double[] kl = new double[latent];
        for (int d = 0; d < latent; d++) {
            kl[d] = d < active ? (5.5 / Math.sqrt(beta)) * Math.exp(-1.6 * d / Math.max(1, active)) + 0.7
                    + 0.2 * rnd.nextDouble() : 0.0004 + 0.004 * rnd.nextDouble();
        }
        return kl;
    }

    private static List<Integer> collapsed(int latent, int active) {
        List<Integer> out = new ArrayList<>();
        for (int d = active; d < latent; d++) {
            out.add(d);
        }
        return out;
    }

    // ------------------------------------------------------------------ pictures

    static RunVisuals visuals(int latent, int active, Random rnd) {
        float[][] digits = new float[10][];
        for (int k = 0; k < 10; k++) {
            digits[k] = digit(k);
        }
        float blur = active == 0 ? 1f : 0.25f;
        int n = 10;
        int[] labels = new int[n];
        float[] orig = new float[n * 784];
        float[] rec = new float[n * 784];
        for (int i = 0; i < n; i++) {
            labels[i] = (i * 7 + 3) % 10;
            float[] o = shift(digits[labels[i]], rnd.nextInt(3) - 1);
            System.arraycopy(o, 0, orig, i * 784, 784);
            float[] r = active == 0 ? mean(digits) : blend(o, blur(o), 1 - blur);
            System.arraycopy(r, 0, rec, i * 784, 784);
        }
        float[] samples = new float[64 * 784];
        for (int i = 0; i < 64; i++) {
            float[] s = active == 0 ? mean(digits)
                    : blur(blend(digits[rnd.nextInt(10)], digits[rnd.nextInt(10)], rnd.nextFloat() * 0.5f));
            System.arraycopy(s, 0, samples, i * 784, 784);
        }
        List<Double> values = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            values.add(-3 + 0.75 * i);
        }
        List<RunVisuals.Traversal> trav = new ArrayList<>();
        for (int u = 0; u < Math.min(5, active); u++) {
            float[] t = new float[9 * 784];
            for (int i = 0; i < 9; i++) {
                System.arraycopy(blur(blend(digits[u], digits[(u + 3) % 10], i / 8f)), 0, t, i * 784, 784);
            }
            trav.add(new RunVisuals.Traversal(u, round(1.5 / (1 + u)), Images.of(t, 9, 28, 28, null)));
        }
        float[] path = new float[10 * 784];
        for (int i = 0; i < 10; i++) {
            System.arraycopy(blur(blend(digits[7], digits[2], i / 9f)), 0, path, i * 784, 784);
        }
        float[] ends = new float[2 * 784];
        System.arraycopy(digits[7], 0, ends, 0, 784);
        System.arraycopy(digits[2], 0, ends, 784, 784);
        RunVisuals.LatentGrid grid = null;
        if (latent == 2) {
            int g = 15;
            List<Double> q = new ArrayList<>();
            float[] img = new float[g * g * 784];
            for (int i = 0; i < g; i++) {
                q.add(round(normalQuantile(0.05 + 0.9 * i / (g - 1))));
            }
            for (int r = 0; r < g; r++) {
                for (int c = 0; c < g; c++) {
                    float fx = c / (g - 1f);
                    float fy = r / (g - 1f);
                    float[] top = blend(digits[0], digits[1], fx);
                    float[] bottom = blend(digits[7], digits[3], fx);
                    System.arraycopy(blur(blend(top, bottom, fy)), 0, img, (r * g + c) * 784, 784);
                }
            }
            grid = new RunVisuals.LatentGrid(q, Images.of(img, g * g, 28, 28, null));
        }
        int pts = 1000;
        double[] x = new double[pts];
        double[] y = new double[pts];
        int[] lab = new int[pts];
        for (int i = 0; i < pts; i++) {
            lab[i] = i % 10;
            double ang = 2 * Math.PI * lab[i] / 10;
            double spread = active == 0 ? 0.05 : 0.45;
            double radius = active == 0 ? 0.02 : 1.6;
            x[i] = radius * Math.cos(ang) + spread * rnd.nextGaussian();
            y[i] = radius * Math.sin(ang) + spread * rnd.nextGaussian();
        }
        String method = latent == 2 ? "latent" : latent == 8 ? "pca" : "active_units";
        RunVisuals.LatentScatter scatter = RunVisuals.LatentScatter.of(method,
                method.equals("pca") ? List.of() : List.of(0, 1),
                method.equals("latent") ? "z0" : method.equals("pca") ? "PC1 (38% of variance)" : "z0 (A=1.50)",
                method.equals("latent") ? "z1" : method.equals("pca") ? "PC2 (21% of variance)" : "z1 (A=0.75)",
                method.equals("pca") ? List.of(0.38, 0.21) : null, x, y, lab);
        List<RunVisuals.LatentHistogram> hist = new ArrayList<>();
        for (int u = 0; u < Math.min(latent, 3); u++) {
            double[] vals = new double[2000];
            double sd = u < active ? 0.8 + 0.1 * u : 1.0;
            for (int i = 0; i < vals.length; i++) {
                vals[i] = 0.1 + sd * rnd.nextGaussian();
            }
            hist.add(RunVisuals.LatentHistogram.of(u, "sampled", vals, -4, 4, 40));
        }
        List<RunVisuals.LatentMoments> moments = new ArrayList<>();
        for (int e = 1; e <= EPOCHS; e++) {
            List<Double> mean = new ArrayList<>();
            List<Double> std = new ArrayList<>();
            for (int d = 0; d < latent; d++) {
                mean.add(round(0.3 * Math.exp(-e / 4.0) * (d % 2 == 0 ? 1 : -1)));
                std.add(round(d < active ? 0.85 - 0.5 * Math.exp(-e / 3.0) + 0.02 * d : 1 - 0.6 * Math.exp(-e)));
            }
            moments.add(new RunVisuals.LatentMoments(e, mean, std));
        }
        return new RunVisuals(RunVisuals.FORMAT, EPOCHS, 28, 28, Images.of(orig, n, 28, 28, labels),
                Images.of(rec, n, 28, 28, null), Images.of(samples, 64, 28, 28, null), 7L,
                trav.isEmpty() ? null : new RunVisuals.Traversals("zero", null, values, trav),
                new RunVisuals.Interpolation(3, 8, 7, 2, Images.of(ends, 2, 28, 28, new int[] {7, 2}),
                        Images.of(path, 10, 28, 28, null)),
                grid, scatter, hist, moments);
    }

    /** A digit glyph drawn into 28x28, values in [0, 1]; stands in for an MNIST image. */
    static float[] digit(int k) {
        BufferedImage im = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = im.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.BLACK);
        g.fillRect(0, 0, 28, 28);
        g.setColor(Color.WHITE);
        g.setFont(new Font("DejaVu Sans", Font.BOLD, 22));
        String s = Integer.toString(k);
        int w = g.getFontMetrics().stringWidth(s);
        g.drawString(s, (28 - w) / 2, 22);
        g.dispose();
        float[] out = new float[784];
        int[] px = im.getRaster().getPixels(0, 0, 28, 28, (int[]) null);
        for (int i = 0; i < 784; i++) {
            out[i] = px[i] / 255f;
        }
        return out;
    }

    private static float[] shift(float[] a, int dx) {
        float[] out = new float[784];
        for (int r = 0; r < 28; r++) {
            for (int c = 0; c < 28; c++) {
                int cc = c - dx;
                out[r * 28 + c] = cc >= 0 && cc < 28 ? a[r * 28 + cc] : 0;
            }
        }
        return out;
    }

    private static float[] blur(float[] a) {
        float[] out = new float[784];
        for (int r = 0; r < 28; r++) {
            for (int c = 0; c < 28; c++) {
                float s = 0;
                int n = 0;
                for (int dr = -1; dr <= 1; dr++) {
                    for (int dc = -1; dc <= 1; dc++) {
                        int rr = r + dr;
                        int cc = c + dc;
                        if (rr >= 0 && rr < 28 && cc >= 0 && cc < 28) {
                            s += a[rr * 28 + cc];
                            n++;
                        }
                    }
                }
                out[r * 28 + c] = s / n;
            }
        }
        return out;
    }

    private static float[] blend(float[] a, float[] b, float t) {
        float[] out = new float[784];
        for (int i = 0; i < 784; i++) {
            out[i] = (1 - t) * a[i] + t * b[i];
        }
        return out;
    }

    private static float[] mean(float[][] all) {
        float[] out = new float[784];
        for (float[] a : all) {
            for (int i = 0; i < 784; i++) {
                out[i] += a[i] / all.length;
            }
        }
        return blur(out);
    }

    /** The standard normal quantile by bisection on its CDF: exact enough for grid positions in a test. */
    private static double normalQuantile(double p) {
        double lo = -8;
        double hi = 8;
        for (int i = 0; i < 80; i++) {
            double mid = (lo + hi) / 2;
            if (cdf(mid) < p) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    private static double cdf(double x) {
        return 0.5 * (1 + org.apache.commons.math3.special.Erf.erf(x / Math.sqrt(2)));
    }

    private static double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 1e4) / 1e4 : v;
    }

    private static String fmt(double b) {
        return b == Math.rint(b) ? Long.toString((long) b) : Double.toString(b);
    }
}
