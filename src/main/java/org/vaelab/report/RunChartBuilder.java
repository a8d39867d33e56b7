package org.vaelab.report;

import static org.vaelab.report.ChartStyler.MARKERS_UP_TO;
import static org.vaelab.report.ChartStyler.PANEL_H;
import static org.vaelab.report.ChartStyler.PANEL_W;
import static org.vaelab.report.ChartStyler.series;
import static org.vaelab.report.ChartStyler.styleAxes;
import static org.vaelab.report.ChartStyler.xy;
import static org.vaelab.report.Figure.addGroup;
import static org.vaelab.report.Figure.addIfPresent;

import java.awt.Color;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.vaelab.report.ReportModel.RunEntry;
import org.vaelab.tracking.EpochMetrics;

/**
 * A run page's charts as XChart objects (pure: model in, figures out): its curves per epoch, its latent units
 * (KL per dimension, and per epoch), then the pictures of the trained model from {@link RunFigures}. A chart
 * without data is left out.
 */
public final class RunChartBuilder {
    private RunChartBuilder() {
    }

    /** The run page's figure groups, in reading order. */
    public static List<Figure.Group> groups(ReportModel m, RunEntry r) {
        List<Figure.Group> out = new ArrayList<>();
        List<EpochMetrics> ep = r.data().epochs();
        List<Figure> curves = new ArrayList<>();
        addIfPresent(curves, curve("loss", "Objective and −ELBO", "nats", ep, true,
                line("train objective (with β, warm-up, free bits)", EpochMetrics::trainLoss),
                line("test −ELBO", EpochMetrics::testLoss)));
        addIfPresent(curves, curve("recon", "Reconstruction", "nats", ep, true,
                line("train", EpochMetrics::trainRecon), line("test", EpochMetrics::testRecon)));
        addIfPresent(curves, curve("kl", "KL(q(z|x) ‖ p(z))", "nats", ep, false,
                line("train", EpochMetrics::trainKl), line("test", EpochMetrics::testKl)));
        if (varies(ep, EpochMetrics::beta)) {
            addIfPresent(curves, curve("beta", "β schedule", "β", ep, false, line("β", EpochMetrics::beta)));
        }
        addIfPresent(curves, curve("active-units", "Active units", "units", ep, false, line("active units",
                e -> e.activeUnits() == null ? null : e.activeUnits().doubleValue())));
        addIfPresent(curves, curve("mutual-info", "Mutual information I(x; z)", "nats", ep, false,
                line("estimate (He et al. 2019)", EpochMetrics::mutualInfo)));
        addIfPresent(curves, curve("grad-norm", "Gradient norm", "‖g‖ before clipping", ep, false,
                line("mean over steps", EpochMetrics::gradNorm)));
        if (varies(ep, EpochMetrics::learningRate)) {
            addIfPresent(curves, curve("lr", "Learning rate", "learning rate", ep, false,
                    line("lr", EpochMetrics::learningRate)));
        }
        addIfPresent(curves, curve("epoch-time", "Epoch time", "seconds", ep, false,
                line("wall time incl. evaluation", EpochMetrics::epochSeconds)));
        addGroup(out, "curves", "Curves", "Per epoch; test values use β = 1 and one sample.", curves, 3);

        List<Figure> latent = new ArrayList<>();
        addIfPresent(latent, klPerDim(r));
        addIfPresent(latent, klTimeline(r));
        addGroup(out, "latent", "Latent units", "Which units carry information, and since when.", latent, 1);
        RunFigures.addVisuals(out, r);
        return out;
    }

    /**
     * One metric of a run page's line chart.
     *
     * @param name legend text
     * @param f    the metric, null where not recorded
     */
    record Line(String name, Function<EpochMetrics, Double> f) {
    }

    static Line line(String name, Function<EpochMetrics, Double> f) {
        return new Line(name, f);
    }

    /** A line chart of one or more metrics per epoch; null when none has a finite value. */
    static Figure curve(String id, String title, String yTitle, List<EpochMetrics> ep, boolean clipFirst,
                        Line... lines) {
        XYChart c = xy(PANEL_W, PANEL_H, "epoch", yTitle);
        List<double[]> curves = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            double[][] xy = series(ep, lines[i].f());
            if (xy[0].length == 0) {
                continue;
            }
            curves.add(xy[1]);
            XYSeries s = c.addSeries(lines[i].name(), xy[0], xy[1]);
            s.setMarker(xy[0].length <= MARKERS_UP_TO ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
            s.setLineWidth(1.8f);
            Color col = Palette.TAB10[i % 10];
            s.setLineColor(col);
            s.setMarkerColor(col);
        }
        ChartStyler.YRange range = ChartStyler.YRange.fit(curves, clipFirst);
        if (range == null) {
            return null;
        }
        double lo = range.lo();
        double hi = range.hi();
        if (hi - lo <= 1e-9 * Math.max(1, Math.abs(hi))) {
            // A constant series would get one tick and no scale; show it against zero instead.
            c.getStyler().setYAxisMin(hi > 0 ? 0 : hi - 1);
            c.getStyler().setYAxisMax(hi > 0 ? hi * 1.25 : hi + 1);
        } else if (clipFirst) {
            range.padded().applyTo(c);
        }
        c.getStyler().setMarkerSize(4);
        c.getStyler().setLegendVisible(c.getSeriesMap().size() > 1);
        return Figure.svg(id, title, null, c);
    }

    /** Final KL per dimension, bars in dimension order; grey bars are inactive units. */
    static Figure klPerDim(RunEntry r) {
        EpochMetrics last = r.last();
        if (last == null || last.klPerDim() == null || last.klPerDim().isEmpty()) {
            return null;
        }
        List<Double> kl = last.klPerDim();
        Set<Integer> inactive = inactive(r);
        List<String> x = new ArrayList<>();
        List<Double> act = new ArrayList<>();
        List<Double> inact = new ArrayList<>();
        for (int d = 0; d < kl.size(); d++) {
            double v = kl.get(d) == null || !Double.isFinite(kl.get(d)) ? 0 : kl.get(d);
            x.add("z" + d);
            act.add(inactive.contains(d) ? 0.0 : v);
            inact.add(inactive.contains(d) ? v : 0.0);
        }
        int w = Math.max(PANEL_W, Math.min(1100, 120 + 14 * kl.size()));
        CategoryChart c = new CategoryChartBuilder().width(w).height(PANEL_H).xAxisTitle("latent unit")
                .yAxisTitle("KL (nats)").build();
        styleAxes(c.getStyler());
        c.getStyler().setOverlapped(true);
        c.getStyler().setAvailableSpaceFill(kl.size() > 32 ? 1.0 : 0.8);
        c.getStyler().setXAxisMaxLabelCount(Math.max(2, Math.min(kl.size(), 16))); // XChart refuses 1 (latent_dim 1)
        c.getStyler().setXAxisLabelRotation(kl.size() > 16 ? 90 : 0);
        CategorySeries a = c.addSeries("active", x, act);
        a.setFillColor(Palette.TAB10[0]);
        CategorySeries b = c.addSeries("inactive", x, inact);
        b.setFillColor(new Color(0xbbbbbb));
        c.getStyler().setLegendVisible(!inactive.isEmpty());
        return Figure.svg("kl-per-dim", "KL per dimension (epoch " + last.epoch() + ")",
                "Test-set KL of each latent unit; inactive units (activity below the threshold) in grey.", c);
    }

    /** Units the run reports inactive, else those with activity A_u at or below the configured threshold. */
    static Set<Integer> inactive(RunEntry r) {
        Set<Integer> out = new HashSet<>();
        if (r.summary().inactiveDims() != null) {
            out.addAll(r.summary().inactiveDims());
            return out;
        }
        EpochMetrics last = r.last();
        if (last != null && last.unitActivity() != null) {
            Double t = Values.number(r.config().get("eval.active_unit_threshold"));
            double threshold = t == null ? 0.01 : t;
            for (int d = 0; d < last.unitActivity().size(); d++) {
                Double a = last.unitActivity().get(d);
                if (a != null && a <= threshold) {
                    out.add(d);
                }
            }
        }
        return out;
    }

    /** Dimensions x epochs heat map of KL per dimension: when each unit switched on or collapsed. */
    static Figure klTimeline(RunEntry r) {
        List<EpochMetrics> ep = r.data().epochs().stream().filter(e -> e.klPerDim() != null).toList();
        if (ep.size() < 2) {
            return null;
        }
        int dims = ep.stream().mapToInt(e -> e.klPerDim().size()).max().orElse(0);
        if (dims == 0) {
            return null;
        }
        double[][] v = new double[dims][ep.size()];
        for (int d = 0; d < dims; d++) {
            for (int e = 0; e < ep.size(); e++) {
                List<Double> kl = ep.get(e).klPerDim();
                Double x = d < kl.size() ? kl.get(d) : null;
                v[d][e] = x == null ? Double.NaN : x;
            }
        }
        int cellH = Math.max(3, Math.min(18, 520 / dims));
        int cellW = Math.max(4, Math.min(36, 860 / ep.size()));
        int step = Math.max(1, (int) Math.ceil(13.0 / cellH));
        List<String> labels = new ArrayList<>();
        for (int d = 0; d < dims; d++) {
            labels.add(d % step == 0 ? "z" + d : "");
        }
        return Figure.image("kl-timeline", "KL per dimension per epoch",
                "Rows: latent units; columns: epochs (first epoch with diagnostics = 1). A unit that fades to the "
                        + "darkest colour has collapsed to the prior.",
                ImageGrids.heatMap(labels, v, null, "epoch", "KL (nats)", 1e-3, cellW, cellH));
    }

    private static boolean varies(List<EpochMetrics> ep, Function<EpochMetrics, Double> f) {
        return ep.stream().map(f).filter(v -> v != null && Double.isFinite(v)).distinct().count() > 1;
    }
}
