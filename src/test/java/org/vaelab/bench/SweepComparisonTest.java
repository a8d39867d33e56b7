package org.vaelab.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.spec.RunSpec;
import org.vaelab.spec.yaml.SpecLoader;
import org.vaelab.sweep.SweepExpander;

/** What the sweep comparison agrees to time, and the evaluation share it reads back from a sweep's metrics. */
class SweepComparisonTest {

    private static List<RunSpec> runs(String yaml) throws Exception {
        return SweepExpander.expand(SpecLoader.parse(yaml, "t.yaml", List.of()));
    }

    @Test
    void theBetaSweepShapeIsComparableButWarmupIsNot() throws Exception {
        assertNull(SweepComparison.unsupported(runs("""
                name: b
                sweep: {grid: {model.latent_dim: [2, 8], loss.beta: [0.5, 4.0]}}
                """)));
        assertNotNull(SweepComparison.unsupported(runs("""
                name: w
                loss: {warmup: {schedule: linear, epochs: 3}}
                sweep: {grid: {model.latent_dim: [2, 8]}}
                """)));
        assertNotNull(SweepComparison.unsupported(runs("""
                name: h
                sweep: {grid: {model.hidden: [[64], [128]]}}
                """)));
    }

    @Test
    void evaluationShareUsesTheLargestLatentSizeAndSkipsTheFirstEpoch(@TempDir Path dir) throws Exception {
        // latent 8: 1000 images at 500/s = 2 s of training; epochs of 3 s leave 1 s of evaluation = 50 %
        write(dir.resolve("s/a"), 8, 1000, new double[][]{{1, 10, 100}, {2, 3, 500}, {3, 3, 500}});
        write(dir.resolve("s/b"), 2, 1000, new double[][]{{1, 10, 100}, {2, 9, 500}});
        String line = SweepComparison.evaluationShare(dir);
        assertTrue(line.contains("latent 8"), line);
        assertTrue(line.trim().endsWith("50 %"), line);
        assertFalse(line.contains("per-epoch diagnostics"), "metrics without the parts give the total alone: " + line);
    }

    @Test
    void evaluationShareSplitsTestEvaluationFromDiagnostics(@TempDir Path dir) throws Exception {
        // 2 s of training per epoch; of the 1 s beyond it, 0.6 s test evaluation (30 %) and 0.3 s diagnostics
        // (15 %); the other 0.1 s (building the metrics) only the total counts (50 %)
        write(dir.resolve("s/a"), 16, 1000, new double[][]{{1, 10, 100, 5, 4}, {2, 3, 500, 0.6, 0.3},
                {3, 3, 500, 0.6, 0.3}});
        String[] lines = SweepComparison.evaluationShare(dir).split("\\R");
        assertEquals(3, lines.length, String.join("|", lines));
        assertTrue(lines[0].startsWith("test evaluation") && lines[0].trim().endsWith(" 30 %"), lines[0]);
        assertTrue(lines[1].startsWith("per-epoch diagnostics") && lines[1].contains("latent 16")
                && lines[1].trim().endsWith(" 15 %"), lines[1]);
        assertTrue(lines[2].startsWith("evaluation + diagnostics") && lines[2].trim().endsWith(" 50 %"), lines[2]);
    }

    private static void write(Path run, int latent, int images, double[][] epochs) throws Exception {
        Files.createDirectories(run);
        Files.writeString(run.resolve("summary.json"),
                "{\"config\": {\"model\": {\"latent_dim\": " + latent + "}, \"dataset\": {\"subset\": " + images + "}}}");
        StringBuilder sb = new StringBuilder();
        for (double[] e : epochs) {
            sb.append("{\"epoch\": ").append((int) e[0]).append(", \"epoch_seconds\": ").append(e[1])
                    .append(", \"train_samples_per_second\": ").append(e[2]);
            if (e.length > 3) {
                sb.append(", \"eval_seconds\": ").append(e[3]).append(", \"diagnostics_seconds\": ").append(e[4]);
            }
            sb.append("}\n");
        }
        Files.writeString(run.resolve("metrics.jsonl"), sb.toString());
    }
}
