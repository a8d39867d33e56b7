package org.vaelab.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;

/**
 * A comparison of two sweeps that vary the same keys (issue 14): the sweep splits the panels, run names say
 * their sweep, and no cross-run chart draws a line through runs of both sweeps.
 */
class ComparisonChartsTest {
    @TempDir
    Path tmp;

    @Test
    void crossRunChartsNeverJoinRunsOfTwoSweeps() throws Exception {
        List<Integer> latents = List.of(2, 8);
        List<Double> betas = List.of(1.0, 4.0);
        Path a = SyntheticSweep.write(tmp, "a", false, latents, betas);
        Path b = SyntheticSweep.write(tmp, "b", false, latents, betas);
        ReportModel m = ReportModel.of(List.of(ReportLoader.load(a), ReportLoader.load(b)));

        assertEquals(ReportModel.SWEEP_KEY, m.panelKey(), "one panel per sweep");
        assertEquals(ReportModel.BETA_KEY, m.colourKey(), "coloured as one sweep would be");
        assertTrue(m.runs().stream().allMatch(r -> r.name().startsWith(r.sweep() + ": ")), "names say the sweep");

        assertEquals(Set.of("a β=1", "a β=4", "b β=1", "b β=4"), series(SweepChartBuilder.finalVsLatent(m)));
        assertEquals(Set.of("a latent 2", "a latent 8", "b latent 2", "b latent 8"),
                series(SweepChartBuilder.activeVsBeta(m)));
        assertEquals(Set.of("a latent 2", "a latent 8", "b latent 2", "b latent 8"),
                series(SweepChartBuilder.rateDistortion(m)));
        // The curves per epoch: a panel per sweep, each holding only that sweep's runs.
        List<Figure> panels = SweepChartBuilder.epochPanels(m, "test-loss", "test −ELBO", e -> e.testLoss(), true,
                true);
        assertEquals(2, panels.size());
        assertEquals("sweep = a", panels.get(0).title());
    }

    private static Set<String> series(Figure f) {
        return Set.copyOf(((XYChart) f.chart()).getSeriesMap().keySet().stream()
                .filter(k -> !k.endsWith(" runs")).toList());
    }
}
