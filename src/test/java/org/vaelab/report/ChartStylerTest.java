package org.vaelab.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.internal.chartpart.Chart;
import org.vaelab.tracking.EpochMetrics;
import org.vaelab.tracking.RunStatus;
import org.vaelab.tracking.RunSummary;

/** The look and axes shared by every chart: legend placement, tick labels, the fitted y range. */
class ChartStylerTest {
    @Test
    void aLegendTooWideForOneRowGoesBesideThePlot() {
        XYChart wide = ChartStyler.xy(ChartStyler.WIDE_W, 300, "epoch", "loss");
        XYChart narrow = ChartStyler.xy(ChartStyler.WIDE_W, 300, "epoch", "loss");
        for (int d : new int[] {2, 4, 8, 16, 32, 64, 128}) {
            wide.addSeries("latent_dim=" + d, new double[] {1, 2}, new double[] {d, d + 1});
        }
        narrow.addSeries("latent_dim=2", new double[] {1, 2}, new double[] {1, 2});
        narrow.addSeries("latent_dim=4", new double[] {1, 2}, new double[] {2, 3});
        Figure.svg("wide", "w", null, wide);
        Figure.svg("narrow", "n", null, narrow);
        assertEquals(org.knowm.xchart.style.Styler.LegendPosition.OutsideE, wide.getStyler().getLegendPosition());
        assertEquals(org.knowm.xchart.style.Styler.LegendPosition.OutsideS, narrow.getStyler().getLegendPosition());
    }
    @Test
    void tickDecimalsFollowTheSpreadOfTheData() throws Exception {
        assertEquals("#,##0.0", ChartStyler.decimalPattern(509.52, 511.11));
        assertEquals("#,##0.00", ChartStyler.decimalPattern(0.098, 0.334));
        assertEquals("#,##0", ChartStyler.decimalPattern(1, 10));
        assertEquals("#,##0", ChartStyler.decimalPattern(1, 1), "one epoch");
        assertEquals("#,##0.00", ChartStyler.decimalPattern(3.25, 3.25), "one value, 3 significant digits");
        XYChart two = ChartStyler.xy(400, 300, "KL", "recon");
        two.addSeries("runs", new double[] {0.0980838194195640, 0.334}, new double[] {509.5154431762695, 511.1});
        Figure.svg("two", "t", null, two);
        // The SVG holds its text as glyph outlines, so the labels are read from the axis itself.
        List<String> y = tickLabels(two, false);
        assertFalse(y.isEmpty());
        assertTrue(y.stream().allMatch(l -> l.matches("[0-9]{3}\\.[0-9]")), "one decimal, none printed in full: " + y);
    }
    @Test
    void aCurveRisingAfterEpochTwoStaysInsideTheYAxis() {
        // Run a falls to epoch 2 and then rises above every run's epoch-2 value; only the first epoch may lie
        // above the axis (it starts far above where a loss ends).
        ReportModel m = ReportModel.of(List.of(new SweepData("rise", null, null, List.of(
                lossRun(0, 1.0, 300, 200, 210, 260), lossRun(1, 2.0, 290, 205, 200, 195)), List.of())));
        XYChart sweep = (XYChart) SweepChartBuilder.epochPanels(m, "t", "loss", EpochMetrics::testLoss, true, true).get(0)
                .chart();
        assertCurvesInsideYAxisAfterEpochOne(sweep);
        XYChart run = (XYChart) RunChartBuilder.groups(m, m.runs().get(0)).get(0).figures().get(0).chart();
        assertCurvesInsideYAxisAfterEpochOne(run);
    }
    private static void assertCurvesInsideYAxisAfterEpochOne(XYChart c) {
        double lo = c.getStyler().getYAxisMin();
        double hi = c.getStyler().getYAxisMax();
        for (var s : c.getSeriesMap().values()) {
            double[] y = s.getYData();
            for (int k = 1; k < y.length; k++) {
                assertTrue(y[k] >= lo && y[k] <= hi, s.getName() + " epoch " + (k + 1) + ": " + y[k]
                        + " outside the y axis [" + lo + ", " + hi + "]");
            }
        }
        assertTrue(hi < 290, "the first epoch is still left out of the fit: y max " + hi);
    }
    @Test
    void theYRangeLeavesOnlyTheFirstEpochOutOfTheTop() {
        ChartStyler.YRange r = ChartStyler.YRange.fit(List.of(new double[] {300, 200, 210, 260},
                new double[] {290, 205, Double.NaN, 195}), true);
        assertEquals(195, r.lo());
        assertEquals(260, r.hi(), "epoch 4 of the first curve, not epoch 2");
        assertEquals(300, ChartStyler.YRange.fit(List.of(new double[] {300, 200, 210}), false).hi());
        assertEquals(300, ChartStyler.YRange.fit(List.of(new double[] {300, 200}), true).hi(),
                "two epochs: nothing to leave out");
        assertEquals(null, ChartStyler.YRange.fit(List.of(new double[0], new double[] {Double.NaN}), true));
        ChartStyler.YRange p = r.padded();
        assertEquals(195 - 3.25, p.lo(), 1e-9);
        assertEquals(260 + 3.25, p.hi(), 1e-9);
    }

    @Test
    void epochAndUnitCountAxesTickAtWholeNumbers() throws Exception {
        // Two epochs and 14 then 16 active units: XChart's own labels read "1.0, 1.5, 2.0" and "14.0, 14.5, ...".
        List<EpochMetrics> ep = epochs(new double[] {300, 200}, 14, 16);
        XYChart units = (XYChart) RunChartBuilder.curve("u", "Active units", "units", ep, false,
                RunChartBuilder.line("active units", e -> e.activeUnits().doubleValue())).chart();
        assertEquals(List.of("1", "2"), tickLabels(units, true));
        assertWholeNumbers(List.of("14", "16"), tickLabels(units, false));

        ReportModel m = ReportModel.of(List.of(new SweepData("ticks", null, null, List.of(
                run(0, 1.0, epochs(new double[] {300, 200, 190}, 14, 16, 15)),
                run(1, 2.0, epochs(new double[] {290, 210, 205}, 12, 13, 13))), List.of())));
        XYChart panel = (XYChart) SweepChartBuilder.epochPanels(m, "active-units", "active units",
                e -> e.activeUnits().doubleValue(), false, false).get(0).chart();
        assertEquals(List.of("1", "2", "3"), tickLabels(panel, true));
        assertWholeNumbers(List.of("0"), tickLabels(panel, false));
        // Values that are not whole keep their decimals: a loss axis still tells 200.5 from 201.
        XYChart loss = (XYChart) RunChartBuilder.curve("l", "Loss", "nats", epochs(new double[] {200.5, 201.25, 201}),
                false, RunChartBuilder.line("test", EpochMetrics::testLoss)).chart();
        assertEquals(List.of("1", "2", "3"), tickLabels(loss, true));
        assertTrue(tickLabels(loss, false).stream().anyMatch(l -> l.contains(".")), tickLabels(loss, false).toString());
    }

    @Test
    void wholeNumberAxesGetTheIntegerPattern() {
        assertEquals("#,##0", ChartStyler.axisPattern(List.of(new double[] {1, 2}, new double[] {3})));
        assertEquals("#,##0", ChartStyler.axisPattern(List.of(new double[] {14, 16, Double.NaN})));
        assertEquals("#,##0.0", ChartStyler.axisPattern(List.of(new double[] {14, 16.5})));
        assertEquals(null, ChartStyler.axisPattern(List.of(new double[] {Double.NaN})));
    }

    private static void assertWholeNumbers(List<String> mustHave, List<String> labels) {
        assertTrue(labels.containsAll(mustHave), labels + " lacks one of " + mustHave);
        assertTrue(labels.stream().allMatch(l -> l.matches("-?[0-9,]+")), "a label that is not a whole number: " + labels);
    }

    /**
     * The tick labels XChart drew on an axis. They are not in the SVG (XChart writes text as glyph outlines), so
     * the chart is painted and the labels are read from its axis, through XChart's internals.
     */
    static List<String> tickLabels(XYChart c, boolean xAxis) throws Exception {
        FigureEncoder.raster(c);
        Method axis = Chart.class.getDeclaredMethod(xAxis ? "getXAxis" : "getYAxis");
        axis.setAccessible(true);
        Object a = axis.invoke(c);
        Method calculator = a.getClass().getMethod("getAxisTickCalculator");
        calculator.setAccessible(true);
        Object t = calculator.invoke(a);
        Method labels = t.getClass().getMethod("getTickLabels");
        labels.setAccessible(true);
        return ((List<?>) labels.invoke(t)).stream().map(String::valueOf).map(String::strip).toList();
    }

    /** Epochs 1, 2, ... with train and test loss {@code losses} and, when given, {@code units} active units. */
    static List<EpochMetrics> epochs(double[] losses, int... units) {
        List<EpochMetrics> out = new ArrayList<>();
        for (int e = 1; e <= losses.length; e++) {
            double l = losses[e - 1];
            out.add(EpochMetrics.builder(e).train(l, l - 20, 20).test(l, l - 20, 20).beta(1.0).gradNorm(3)
                    .learningRate(1e-3).epochSeconds(1).trainSamplesPerSecond(100)
                    .activeUnits(units.length == 0 ? null : units[e - 1]).build());
        }
        return out;
    }

    /** A completed run whose train and test loss per epoch are {@code losses}. */
    static RunData lossRun(int index, double beta, double... losses) {
        return run(index, beta, epochs(losses));
    }

    static RunData run(int index, double beta, List<EpochMetrics> epochs) {
        RunSummary s = RunSummary.builder("r" + index, "beta=" + beta, "rise", index).status(RunStatus.COMPLETED)
                .varied(Map.of("loss.beta", beta)).config(Map.of("loss", Map.of("beta", beta)))
                .epochsCompleted(epochs.size()).finalMetrics(epochs.get(epochs.size() - 1)).seconds(epochs.size())
                .build();
        return new RunData(s, epochs, null, Map.of(), null, List.of());
    }
}
