package org.vaelab.tracking;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.vaelab.diagnostics.Verdict;
import org.vaelab.spec.RunConfig;
import org.vaelab.spec.RunSpec;

/**
 * Writes a small seeded replicate sweep through the tracking API: model.latent_dim 8 and 32 x
 * loss.warmup.schedule none and linear x train.seed 1, 2, 3 (12 runs, 4 epochs each), the last run failed
 * with a cause holding a quote, a comma and a line break. Every number is a closed form of the run's
 * coordinates, so tests can say what each value must be: final test_loss = {@link #finalLoss}.
 */
public final class ReplicateSweep {
    public static final List<Integer> LATENTS = List.of(8, 32);
    public static final List<String> SCHEDULES = List.of("none", "linear");
    public static final List<Long> SEEDS = List.of(1L, 2L, 3L);
    public static final int EPOCHS = 4;

    private ReplicateSweep() {
    }

    /** test_loss of epoch {@code e}: falls with e, lower for linear warm-up and latent 32, a seed offset. */
    public static double loss(int latent, String schedule, long seed, int e) {
        return 100 + 40.0 / e - (latent == 32 ? 3 : 0) - (schedule.equals("linear") ? 1.5 : 0) + 0.25 * seed * seed;
    }

    /** The final epoch's test_loss. */
    public static double finalLoss(int latent, String schedule, long seed) {
        return loss(latent, schedule, seed, EPOCHS);
    }

    /** Active units at the end: all at latent 8, 20 + 2 seed at 32. */
    public static int active(int latent, long seed) {
        return latent == 8 ? 8 : (int) (20 + 2 * seed);
    }

    /** Writes the sweep under results/{@code sweep}; returns its folder. */
    public static Path write(Path results, String sweep) throws IOException {
        RunStore store = new RunStore(results, sweep);
        store.create();
        int index = 0;
        int total = LATENTS.size() * SCHEDULES.size() * SEEDS.size();
        for (int latent : LATENTS) {
            for (String schedule : SCHEDULES) {
                for (long seed : SEEDS) {
                    writeRun(store, sweep, index, latent, schedule, seed, index == total - 1);
                    index++;
                }
            }
        }
        store.writeIndex();
        return store.sweepDir();
    }

    private static void writeRun(RunStore store, String sweep, int index, int latent, String schedule, long seed,
                                 boolean failed) throws IOException {
        Map<String, Object> varied = new LinkedHashMap<>();
        varied.put("model.latent_dim", latent);
        varied.put("loss.warmup.schedule", schedule);
        varied.put("train.seed", seed);
        String id = String.format(Locale.ROOT, "%012x", 0xabc000L + index);
        String name = "latent_dim=" + latent + ",schedule=" + schedule + ",seed=" + seed;
        RunSpec spec = new RunSpec(id, name, sweep, index, varied, RunConfig.DEFAULT);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("model", new LinkedHashMap<>(Map.of("latent_dim", latent, "hidden", List.of(256, 256))));
        Map<String, Object> loss = new LinkedHashMap<>();
        loss.put("beta", 1.0);
        loss.put("warmup", new LinkedHashMap<>(Map.of("schedule", schedule, "epochs", 2)));
        config.put("loss", loss);
        config.put("train", new LinkedHashMap<>(Map.of("seed", seed, "epochs", EPOCHS)));
        RunRecorder rec = store.open(spec, config, "model:\n  latent_dim: " + latent + "\n");
        rec.updateSummary(s -> s.withStart("2026-01-01T00:00:00Z"));
        int epochs = failed ? 2 : EPOCHS;
        for (int e = 1; e <= epochs; e++) {
            double l = loss(latent, schedule, seed, e);
            double kl = 10 + e + seed;
            List<Double> klPerDim = new ArrayList<>();
            for (int d = 0; d < latent; d++) {
                klPerDim.add(kl / latent);
            }
            // aggregate posterior: means drift to 0 and sds towards 1 as epochs pass, unit u offset by u / 10
            List<Double> muMean = new ArrayList<>();
            List<Double> muStd = new ArrayList<>();
            List<Double> zMean = new ArrayList<>();
            List<Double> zStd = new ArrayList<>();
            for (int d = 0; d < latent; d++) {
                muMean.add(0.5 / e + d / 10.0);
                muStd.add(0.9 - 0.4 / e);
                zMean.add(0.5 / e + d / 10.0 + 0.01);
                zStd.add(1.0 - 0.2 / e);
            }
            rec.recordEpoch(EpochMetrics.builder(e).train(l + 1, l + 1 - kl, kl).test(l, l - kl, kl)
                    .beta(Math.min(1.0, e / 2.0)).klPerDim(klPerDim).learningRate(1e-3).epochSeconds(2.5)
                    .diagnostics(active(latent, seed), null, List.of(), 3.0 + e)
                    .latentMoments(muMean, muStd, zMean, zStd).build());
        }
        if (failed) {
            rec.updateSummary(s -> s.withEnd(RunStatus.FAILED, "OutOfMemoryError at epoch 3, \"batch 128\"\nlower"
                    + " train.batch_size", "2026-01-01T00:01:00Z", 5.0));
            return;
        }
        int a = active(latent, seed);
        rec.updateSummary(s -> s.toBuilder().verdict(a == latent ? Verdict.HEALTHY : Verdict.PARTIAL_COLLAPSE)
                .verdictDetail(a + " of " + latent + " units active").activeUnits(a)
                .testLoglik(-finalLoss(latent, schedule, seed) + 4).build()
                .withEnd(RunStatus.COMPLETED, null, "2026-01-01T00:01:00Z", 10.0));
    }
}
