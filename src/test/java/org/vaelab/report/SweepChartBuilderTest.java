package org.vaelab.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.vaelab.tracking.RunStatus;
import org.vaelab.tracking.RunSummary;

/** The sweep page's charts on a synthetic beta x latent_dim sweep and on small in-memory sweeps. */
class SweepChartBuilderTest {
    @TempDir
    static Path tmp;
    static ReportModel full;
    @BeforeAll
    static void writeSweep() throws Exception {
        full = ReportModel.of(List.of(ReportLoader.load(SyntheticSweep.write(tmp.resolve("results"), "beta-sweep",
                false))));
    }
    @Test
    void betaByLatentSweepHasEveryChart() {
        List<Figure.Group> groups = SweepChartBuilder.groups(full);
        assertEquals(List.of("test-loss", "kl", "active-units", "across", "kl-per-dim"), ids(groups));
        Figure.Group loss = group(groups, "test-loss");
        assertEquals(List.of("latent_dim = 2", "latent_dim = 8", "latent_dim = 32", "latent_dim = 128"),
                loss.figures().stream().map(Figure::title).toList());
        assertEquals(4, loss.columns(), "four panels line up in one row");
        // The failed run has no epochs: latent 32 has two curves; latent 128 keeps the diverged run's curve.
        assertEquals(List.of(3, 3, 2, 3), loss.figures().stream()
                .map(f -> ((XYChart) f.chart()).getSeriesMap().size()).toList());
        assertEquals(List.of("rate-distortion", "final-vs-latent", "active-vs-beta"),
                group(groups, "across").figures().stream().map(Figure::id).toList());
        Figure heat = group(groups, "kl-per-dim").figures().get(0);
        assertNotNull(heat.image());
        assertTrue(heat.image().getHeight() >= 11 * 22, "one 22 px row per run with KL (the failed one has none)");
    }
    @Test
    void acrossRunChartsUseCompletedRunsOnly() {
        XYChart rd = (XYChart) SweepChartBuilder.rateDistortion(full).chart();
        int points = rd.getSeriesMap().values().stream().mapToInt(s -> s.getXData().length).sum();
        assertEquals(10, points, "12 runs minus the failed and the diverged one");
        assertEquals(List.of("latent 2", "latent 8", "latent 32", "latent 128"), List.copyOf(rd.getSeriesMap().keySet()));
        XYChart fl = (XYChart) SweepChartBuilder.finalVsLatent(full).chart();
        assertEquals(List.of("β=0.5", "β=1", "β=4"), List.copyOf(fl.getSeriesMap().keySet()));
        assertEquals(2, fl.getSeriesMap().get("β=0.5").getXData().length, "β=0.5 lost latent 32 and 128");
    }
    @Test
    void chartsThatDoNotApplyAreLeftOut() throws Exception {
        ReportModel latentOnly = load("latent-only", List.of(2, 8, 32), List.of(1.0));
        List<Figure.Group> g = SweepChartBuilder.groups(latentOnly);
        assertEquals(List.of("rate-distortion", "final-vs-latent"), figureIds(group(g, "across")));
        assertEquals(1, group(g, "test-loss").figures().size(), "nothing to split panels by");

        ReportModel betaOnly = load("beta-only", List.of(8), List.of(0.5, 1.0, 4.0));
        assertEquals(List.of("rate-distortion", "active-vs-beta"),
                figureIds(group(SweepChartBuilder.groups(betaOnly), "across")));

        ReportModel single = load("single", List.of(8), List.of(1.0));
        List<Figure.Group> s = SweepChartBuilder.groups(single);
        assertFalse(ids(s).contains("across"), "one run has nothing to compare");
        assertTrue(ids(s).contains("test-loss") && ids(s).contains("kl-per-dim"));

        ReportModel bare = ReportModel.of(List.of(new SweepData("bare", null, null, List.of(
                bareRun(0, 1.0), bareRun(1, 2.0)), List.of())));
        List<Figure.Group> b = SweepChartBuilder.groups(bare);
        assertFalse(ids(b).contains("active-units"), "no diagnostics recorded");
        assertFalse(ids(b).contains("kl-per-dim"), "no KL per dimension recorded");
        assertTrue(ids(b).contains("test-loss"));
    }
    @Test
    void replicatesAreAveragedOnTheFinalMetricLine() {
        // Two seeds per beta, four latent sizes in one sweep: stub runs in memory.
        List<RunData> runs = new ArrayList<>();
        int i = 0;
        for (int latent : List.of(2, 8)) {
            for (int seed : List.of(1, 2)) {
                runs.add(finished(i++, latent, seed, 100.0 + latent + seed));
            }
        }
        ReportModel m = ReportModel.of(List.of(new SweepData("rep", null, null, runs, List.of())));
        XYChart c = (XYChart) SweepChartBuilder.finalVsLatent(m).chart();
        assertEquals(List.of("runs", "runs runs"), List.copyOf(c.getSeriesMap().keySet()));
        double[] mean = c.getSeriesMap().get("runs").getYData();
        assertEquals(103.5, mean[0], 1e-9);
        assertEquals(109.5, mean[1], 1e-9);
        assertEquals(4, c.getSeriesMap().get("runs runs").getYData().length, "every run still shown");
    }

    /** An epoch with the given losses, gradient norm 3, learning rate 1e-3, 1 s and 100 samples/s. */
    static EpochMetrics.Builder epoch(int e, double beta) {
        return EpochMetrics.builder(e).beta(beta).gradNorm(3).learningRate(1e-3).epochSeconds(1)
                .trainSamplesPerSecond(100);
    }

    static RunData finished(int index, int latent, int seed, double loss) {
        EpochMetrics e = epoch(1, 1).train(loss, loss - 10, 10).test(loss, loss - 10, 10).build();
        RunSummary s = RunSummary.builder("f" + index, "latent=" + latent + ",seed=" + seed, "rep", index)
                .status(RunStatus.COMPLETED).varied(Map.of("model.latent_dim", latent, "train.seed", seed))
                .config(Map.of("model", Map.of("latent_dim", latent), "train", Map.of("seed", seed)))
                .epochsCompleted(1).finalMetrics(e).seconds(1).build();
        return new RunData(s, List.of(e), null, Map.of(), null, List.of());
    }
    @Test
    void everyChartOfTwoNeighbouringLatentSizesDraws() throws Exception {
        // latent_dim 2 and 3 span less than an octave: the log2 axis once gave XChart an empty tick label,
        // which threw and cost the whole report.
        ReportModel near = load("near", List.of(2, 3), List.of(1.0, 4.0));
        for (Figure.Group g : SweepChartBuilder.groups(near)) {
            for (Figure f : g.figures()) {
                if (f.chart() != null) {
                    assertTrue(FigureEncoder.svg(f.chart(), f.id()).contains("<svg"), f.id());
                }
            }
        }
        assertNotNull(figure(SweepChartBuilder.groups(near), "across", "final-vs-latent"));
        var near23 = ChartStyler.log2Labels(new double[] {2, 3});
        assertEquals("2", near23.apply(1.0));
        assertEquals("3", near23.apply(ChartStyler.log2(3)));
        assertEquals("2.3", near23.apply(1.2));
        var wide = ChartStyler.log2Labels(new double[] {2, 8, 128});
        assertEquals("8", wide.apply(3.0));
        assertEquals(" ", wide.apply(3.5), "between powers of two: blank, but not empty");
    }
    @Test
    void seedsAreReplicatesThatShareTheirConditionsColour() {
        List<RunData> runs = new ArrayList<>();
        int i = 0;
        for (String schedule : List.of("none", "linear")) {
            for (int seed = 1; seed <= 3; seed++) {
                runs.add(seededRun(i++, schedule, seed));
            }
        }
        ReportModel m = ReportModel.of(List.of(new SweepData("warm", null, null, runs, List.of())));
        assertEquals("loss.warmup.schedule", m.colourKey(), "coloured by the condition, not the seed");
        XYChart c = (XYChart) SweepChartBuilder.epochPanels(m, "t", "loss", EpochMetrics::testLoss, true, true).get(0)
                .chart();
        // Issue 15: a condition's seeds are one mean curve in a min–max band, not three thin lines.
        assertEquals(4, c.getSeriesMap().size(), "a band and a mean curve per condition");
        assertEquals(java.util.Set.of("schedule=none", "schedule=linear"), c.getSeriesMap().values().stream()
                .filter(s -> s.isShowInLegend()).map(s -> s.getName()).collect(java.util.stream.Collectors.toSet()));
        assertEquals(2, c.getSeriesMap().values().stream().filter(s -> s.isShowInLegend()).count(),
                "one legend entry per condition");
        // test loss = 201 - epoch - seed for seeds 1..3: mean 199 - e, band from 198 - e to 200 - e
        org.knowm.xchart.XYSeries mean = c.getSeriesMap().get("schedule=none");
        assertEquals(List.of(198.0, 197.0, 196.0), java.util.Arrays.stream(mean.getYData()).boxed().toList());
        org.knowm.xchart.XYSeries band = c.getSeriesMap().get("schedule=none min–max");
        assertEquals(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.PolygonArea, band.getXYSeriesRenderStyle());
        assertEquals(List.of(199.0, 198.0, 197.0, 195.0, 196.0, 197.0),
                java.util.Arrays.stream(band.getYData()).boxed().toList(), "max along the top, min back along the bottom");
        assertEquals(mean.getLineColor().getRGB() & 0xffffff, band.getFillColor().getRGB() & 0xffffff,
                "the band has its condition's colour");
    }

    @Test
    void anIncompleteSeedStaysADashedCurveBesideItsConditionsBand() {
        List<RunData> runs = new ArrayList<>();
        for (int seed = 1; seed <= 3; seed++) {
            runs.add(seededRun(seed - 1, "none", seed));
        }
        RunData failed = seededRun(3, "none", 4);
        runs.add(new RunData(failed.summary().toBuilder().status(RunStatus.FAILED).build(), failed.epochs(), null,
                Map.of(), null, List.of()));
        runs.add(seededRun(4, "linear", 1));
        ReportModel m = ReportModel.of(List.of(new SweepData("warm", null, null, runs, List.of())));
        XYChart c = (XYChart) SweepChartBuilder.epochPanels(m, "t", "loss", EpochMetrics::testLoss, true, true).get(0)
                .chart();
        // none: band + mean + the failed seed's own curve; linear: one run, its own curve
        assertEquals(4, c.getSeriesMap().size(), String.valueOf(c.getSeriesMap().keySet()));
        assertEquals(List.of(198.0, 197.0, 196.0), java.util.Arrays.stream(c.getSeriesMap().get("schedule=none")
                .getYData()).boxed().toList(), "the failed seed is not in the mean");
        assertEquals(2, c.getSeriesMap().values().stream().filter(s -> s.isShowInLegend()).count());
    }

    @Test
    void acrossRunChartsOfSeedsPlotMeansWithErrorBars() {
        List<RunData> runs = new ArrayList<>();
        int i = 0;
        for (int latent : List.of(2, 8)) {
            for (int seed : List.of(1, 2, 3)) {
                runs.add(finished(i++, latent, seed, 100.0 + latent + seed));
            }
        }
        ReportModel m = ReportModel.of(List.of(new SweepData("rep", null, null, runs, List.of())));
        XYChart fl = (XYChart) SweepChartBuilder.finalVsLatent(m).chart();
        org.knowm.xchart.XYSeries line = fl.getSeriesMap().get("runs");
        assertEquals(List.of(104.0, 110.0), java.util.Arrays.stream(line.getYData()).boxed().toList());
        assertEquals(List.of(1.0, 1.0), java.util.Arrays.stream(line.getExtraValues()).boxed().toList(),
                "sd of 1, 2, 3 around the mean");
        XYChart rd = (XYChart) SweepChartBuilder.rateDistortion(m).chart();
        org.knowm.xchart.XYSeries points = rd.getSeriesMap().values().iterator().next();
        assertEquals(2, points.getXData().length, "one point per condition, not per seed");
        assertEquals(1.0, points.getExtraValues()[0], 1e-12);
    }
    private static RunData seededRun(int index, String schedule, int seed) {
        List<EpochMetrics> epochs = new ArrayList<>();
        for (int e = 1; e <= 3; e++) {
            epochs.add(epoch(e, 1.0).train(200 - e - seed, 180, 20).test(201 - e - seed, 181, 20).build());
        }
        Map<String, Object> varied = new java.util.LinkedHashMap<>();
        varied.put("loss.warmup.schedule", schedule);
        varied.put("train.seed", seed);
        RunSummary s = RunSummary.builder("w" + index, "schedule=" + schedule + ",seed=" + seed, "warm", index)
                .status(RunStatus.COMPLETED).varied(varied).config(Map.of()).epochsCompleted(3)
                .finalMetrics(epochs.get(2)).seconds(3).build();
        return new RunData(s, epochs, null, Map.of(), null, List.of());
    }
    /**
     * Every chart of the sweep page and of two run pages paints to a picture that is not blank. To look at them:
     * {@code mvn test -Dtest=SweepChartBuilderTest -Dvaelab.chartDump=/tmp/charts} writes each as a PNG there.
     */
    @Test
    void everyChartPaints() throws Exception {
        String dump = System.getProperty("vaelab.chartDump");
        List<Figure> figures = new ArrayList<>();
        SweepChartBuilder.groups(full).forEach(g -> figures.addAll(g.figures()));
        for (String name : List.of("latent_dim=2,beta=1", "latent_dim=128,beta=1")) {
            RunChartBuilder.groups(full, run(name)).forEach(g -> g.figures().stream()
                    .map(f -> new Figure(name.replaceAll("[^a-z0-9]+", "-") + "-" + f.id(), f.title(), f.caption(),
                            f.chart(), f.image(), f.vector())).forEach(figures::add));
        }
        assertTrue(figures.size() > 30, figures.size() + " figures");
        for (Figure f : figures) {
            java.awt.image.BufferedImage img = f.chart() != null ? FigureEncoder.raster(f.chart()) : f.image();
            java.util.Set<Integer> colours = new java.util.HashSet<>();
            for (int y = 0; y < img.getHeight(); y += 3) {
                for (int x = 0; x < img.getWidth(); x += 3) {
                    colours.add(img.getRGB(x, y));
                }
            }
            assertTrue(colours.size() > 3, f.id() + " is blank");
            if (dump != null) {
                java.nio.file.Files.createDirectories(Path.of(dump));
                try (var out = java.nio.file.Files.newOutputStream(Path.of(dump, f.id() + ".png"))) {
                    FigureEncoder.png(img, out);
                }
            }
        }
    }

    private static ReportModel load(String name, List<Integer> latents, List<Double> betas) throws Exception {
        return ReportModel.of(List.of(ReportLoader.load(SyntheticSweep.write(tmp.resolve("results"), name, false,
                latents, betas))));
    }
    static RunData bareRun(int index, double beta) {
        List<EpochMetrics> epochs = new ArrayList<>();
        for (int e = 1; e <= 3; e++) {
            epochs.add(epoch(e, beta).train(200 - e, 180, 20).test(201 - e, 181, 20).build());
        }
        RunSummary s = RunSummary.builder("b" + index, "beta=" + beta, "bare", index).status(RunStatus.COMPLETED)
                .varied(Map.of("loss.beta", beta)).config(Map.of("loss", Map.of("beta", beta))).epochsCompleted(3)
                .finalMetrics(epochs.get(2)).seconds(3).build();
        return new RunData(s, epochs, null, Map.of(), null, List.of());
    }
    static RunEntry run(String name) {
        return full.runs().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }
    static Figure.Group group(List<Figure.Group> groups, String id) {
        return groups.stream().filter(g -> g.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no group " + id + " in " + ids(groups)));
    }
    static List<String> ids(List<Figure.Group> groups) {
        return groups.stream().map(Figure.Group::id).toList();
    }
    static Figure figure(List<Figure.Group> groups, String group, String id) {
        return group(groups, group).figures().stream().filter(f -> f.id().equals(id)).findFirst().orElseThrow();
    }
    static List<String> figureIds(Figure.Group g) {
        return g.figures().stream().map(Figure::id).toList();
    }

}
