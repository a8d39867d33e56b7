package org.vaelab.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.internal.series.Series;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.vaelab.tracking.EpochMetrics;

/**
 * The look and the axes shared by the sweep page's and run pages' charts: sizes, fonts, colours, legend
 * placement, tick labels and the fitted y range, so that {@link SweepChartBuilder} and {@link RunChartBuilder}
 * cannot drift apart.
 */
final class ChartStyler {
    /** Charts are drawn at the size they are shown (fonts stay 11-12 px): 3 to a row in a 1360 px page. */
    static final int PANEL_W = 430;
    static final int PANEL_H = 310;
    static final int WIDE_W = 640;
    static final int WIDE_H = 380;
    /** More epochs than this and markers would smear a curve into a thick line. */
    static final int MARKERS_UP_TO = 30;
    private static final String FONT = "DejaVu Sans";
    private static final Color TEXT = new Color(0x33, 0x33, 0x33);
    /** Grey of reference lines (the prior's mean and sd). */
    static final Color REFERENCE = new Color(0x99, 0x99, 0x99);
    /** Marker shapes of the across-run charts, one per line, so that lines stay apart in grey print. */
    static final Marker[] SHAPES = {SeriesMarkers.CIRCLE, SeriesMarkers.SQUARE, SeriesMarkers.DIAMOND,
        SeriesMarkers.TRIANGLE_UP, SeriesMarkers.TRIANGLE_DOWN};
    /** Tick pattern of an axis whose values are all whole numbers (epochs, unit counts). */
    static final String INTEGER_PATTERN = "#,##0";

    private ChartStyler() {
    }

    static XYChart xy(int w, int h, String xTitle, String yTitle) {
        XYChart c = new XYChartBuilder().width(w).height(h).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        styleAxes(c.getStyler());
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        c.getStyler().setCursorEnabled(false);
        c.getStyler().setZoomEnabled(false);
        return c;
    }

    /** One look for every chart: white plot, light grid, DejaVu Sans, legend under the plot. */
    static void styleAxes(AxesChartStyler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderVisible(true);
        s.setPlotBorderColor(new Color(0xcccccc));
        s.setPlotGridLinesColor(new Color(0xe8e8e8));
        s.setPlotGridLinesStroke(new BasicStroke(1f));
        s.setChartTitleVisible(false);
        s.setChartFontColor(TEXT);
        s.setAxisTickLabelsColor(TEXT);
        s.setAxisTitleFont(new Font(FONT, Font.PLAIN, 12));
        s.setAxisTickLabelsFont(new Font(FONT, Font.PLAIN, 11));
        s.setLegendFont(new Font(FONT, Font.PLAIN, 11));
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
        s.setLegendBorderColor(Color.WHITE);
        s.setLegendPadding(4);
        s.setChartPadding(6);
        s.setPlotMargin(6);
        s.setAxisTickPadding(4);
        s.setToolTipsEnabled(false);
        s.setAntiAlias(true);
        s.setSeriesColors(Palette.TAB10);
    }

    /**
     * Moves a legend that would not fit in one row under the plot to the right of it, one entry per line: XChart
     * does not wrap a horizontal legend, it clips both ends (seven latent sizes lost "la" of the first name and
     * the whole last entry). The width is XChart's own sum: line sample, padding and text per entry.
     */
    static void fitLegend(Chart<?, ?> chart) {
        if (!(chart.getStyler() instanceof AxesChartStyler s) || !Boolean.TRUE.equals(s.isLegendVisible())
                || s.getLegendPosition() != Styler.LegendPosition.OutsideS) {
            return;
        }
        java.awt.font.FontRenderContext frc = new java.awt.font.FontRenderContext(null, true, true);
        double width = s.getLegendPadding();
        for (Series series : chart.getSeriesMap().values()) {
            if (series.isShowInLegend()) {
                width += s.getLegendFont().getStringBounds(series.getName(), frc).getWidth()
                        + s.getLegendSeriesLineLength() + 3 * s.getLegendPadding();
            }
        }
        if (width > chart.getWidth() - 2 * s.getChartPadding()) {
            s.setLegendPosition(Styler.LegendPosition.OutsideE);
            s.setLegendLayout(Styler.LegendLayout.Vertical);
        }
    }

    /**
     * Decimal places of an XY chart's tick labels from its data. XChart's default prints a tick at a data value
     * in full (509.5154431762695) when two points set the range, e.g. a one-epoch sweep; and an axis of whole
     * numbers (epochs, unit counts) read "1.0, 1.5, 2.0". An axis of whole numbers gets {@link #INTEGER_PATTERN}:
     * XChart widens its tick step until no two labels are equal, so the ticks then sit on whole numbers too.
     */
    static void tidyTicks(Chart<?, ?> chart) {
        if (!(chart instanceof XYChart c)) {
            return;
        }
        List<double[]> xs = new ArrayList<>();
        List<double[]> ys = new ArrayList<>();
        for (XYSeries series : c.getSeriesMap().values()) {
            xs.add(series.getXData());
            ys.add(series.getYData());
        }
        AxesChartStyler s = c.getStyler();
        String x = axisPattern(xs);
        if (x != null) {
            s.setXAxisDecimalPattern(x);
        }
        String y = axisPattern(ys);
        if (y != null) {
            s.setYAxisDecimalPattern(y);
        }
    }

    /** The tick pattern for an axis over these values (non-finite ones ignored), or null when there are none. */
    static String axisPattern(List<double[]> values) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        boolean whole = true;
        for (double[] vs : values) {
            for (double v : vs) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                    whole &= v == Math.rint(v);
                }
            }
        }
        if (lo > hi) {
            return null;
        }
        return whole ? INTEGER_PATTERN : decimalPattern(lo, hi);
    }

    /** "#,##0" plus enough decimals to tell five ticks across [lo, hi] apart (at most 4). */
    static String decimalPattern(double lo, double hi) {
        double spread = hi - lo;
        int decimals;
        if (spread > 0) {
            decimals = (int) Math.ceil(-Math.log10(spread / 5));
        } else {
            // One value: whole numbers (an epoch) print as such, anything else with 3 significant digits.
            double a = Math.abs(lo);
            decimals = lo == Math.rint(lo) ? 0 : a == 0 ? 1 : 2 - (int) Math.floor(Math.log10(a));
        }
        decimals = Math.max(0, Math.min(4, decimals));
        return decimals == 0 ? INTEGER_PATTERN : INTEGER_PATTERN + "." + "0".repeat(decimals);
    }

    /** Tick labels of a log2 x axis printed as the original values (2, 8, 32, 0.5); in-between ticks stay blank. */
    static void log2Axis(XYChart c, double[] values) {
        c.setCustomXAxisTickLabelsFormatter(log2Labels(values));
    }

    /**
     * Tick labels of a log2 axis over {@code values}: the original values at powers of two, blank between.
     * Over less than two octaves (latent_dim 2 and 3) powers of two alone would label one tick or none, so
     * every tick gets its value. A blank label must be a space: XChart cannot lay out "" and threw.
     */
    static Function<Double, String> log2Labels(double[] values) {
        double lo = Arrays.stream(values).map(ChartStyler::log2).min().orElse(0);
        double hi = Arrays.stream(values).map(ChartStyler::log2).max().orElse(0);
        boolean labelAll = hi - lo < 2;
        return d -> Math.abs(d - Math.rint(d)) < 1e-9
                ? Values.format(Math.pow(2, Math.rint(d)))
                : labelAll ? new java.math.BigDecimal(Math.pow(2, d)).round(new java.math.MathContext(3))
                        .stripTrailingZeros().toPlainString() : " ";
    }

    static double log2(double v) {
        return Math.log(v) / Math.log(2);
    }

    /** Finite points of one metric: x = epoch, y = value. */
    static double[][] series(List<EpochMetrics> epochs, Function<EpochMetrics, Double> f) {
        List<double[]> pts = new ArrayList<>();
        for (EpochMetrics e : epochs) {
            Double v = f.apply(e);
            if (v != null && Double.isFinite(v)) {
                pts.add(new double[] {e.epoch(), v});
            }
        }
        double[][] out = new double[2][pts.size()];
        for (int i = 0; i < pts.size(); i++) {
            out[0][i] = pts.get(i)[0];
            out[1][i] = pts.get(i)[1];
        }
        return out;
    }

    /**
     * The y range a chart's axis is fitted to: the lowest and highest finite value of its curves, where
     * {@code clipFirst} leaves each curve's first point (epoch 1) out of the top when the curve has three points
     * or more, because a loss starts far above where it ends and would flatten the rest. The sweep page and the
     * run pages both fit through here: two copies once drifted (one fitted the top to epoch 2 alone and clipped
     * a curve that rose later).
     *
     * @param lo lowest value
     * @param hi highest value, epoch 1 left out when clipped
     */
    record YRange(double lo, double hi) {
        /** The range of {@code curves}' y values, or null when none has a finite value. */
        static YRange fit(List<double[]> curves, boolean clipFirst) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (double[] y : curves) {
                for (int k = 0; k < y.length; k++) {
                    if (!Double.isFinite(y[k])) {
                        continue;
                    }
                    lo = Math.min(lo, y[k]);
                    if (!clipFirst || y.length < 3 || k >= 1) {
                        hi = Math.max(hi, y[k]);
                    }
                }
            }
            return lo <= hi ? new YRange(lo, hi) : null;
        }

        /** Widened by 5% of the spread each way (by 5% of the value, at least 1, when the spread is 0). */
        YRange padded() {
            double pad = hi > lo ? (hi - lo) * 0.05 : Math.max(1, Math.abs(hi) * 0.05);
            return new YRange(lo - pad, hi + pad);
        }

        /** Sets the chart's y axis to this range. */
        void applyTo(XYChart c) {
            c.getStyler().setYAxisMin(lo);
            c.getStyler().setYAxisMax(hi);
        }
    }
}
