package org.vaelab.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.internal.series.Series;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.vaelab.report.ReportModel.RunEntry;
import org.vaelab.tracking.EpochMetrics;

/**
 * The sweep page's and run pages' charts as XChart objects (pure: model in, charts out; nothing is drawn or
 * written here). A chart that does not apply to the data (no beta varied, no diagnostics recorded, a single
 * latent size) is left out rather than drawn empty.
 */
public final class ChartFactory {
    /** Charts are drawn at the size they are shown (fonts stay 11-12 px): 3 to a row in a 1360 px page. */
    static final int PANEL_W = 430;
    static final int PANEL_H = 310;
    static final int WIDE_W = 640;
    static final int WIDE_H = 380;
    /** More epochs than this and markers would smear a curve into a thick line. */
    static final int MARKERS_UP_TO = 30;
    private static final String FONT = "DejaVu Sans";
    private static final Color TEXT = new Color(0x33, 0x33, 0x33);
    private static final Color REFERENCE = new Color(0x99, 0x99, 0x99);
    private static final Marker[] SHAPES = {SeriesMarkers.CIRCLE, SeriesMarkers.SQUARE, SeriesMarkers.DIAMOND,
        SeriesMarkers.TRIANGLE_UP, SeriesMarkers.TRIANGLE_DOWN};

    private ChartFactory() {
    }

    // ----------------------------------------------------------------------------------------- sweep page

    /** The sweep page's figure groups, in reading order. */
    public static List<Figure.Group> sweepGroups(ReportModel m) {
        List<Figure.Group> out = new ArrayList<>();
        String how = howColoured(m);
        int cols = columns(panels(m).size());
        addGroup(out, "test-loss", "Test −ELBO per epoch",
                "Negative ELBO on the test set (β = 1), nats per example; lower is better. " + how
                        + " The y axis is fitted from epoch 2 on, so the first epoch may start above it; dashed "
                        + "curves are runs that did not complete.",
                epochPanels(m, "test-loss", "−ELBO (nats)", EpochMetrics::testLoss, true, true), cols);
        addGroup(out, "kl", "KL per epoch",
                "KL(q(z|x) ‖ p(z)) on the test set, summed over latent dimensions: the rate the code spends. "
                        + "A curve that falls to 0 is a collapsed posterior. " + how,
                epochPanels(m, "kl", "KL (nats)", EpochMetrics::testKl, false, true), cols);
        addGroup(out, "active-units", "Active units per epoch",
                "Units whose posterior mean varies across test examples, Cov_x(E_q[z_u]) > threshold "
                        + "(Burda et al. 2016). " + how,
                epochPanels(m, "active-units", "active units",
                        e -> e.activeUnits() == null ? null : e.activeUnits().doubleValue(), false, false), cols);
        List<Figure> across = new ArrayList<>();
        addIfPresent(across, rateDistortion(m));
        addIfPresent(across, finalVsLatent(m));
        addIfPresent(across, activeVsBeta(m));
        addGroup(out, "across", "Across runs",
                "Final test-set values of completed runs; failed and diverged runs are left out.", across, 3);
        List<Figure> heat = new ArrayList<>();
        addIfPresent(heat, klHeatMap(m));
        addGroup(out, "kl-per-dim", "KL per latent dimension",
                "How many dimensions each run uses: every row is a run, its dimensions sorted by their final "
                        + "test KL, largest first.", heat, 1);
        return out;
    }

    /** Small multiples per row for {@code panels} panels: all in one row up to 4, else rows of 3 or 4. */
    static int columns(int panels) {
        return panels <= 4 ? Math.max(1, panels) : panels <= 6 ? 3 : 4;
    }

    /** Chart size {width, height} for {@code columns} charts per row. */
    static int[] size(int columns) {
        return switch (columns) {
            case 4 -> new int[] {320, 270};
            case 3 -> new int[] {PANEL_W, PANEL_H};
            default -> new int[] {WIDE_W, WIDE_H};
        };
    }

    private static String howColoured(ReportModel m) {
        Map<String, String> s = Values.shortNames(m.variedKeys());
        if (m.colourKey() == null) {
            return "";
        }
        return "Coloured by " + s.get(m.colourKey())
                + (m.panelKey() != null ? "; one panel per " + s.get(m.panelKey()) + "." : ".")
                + (replicates(m) ? " The seeds of a condition share its colour." : "");
    }

    /**
     * One chart per value of the panel key, every run a curve coloured by the colour key. All panels share a
     * y range so they compare at a glance; {@code clipFirst} drops the first epoch from that range because a
     * loss starts far above where it ends.
     */
    static List<Figure> epochPanels(ReportModel m, String id, String yTitle, Function<EpochMetrics, Double> f,
                                    boolean clipFirst, boolean shareY) {
        Map<String, List<RunEntry>> panels = panels(m);
        int[] wh = size(columns(panels.size()));
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        boolean any = false;
        for (RunEntry r : m.runs()) {
            double[][] xy = series(r.data().epochs(), f);
            for (int i = 0; i < xy[1].length; i++) {
                any = true;
                lo = Math.min(lo, xy[1][i]);
                if (!clipFirst || xy[1].length < 3 || i == 1) {
                    hi = Math.max(hi, xy[1][i]);
                }
            }
        }
        if (!any) {
            return List.of();
        }
        double pad = hi > lo ? (hi - lo) * 0.05 : Math.max(1, Math.abs(hi) * 0.05);
        List<Figure> out = new ArrayList<>();
        int p = 0;
        Map<String, String> names = Values.shortNames(m.variedKeys());
        for (Map.Entry<String, List<RunEntry>> e : panels.entrySet()) {
            XYChart c = xy(wh[0], wh[1], "epoch", yTitle);
            Set<String> used = new HashSet<>();
            int maxEpochs = 0;
            for (RunEntry r : e.getValue()) {
                double[][] xy = series(r.data().epochs(), f);
                if (xy[0].length == 0) {
                    continue;
                }
                maxEpochs = Math.max(maxEpochs, xy[0].length);
                XYSeries s;
                if (replicates(m)) {
                    // One legend entry per condition; its seeds share the colour and stay out of the legend.
                    String condition = label(m, r, m.panelKey(), ReportModel.SEED_KEY);
                    boolean first = !used.contains(condition);
                    s = c.addSeries(unique(used, condition), xy[0], xy[1]);
                    s.setShowInLegend(first);
                } else {
                    s = c.addSeries(unique(used, label(m, r, m.panelKey())), xy[0], xy[1]);
                }
                Color col = colour(m, r);
                s.setLineColor(col);
                s.setMarkerColor(col);
                s.setLineWidth(1.8f);
                s.setMarker(xy[0].length <= MARKERS_UP_TO ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
                if (!r.completed()) {
                    s.setLineStyle(new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f,
                            new float[] {5f, 4f}, 0f));
                }
            }
            if (c.getSeriesMap().isEmpty()) {
                continue;
            }
            if (shareY) {
                c.getStyler().setYAxisMin(lo - pad);
                c.getStyler().setYAxisMax(hi + pad);
            } else {
                c.getStyler().setYAxisMin(Math.min(0.0, lo));
            }
            c.getStyler().setMarkerSize(4);
            c.getStyler().setLegendVisible(c.getSeriesMap().values().stream().filter(XYSeries::isShowInLegend)
                    .count() <= 12);
            String title = m.panelKey() == null ? yTitle : names.get(m.panelKey()) + " = " + e.getKey();
            out.add(Figure.svg(id + "-" + (p++), title, null, c));
        }
        return out;
    }

    /** Runs grouped by the panel key's values, in value order (one group when there is no panel key). */
    static Map<String, List<RunEntry>> panels(ReportModel m) {
        Map<String, List<RunEntry>> out = new LinkedHashMap<>();
        if (m.panelKey() == null) {
            out.put("", sortedByColour(m, m.runs()));
            return out;
        }
        for (Object v : m.values(m.panelKey())) {
            String key = Values.format(v);
            List<RunEntry> rs = m.runs().stream()
                    .filter(r -> Values.format(r.varied().get(m.panelKey())).equals(key)).toList();
            if (!rs.isEmpty()) {
                out.put(key, sortedByColour(m, rs));
            }
        }
        return out;
    }

    private static List<RunEntry> sortedByColour(ReportModel m, List<RunEntry> runs) {
        if (m.colourKey() == null) {
            return runs;
        }
        List<RunEntry> out = new ArrayList<>(runs);
        out.sort(Comparator.comparing((RunEntry r) -> r.varied().get(m.colourKey()), Values.ORDER));
        return out;
    }

    /** Reconstruction against KL per completed run: the rate-distortion plane (Alemi et al. 2018). */
    static Figure rateDistortion(ReportModel m) {
        List<RunEntry> done = finished(m);
        if (done.size() < 2) {
            return null;
        }
        XYChart c = xy(PANEL_W, PANEL_H + 30, "rate: KL (nats)", "distortion: reconstruction (nats)");
        Map<String, String> names = Values.shortNames(m.variedKeys());
        String group = m.panelKey();
        Map<String, List<RunEntry>> byGroup = new LinkedHashMap<>();
        if (group == null) {
            byGroup.put("runs", done);
        } else {
            for (Object v : m.values(group)) {
                String key = Values.format(v);
                List<RunEntry> rs = done.stream().filter(r -> Values.format(r.varied().get(group)).equals(key))
                        .toList();
                if (!rs.isEmpty()) {
                    byGroup.put(legendName(group, names.get(group), key), rs);
                }
            }
        }
        int i = 0;
        for (Map.Entry<String, List<RunEntry>> e : byGroup.entrySet()) {
            List<RunEntry> rs = sortedByColour(m, e.getValue());
            double[] x = rs.stream().mapToDouble(RunEntry::testKl).toArray();
            double[] y = rs.stream().mapToDouble(RunEntry::testRecon).toArray();
            XYSeries s = c.addSeries(e.getKey(), x, y);
            style(s, Palette.category(i, byGroup.size()), SHAPES[i % SHAPES.length]);
            i++;
        }
        c.getStyler().setMarkerSize(8);
        String along = m.colourKey() != null && !m.colourKey().equals(group)
                ? " Points on a line are ordered by " + names.get(m.colourKey()) + "." : "";
        return Figure.svg("rate-distortion", "Rate–distortion",
                "Each point is a run's final test KL (rate) and reconstruction (distortion); their sum is the "
                        + "−ELBO, so lines of equal −ELBO run diagonally." + along, c);
    }

    /** Final test −ELBO against latent size (log2 axis), one line per beta. */
    static Figure finalVsLatent(ReportModel m) {
        List<RunEntry> done = finished(m).stream().filter(r -> r.latentDim() != null).toList();
        if (done.stream().map(RunEntry::latentDim).distinct().count() < 2) {
            return null;
        }
        XYChart c = xy(PANEL_W, PANEL_H + 30, "latent_dim (log scale)", "final test −ELBO (nats)");
        log2Axis(c, done.stream().mapToDouble(RunEntry::latentDim).toArray());
        Map<String, List<RunEntry>> byBeta = byBeta(done);
        int i = 0;
        for (Map.Entry<String, List<RunEntry>> e : byBeta.entrySet()) {
            // Replicates (seeds, or any other varied key) share a latent size: the line goes through their mean
            // and each run is a small marker, instead of one line zig-zagging through all of them.
            Map<Integer, List<Double>> bySize = new java.util.TreeMap<>();
            for (RunEntry r : e.getValue()) {
                bySize.computeIfAbsent(r.latentDim(), k -> new ArrayList<>()).add(r.testLoss());
            }
            double[] x = bySize.keySet().stream().mapToDouble(ChartFactory::log2).toArray();
            double[] y = bySize.values().stream().mapToDouble(l -> l.stream().mapToDouble(d -> d).average()
                    .orElse(Double.NaN)).toArray();
            Color col = Palette.category(i, byBeta.size());
            style(c.addSeries(e.getKey(), x, y), col, SHAPES[i % SHAPES.length]);
            if (bySize.values().stream().anyMatch(l -> l.size() > 1)) {
                double[] rx = e.getValue().stream().mapToDouble(r -> log2(r.latentDim())).toArray();
                double[] ry = e.getValue().stream().mapToDouble(RunEntry::testLoss).toArray();
                XYSeries runs = c.addSeries(e.getKey() + " runs", rx, ry);
                runs.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                runs.setMarker(SeriesMarkers.CIRCLE);
                runs.setMarkerColor(new Color(col.getRed(), col.getGreen(), col.getBlue(), 110));
                runs.setShowInLegend(false);
            }
            i++;
        }
        c.getStyler().setMarkerSize(8);
        return Figure.svg("final-vs-latent", "Final −ELBO vs latent size",
                "Lower is better. One line per β; where several runs share a latent size and β (seeds, other "
                        + "keys) the line goes through their mean and each run is a faint dot.", c);
    }

    /** Final active units against beta (log2 axis), one line per latent size. */
    static Figure activeVsBeta(ReportModel m) {
        List<RunEntry> done = finished(m).stream().filter(r -> r.beta() != null && r.activeUnits() != null)
                .toList();
        if (done.stream().map(RunEntry::beta).distinct().count() < 2) {
            return null;
        }
        boolean log = done.stream().allMatch(r -> r.beta() > 0);
        XYChart c = xy(PANEL_W, PANEL_H + 30, log ? "β (log scale)" : "β", "active units at the end");
        if (log) {
            log2Axis(c, done.stream().mapToDouble(RunEntry::beta).toArray());
        }
        Map<String, List<RunEntry>> bySize = new LinkedHashMap<>();
        done.stream().sorted(Comparator.comparing(r -> r.latentDim() == null ? 0 : r.latentDim()))
                .forEach(r -> bySize.computeIfAbsent(r.latentDim() == null ? "runs"
                        : legendName(ReportModel.LATENT_KEY, "latent_dim", Values.format(r.latentDim())),
                        k -> new ArrayList<>()).add(r));
        int i = 0;
        for (Map.Entry<String, List<RunEntry>> e : bySize.entrySet()) {
            List<RunEntry> rs = new ArrayList<>(e.getValue());
            rs.sort(Comparator.comparingDouble(RunEntry::beta));
            double[] x = rs.stream().mapToDouble(r -> log ? log2(r.beta()) : r.beta()).toArray();
            double[] y = rs.stream().mapToDouble(r -> r.activeUnits()).toArray();
            style(c.addSeries(e.getKey(), x, y), Palette.category(i, bySize.size()), SHAPES[i % SHAPES.length]);
            i++;
        }
        c.getStyler().setMarkerSize(8);
        c.getStyler().setYAxisMin(0.0);
        return Figure.svg("active-vs-beta", "Active units vs β",
                "A larger β buys a simpler code: fewer units stay active. One line per latent size.", c);
    }

    /** Runs x dimensions, each run's final KL per dimension sorted descending; the red tick marks its active units. */
    static Figure klHeatMap(ReportModel m) {
        List<RunEntry> rows = m.runs().stream().filter(r -> r.last() != null && r.last().klPerDim() != null
                && !r.last().klPerDim().isEmpty()).toList();
        if (rows.isEmpty()) {
            return null;
        }
        List<String> labels = new ArrayList<>();
        double[][] v = new double[rows.size()][];
        int[] marks = new int[rows.size()];
        int maxDim = 1;
        for (int i = 0; i < rows.size(); i++) {
            RunEntry r = rows.get(i);
            List<Double> kl = new ArrayList<>(r.last().klPerDim());
            kl.sort(Comparator.comparingDouble((Double d) -> d == null || d.isNaN() ? Double.NEGATIVE_INFINITY : d)
                    .reversed());
            v[i] = kl.stream().mapToDouble(d -> d == null ? Double.NaN : d).toArray();
            maxDim = Math.max(maxDim, v[i].length);
            Integer a = r.activeUnits();
            marks[i] = a == null ? -1 : a;
            labels.add(label(m, r) + (r.completed() ? "" : " (" + r.status() + ")"));
        }
        int cellW = Math.max(3, Math.min(48, 860 / maxDim));
        return Figure.image("kl-heatmap", "Final KL per dimension, sorted",
                "Colour: KL in nats on a log scale (values below 0.001 share the darkest colour); white: the run "
                        + "has fewer dimensions; red tick: number of active units.",
                ImageGrids.heatMap(labels, v, marks, "dimension rank (largest KL first)", "KL (nats)",
                        1e-3, cellW, 22));
    }

    // ----------------------------------------------------------------------------------------- run page

    /** The run page's figure groups, in reading order. */
    public static List<Figure.Group> runGroups(ReportModel m, RunEntry r) {
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
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < lines.length; i++) {
            double[][] xy = series(ep, lines[i].f());
            if (xy[0].length == 0) {
                continue;
            }
            for (int k = 0; k < xy[1].length; k++) {
                lo = Math.min(lo, xy[1][k]);
                if (!clipFirst || xy[1].length < 3 || k >= 1) {
                    hi = Math.max(hi, xy[1][k]);
                }
            }
            XYSeries s = c.addSeries(lines[i].name(), xy[0], xy[1]);
            s.setMarker(xy[0].length <= MARKERS_UP_TO ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
            s.setLineWidth(1.8f);
            Color col = Palette.TAB10[i % 10];
            s.setLineColor(col);
            s.setMarkerColor(col);
        }
        if (c.getSeriesMap().isEmpty()) {
            return null;
        }
        if (hi - lo <= 1e-9 * Math.max(1, Math.abs(hi))) {
            // A constant series would get one tick and no scale; show it against zero instead.
            c.getStyler().setYAxisMin(hi > 0 ? 0 : hi - 1);
            c.getStyler().setYAxisMax(hi > 0 ? hi * 1.25 : hi + 1);
        } else if (clipFirst) {
            double pad = (hi - lo) * 0.05;
            c.getStyler().setYAxisMin(lo - pad);
            c.getStyler().setYAxisMax(hi + pad);
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

    // ----------------------------------------------------------------------------------------- helpers

    static List<RunEntry> finished(ReportModel m) {
        return m.runs().stream().filter(r -> r.completed() && ReportModel.finite(r.testLoss())
                && ReportModel.finite(r.testKl()) && ReportModel.finite(r.testRecon())).toList();
    }

    private static Map<String, List<RunEntry>> byBeta(List<RunEntry> runs) {
        Map<String, List<RunEntry>> out = new LinkedHashMap<>();
        boolean several = runs.stream().map(RunEntry::beta).distinct().count() > 1;
        runs.stream().sorted(Comparator.comparing(r -> r.beta() == null ? 0 : r.beta()))
                .forEach(r -> out.computeIfAbsent(several && r.beta() != null ? "β=" + Values.format(r.beta())
                        : "runs", k -> new ArrayList<>()).add(r));
        return out;
    }

    /** Short legend entries, so that four of them fit under a 430 px chart: "latent 8", "β=4", "seed=2". */
    static String legendName(String key, String shortName, String value) {
        if (ReportModel.LATENT_KEY.equals(key)) {
            return "latent " + value;
        }
        if (ReportModel.BETA_KEY.equals(key)) {
            return "β=" + value;
        }
        return shortName + "=" + value;
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
     * Decimal places of an XY chart's tick labels from the spread of its data. XChart's default prints a tick
     * at a data value in full (509.5154431762695) when two points set the range, e.g. a one-epoch sweep.
     */
    static void tidyTicks(Chart<?, ?> chart) {
        if (!(chart instanceof XYChart c)) {
            return;
        }
        double xLo = Double.POSITIVE_INFINITY, xHi = Double.NEGATIVE_INFINITY;
        double yLo = Double.POSITIVE_INFINITY, yHi = Double.NEGATIVE_INFINITY;
        for (XYSeries series : c.getSeriesMap().values()) {
            for (double v : series.getXData()) {
                if (Double.isFinite(v)) {
                    xLo = Math.min(xLo, v);
                    xHi = Math.max(xHi, v);
                }
            }
            for (double v : series.getYData()) {
                if (Double.isFinite(v)) {
                    yLo = Math.min(yLo, v);
                    yHi = Math.max(yHi, v);
                }
            }
        }
        AxesChartStyler s = c.getStyler();
        if (xLo <= xHi) {
            s.setXAxisDecimalPattern(decimalPattern(xLo, xHi));
        }
        if (yLo <= yHi) {
            s.setYAxisDecimalPattern(decimalPattern(yLo, yHi));
        }
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
        return decimals == 0 ? "#,##0" : "#,##0." + "0".repeat(decimals);
    }

    private static void style(XYSeries s, Color c, Marker marker) {
        s.setLineColor(c);
        s.setMarkerColor(c);
        s.setMarker(marker);
        s.setLineWidth(1.8f);
    }

    /** Tick labels of a log2 x axis printed as the original values (2, 8, 32, 0.5); in-between ticks stay blank. */
    private static void log2Axis(XYChart c, double[] values) {
        c.setCustomXAxisTickLabelsFormatter(log2Labels(values));
    }

    /**
     * Tick labels of a log2 axis over {@code values}: the original values at powers of two, blank between.
     * Over less than two octaves (latent_dim 2 and 3) powers of two alone would label one tick or none, so
     * every tick gets its value. A blank label must be a space: XChart cannot lay out "" and threw.
     */
    static Function<Double, String> log2Labels(double[] values) {
        double lo = Arrays.stream(values).map(ChartFactory::log2).min().orElse(0);
        double hi = Arrays.stream(values).map(ChartFactory::log2).max().orElse(0);
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

    private static boolean varies(List<EpochMetrics> ep, Function<EpochMetrics, Double> f) {
        return ep.stream().map(f).filter(v -> v != null && Double.isFinite(v)).distinct().count() > 1;
    }

    /** The run's values of the varied keys except {@code exclude}, outermost first: "latent_dim=8, beta=4". */
    static String label(ReportModel m, RunEntry r, String... exclude) {
        Map<String, String> names = Values.shortNames(m.variedKeys());
        List<String> parts = new ArrayList<>();
        List<String> skip = Arrays.asList(exclude);
        for (String k : m.variedKeys()) {
            if (skip.contains(k)) {
                continue;
            }
            parts.add(names.get(k) + "=" + Values.format(r.varied().get(k)));
        }
        return parts.isEmpty() ? r.name() : String.join(", ", parts);
    }

    /** Seeds vary beside another key: runs of one condition are replicates. */
    static boolean replicates(ReportModel m) {
        return m.variedKeys().contains(ReportModel.SEED_KEY) && m.colourKey() != null
                && !m.colourKey().equals(ReportModel.SEED_KEY);
    }

    static Color colour(ReportModel m, RunEntry r) {
        if (m.colourKey() == null) {
            return Palette.TAB10[0];
        }
        List<Object> values = m.values(m.colourKey());
        String mine = Values.format(r.varied().get(m.colourKey()));
        for (int i = 0; i < values.size(); i++) {
            if (Values.format(values.get(i)).equals(mine)) {
                return Palette.category(i, values.size());
            }
        }
        return Palette.TAB10[7];
    }

    private static String unique(Set<String> used, String name) {
        String n = name;
        for (int i = 2; !used.add(n); i++) {
            n = name + " (" + i + ")";
        }
        return n;
    }

    static void addIfPresent(List<Figure> out, Figure f) {
        if (f != null) {
            out.add(f);
        }
    }

    static void addGroup(List<Figure.Group> out, String id, String title, String intro, List<Figure> figures,
                         int columns) {
        if (!figures.isEmpty()) {
            out.add(new Figure.Group(id, title, intro, figures, columns));
        }
    }
}
