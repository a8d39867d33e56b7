package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.data.IdxFiles;

/**
 * Issue 14's "comparisons that compare", through the command line: `report A B` of two sweeps that vary the
 * same key but differ in their base configs.
 */
class CompareSweepsTest {
    @TempDir
    Path tmp;

    @Test
    void theSweepIsARealVariedKeyAndTheDifferencesAreNamed() throws IOException {
        Path idx = tmp.resolve("idx");
        int[] train = new int[80];
        int[] test = new int[30];
        Arrays.setAll(train, i -> i % 10);
        Arrays.setAll(test, i -> i % 10);
        IdxFiles.writeSet(idx, "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                IdxFiles.synthetic(train, 8, 8, 1), false);
        IdxFiles.writeSet(idx, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
                IdxFiles.synthetic(test, 8, 8, 2), false);
        Path results = tmp.resolve("results");
        Path reports = tmp.resolve("reports");
        String[][] sweeps = {{"big", "80", "10"}, {"small", "40", "5"}};
        for (String[] s : sweeps) {
            Path spec = Files.writeString(tmp.resolve(s[0] + ".yaml"), """
                    name: %s
                    dataset: {name: idx, path: %s, subset: %s}
                    model: {hidden: [8]}
                    train: {epochs: 1, batch_size: 40}
                    eval: {loglik_samples: %s, loglik_subset: 10}
                    sweep:
                      grid: {model.latent_dim: [2, 3]}
                    """.formatted(s[0], idx, s[1], s[2]));
            CliTest.Outcome o = CliTest.vaelab("run", spec.toString(), "--workers", "1", "--results",
                    results.toString(), "--reports", reports.toString());
            assertEquals(ExitCodes.OK, o.code(), o.err());
        }
        CliTest.Outcome o = CliTest.vaelab("report", results.resolve("big").toString(),
                results.resolve("small").toString(), "--reports", reports.toString());
        assertEquals(ExitCodes.OK, o.code(), o.err());
        String page = Files.readString(reports.resolve("big+small/index.html"));

        // Run names (table, callouts, legends) say which sweep.
        assertTrue(page.contains("big: latent_dim=2") && page.contains("small: latent_dim=2"), "names with sweep");
        // The base-config keys that differ, and the different log p(x) sample counts, are named.
        assertTrue(page.contains("The sweeps differ beyond their varied keys"), "differences callout");
        assertTrue(page.contains("dataset.subset: big 80 · small 40"), "subset difference");
        assertTrue(page.contains("eval.loglik_samples: big 10 · small 5"), "sample-count difference");
        assertFalse(page.contains("train.epochs: big"), "equal keys are not listed");
        assertTrue(page.contains("log p(x) estimated with different sample counts"), "log p(x) warning");
        // Curves: one panel per sweep (the sweep is the panel key), so equal latent sizes never share a panel.
        assertTrue(page.contains("sweep = big") && page.contains("sweep = small"), "a panel per sweep");
        // Chart text is drawn as glyph outlines, so the lines per sweep are checked on the charts themselves in
        // report.ComparisonChartsTest.
        assertTrue(page.contains("id=\"fig-final-vs-latent\""), "the chart is drawn");
    }
}
