package org.vaelab.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vaelab.report.SweepChartBuilderTest.figureIds;
import static org.vaelab.report.SweepChartBuilderTest.group;
import static org.vaelab.report.SweepChartBuilderTest.ids;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.vaelab.report.ReportModel.RunEntry;
import org.vaelab.tracking.EpochMetrics;
import org.vaelab.tracking.RunSummary;

/** A run page's charts on the runs of a synthetic beta x latent_dim sweep. */
class RunChartBuilderTest {
    @TempDir
    static Path tmp;
    static ReportModel full;
    @BeforeAll
    static void writeSweep() throws Exception {
        full = ReportModel.of(List.of(ReportLoader.load(SyntheticSweep.write(tmp.resolve("results"), "beta-sweep",
                false))));
    }
    @Test
    void runPagesShowWhatTheRunHas() {
        List<Figure.Group> two = RunChartBuilder.groups(full, run("latent_dim=2,beta=1"));
        assertEquals(List.of("curves", "latent", "pictures", "latent-scatter", "aggregate-posterior"), ids(two));
        assertEquals(List.of("reconstructions", "prior-samples", "traversals", "interpolation", "latent-grid"),
                figureIds(group(two, "pictures")));
        assertEquals(List.of("loss", "recon", "kl", "beta", "active-units", "mutual-info", "grad-norm", "epoch-time"),
                figureIds(group(two, "curves")), "constant learning rate left out; β warms up");
        assertEquals(List.of("hist-z0", "hist-z1", "moments-mean", "moments-sd"),
                figureIds(group(two, "aggregate-posterior")));

        List<Figure.Group> eight = RunChartBuilder.groups(full, run("latent_dim=8,beta=1"));
        assertFalse(figureIds(group(eight, "pictures")).contains("latent-grid"), "grid only at latent_dim 2");

        List<Figure.Group> collapsed = RunChartBuilder.groups(full, run("latent_dim=128,beta=4"));
        assertFalse(figureIds(group(collapsed, "pictures")).contains("traversals"), "no active unit to traverse");

        assertEquals(List.of(), RunChartBuilder.groups(full, run("latent_dim=32,beta=0.5")), "failed before epoch 1");
        assertEquals(List.of("curves", "latent"), ids(RunChartBuilder.groups(full, run("latent_dim=128,beta=0.5"))),
                "diverged: curves up to the NaN, no pictures");
    }
    @Test
    void perEpochMomentsOfMuAndSampledZAreChartedAgainstZeroAndOne() throws Exception {
        ReportModel rep = ReportModel.of(List.of(ReportLoader.load(org.vaelab.tracking.ReplicateSweep.write(
                tmp.resolve("rep"), "warm"))));
        RunEntry r = rep.runs().get(0); // latent 8, no visuals.json: the per-epoch charts still show
        Figure.Group g = group(RunChartBuilder.groups(rep, r), "aggregate-posterior");
        assertEquals(List.of("moments-mu-mean", "moments-mu-sd", "moments-z-mean", "moments-z-sd"),
                figureIds(g));
        org.knowm.xchart.XYChart zsd = (org.knowm.xchart.XYChart) g.figures().get(3).chart();
        assertEquals(List.of(1.0, 1.0), java.util.Arrays.stream(zsd.getSeriesMap().get("prior").getYData()).boxed()
                .toList(), "the prior's sd");
        // zStd = 1 - 0.2 / epoch for every unit, epochs 1..4
        assertEquals(List.of(0.8, 0.9, 1.0 - 0.2 / 3, 0.95), java.util.Arrays.stream(zsd.getSeriesMap().get("z0")
                .getYData()).boxed().toList());
        org.knowm.xchart.XYChart mean = (org.knowm.xchart.XYChart) g.figures().get(0).chart();
        assertEquals(0.0, mean.getSeriesMap().get("prior").getYData()[0], 0);
        assertEquals(RunFigures.MAX_UNITS, mean.getSeriesMap().size() - 1, "the most active units, not all 8");
    }
    @Test
    void inactiveUnitsComeFromTheSummary() {
        RunEntry r = run("latent_dim=8,beta=4");
        assertEquals(java.util.Set.of(4, 5, 6, 7), RunChartBuilder.inactive(r));
    }
    private static RunEntry run(String name) {
        return full.runs().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void nonFiniteValuesAreDroppedFromCurves() {
        RunEntry diverged = run("latent_dim=128,beta=0.5");
        double[][] xy = ChartStyler.series(diverged.data().epochs(), EpochMetrics::testLoss);
        assertEquals(6, xy[0].length, "epoch 7's NaN is not a point");
    }}
