package org.vaelab.report;

import static org.vaelab.report.ChartStyler.MARKERS_UP_TO;
import static org.vaelab.report.ChartStyler.PANEL_H;
import static org.vaelab.report.ChartStyler.PANEL_W;
import static org.vaelab.report.ChartStyler.SHAPES;
import static org.vaelab.report.ChartStyler.WIDE_H;
import static org.vaelab.report.ChartStyler.WIDE_W;
import static org.vaelab.report.ChartStyler.log2;
import static org.vaelab.report.ChartStyler.log2Axis;
import static org.vaelab.report.ChartStyler.series;
import static org.vaelab.report.ChartStyler.xy;
import static org.vaelab.report.Figure.addGroup;
import static org.vaelab.report.Figure.addIfPresent;

import java.awt.BasicStroke;
import java.awt.Color;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.vaelab.report.ReportModel.RunEntry;
import org.vaelab.tracking.EpochMetrics;

/**
 * The sweep page's charts as XChart objects (pure: model in, figures out; nothing is drawn or written here):
 * per-epoch small multiples, the across-run charts and the KL-per-dimension heat map. A chart that does not
 * apply to the data (no beta varied, no diagnostics recorded, a single latent size) is left out rather than
 * drawn empty.
 */
public final class SweepChartBuilder {
    private SweepChartBuilder() {
    }

    /** The sweep page's figure groups, in reading order. */
    public static List<Figure.Group> groups(ReportModel m) {
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
                + (replicates(m) ? " Seeds are replicates: each condition is one curve, the mean over its completed"
                + " seeds, in a shaded band from their minimum to their maximum (every seed's curve lies inside it);"
                + " a run that did not complete is a dashed curve of its own." : "");
    }

    /**
     * One chart per value of the panel key, every run a curve coloured by the colour key. All panels share a
     * y range ({@link ChartStyler.YRange}) so they compare at a glance; {@code clipFirst} drops the first epoch
     * from the top of that range because a loss starts far above where it ends.
     */
    static List<Figure> epochPanels(ReportModel m, String id, String yTitle, Function<EpochMetrics, Double> f,
                                    boolean clipFirst, boolean shareY) {
        Map<String, List<RunEntry>> panels = panels(m);
        int[] wh = size(columns(panels.size()));
        List<double[]> curves = new ArrayList<>();
        for (RunEntry r : m.runs()) {
            curves.add(series(r.data().epochs(), f)[1]);
        }
        // Fitted over every run, not per panel: all panels share the range and compare at a glance.
        ChartStyler.YRange range = ChartStyler.YRange.fit(curves, clipFirst);
        if (range == null) {
            return List.of();
        }
        List<Figure> out = new ArrayList<>();
        int p = 0;
        Map<String, String> names = Values.shortNames(m.variedKeys());
        boolean replicates = replicates(m);
        for (Map.Entry<String, List<RunEntry>> e : panels.entrySet()) {
            XYChart c = xy(wh[0], wh[1], "epoch", yTitle);
            Set<String> used = new HashSet<>();
            Set<String> inLegend = new HashSet<>();
            List<RunEntry> single = new ArrayList<>();
            if (replicates) {
                // A condition's seeds become one mean curve and a min–max band; a run that did not complete
                // stays a dashed curve of its own, since averaging it in would bend the mean where it stops.
                Map<String, List<RunEntry>> byCondition = new LinkedHashMap<>();
                for (RunEntry r : e.getValue()) {
                    byCondition.computeIfAbsent(label(m, r, m.panelKey(), ReportModel.SEED_KEY),
                            k -> new ArrayList<>()).add(r);
                }
                for (Map.Entry<String, List<RunEntry>> g : byCondition.entrySet()) {
                    List<RunEntry> done = g.getValue().stream().filter(r -> r.completed()
                            && series(r.data().epochs(), f)[0].length > 0).toList();
                    if (done.size() < 2) {
                        single.addAll(g.getValue());
                        continue;
                    }
                    double[][] band = band(done, f);
                    Color col = colour(m, done.get(0));
                    XYSeries area = c.addSeries(unique(used, g.getKey() + " min–max"), polygonX(band[0]),
                            polygonY(band[3], band[2]));
                    area.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);
                    area.setFillColor(new Color(col.getRed(), col.getGreen(), col.getBlue(), 56));
                    area.setLineColor(new Color(col.getRed(), col.getGreen(), col.getBlue(), 0));
                    area.setMarker(SeriesMarkers.NONE);
                    area.setShowInLegend(false);
                    XYSeries mean = c.addSeries(unique(used, g.getKey()), band[0], band[1]);
                    inLegend.add(g.getKey());
                    mean.setLineColor(col);
                    mean.setMarkerColor(col);
                    mean.setLineWidth(2.2f);
                    mean.setMarker(band[0].length <= MARKERS_UP_TO ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
                    g.getValue().stream().filter(r -> !done.contains(r)).forEach(single::add);
                }
            } else {
                single.addAll(e.getValue());
            }
            for (RunEntry r : single) {
                double[][] xy = series(r.data().epochs(), f);
                if (xy[0].length == 0) {
                    continue;
                }
                XYSeries s;
                if (replicates) {
                    // One legend entry per condition; its seeds share the colour and stay out of the legend.
                    String condition = label(m, r, m.panelKey(), ReportModel.SEED_KEY);
                    boolean first = inLegend.add(condition);
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
                range.padded().applyTo(c);
            } else {
                c.getStyler().setYAxisMin(Math.min(0.0, range.lo()));
            }
            c.getStyler().setMarkerSize(4);
            c.getStyler().setLegendVisible(c.getSeriesMap().values().stream().filter(XYSeries::isShowInLegend)
                    .count() <= 12);
            String title = m.panelKey() == null ? yTitle : names.get(m.panelKey()) + " = " + e.getKey();
            out.add(Figure.svg(id + "-" + (p++), title, null, c));
        }
        return out;
    }

    /**
     * Per epoch over {@code runs}: {epochs, mean, min, max} of the finite values of the runs that reached the
     * epoch (replicates of one condition normally all do).
     */
    static double[][] band(List<RunEntry> runs, Function<EpochMetrics, Double> f) {
        TreeMap<Double, List<Double>> byEpoch = new TreeMap<>();
        for (RunEntry r : runs) {
            double[][] xy = series(r.data().epochs(), f);
            for (int i = 0; i < xy[0].length; i++) {
                byEpoch.computeIfAbsent(xy[0][i], k -> new ArrayList<>()).add(xy[1][i]);
            }
        }
        double[][] out = new double[4][byEpoch.size()];
        int i = 0;
        for (Map.Entry<Double, List<Double>> e : byEpoch.entrySet()) {
            out[0][i] = e.getKey();
            out[1][i] = e.getValue().stream().mapToDouble(d -> d).average().orElse(Double.NaN);
            out[2][i] = e.getValue().stream().mapToDouble(d -> d).min().orElse(Double.NaN);
            out[3][i] = e.getValue().stream().mapToDouble(d -> d).max().orElse(Double.NaN);
            i++;
        }
        return out;
    }

    /** Sample standard deviation of each group (0 for a single run, which has no spread to draw). */
    static double[] sds(java.util.Collection<? extends List<Double>> groups) {
        return groups.stream().mapToDouble(l -> {
            if (l.size() < 2) {
                return 0;
            }
            double mean = l.stream().mapToDouble(d -> d).average().orElse(0);
            double ss = l.stream().mapToDouble(d -> (d - mean) * (d - mean)).sum();
            return Math.sqrt(ss / (l.size() - 1));
        }).toArray();
    }

    /** x along the top edge and back along the bottom: the outline XChart's PolygonArea fills. */
    private static double[] polygonX(double[] x) {
        double[] out = new double[2 * x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i];
            out[out.length - 1 - i] = x[i];
        }
        return out;
    }

    private static double[] polygonY(double[] top, double[] bottom) {
        double[] out = new double[2 * top.length];
        for (int i = 0; i < top.length; i++) {
            out[i] = top[i];
            out[out.length - 1 - i] = bottom[i];
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
        // In a comparison the panels are the sweeps; lines here are per sweep and, within it, per what a single
        // sweep's panels would be: a line never joins runs of two sweeps.
        String group = m.combined() ? withinSweepGroup(m) : m.panelKey();
        Map<String, List<RunEntry>> byGroup = new LinkedHashMap<>();
        if (group == null) {
            for (RunEntry r : done) {
                byGroup.computeIfAbsent(m.combined() ? r.sweep() : "runs", k -> new ArrayList<>()).add(r);
            }
        } else {
            for (String sweep : m.combined() ? m.sweeps().stream().map(h -> h.name()).toList()
                    : java.util.Collections.singletonList((String) null)) {
                for (Object v : m.values(group)) {
                    String key = Values.format(v);
                    List<RunEntry> rs = done.stream().filter(r -> sweep == null || r.sweep().equals(sweep))
                            .filter(r -> Values.format(r.varied().get(group)).equals(key)).toList();
                    if (!rs.isEmpty()) {
                        byGroup.put(inSweep(sweep, legendName(group, names.get(group), key)), rs);
                    }
                }
            }
        }
        int i = 0;
        for (Map.Entry<String, List<RunEntry>> e : byGroup.entrySet()) {
            List<RunEntry> rs = sortedByColour(m, e.getValue());
            // Seeds of one condition are one point: mean KL and mean reconstruction, with a ±1 sd error bar on
            // the reconstruction (XChart draws vertical bars only).
            Map<String, List<RunEntry>> byCondition = new LinkedHashMap<>();
            rs.forEach(r -> byCondition.computeIfAbsent(replicates(m) ? label(m, r, ReportModel.SEED_KEY) : r.id(),
                    k -> new ArrayList<>()).add(r));
            double[] x = byCondition.values().stream().mapToDouble(l -> l.stream().mapToDouble(RunEntry::testKl)
                    .average().orElse(Double.NaN)).toArray();
            double[] y = byCondition.values().stream().mapToDouble(l -> l.stream().mapToDouble(RunEntry::testRecon)
                    .average().orElse(Double.NaN)).toArray();
            List<List<Double>> recon = byCondition.values().stream().map(l -> l.stream().map(RunEntry::testRecon)
                    .toList()).toList();
            XYSeries s = byCondition.size() < rs.size() ? c.addSeries(e.getKey(), x, y, sds(recon))
                    : c.addSeries(e.getKey(), x, y);
            style(s, Palette.category(i, byGroup.size()), SHAPES[i % SHAPES.length]);
            i++;
        }
        c.getStyler().setMarkerSize(8);
        c.getStyler().setErrorBarsColorSeriesColor(true);
        String along = m.colourKey() != null && !m.colourKey().equals(group)
                ? " Points on a line are ordered by " + names.get(m.colourKey()) + "." : "";
        return Figure.svg("rate-distortion", "Rate–distortion",
                "Each point is a run's final test KL (rate) and reconstruction (distortion); their sum is the "
                        + "−ELBO, so lines of equal −ELBO run diagonally." + along
                        + (replicates(m) ? " Seeds of one condition are one point, their means, with a ±1 sd error"
                        + " bar on the reconstruction." : ""), c);
    }

    /** Final test −ELBO against latent size (log2 axis), one line per beta. */
    static Figure finalVsLatent(ReportModel m) {
        List<RunEntry> done = finished(m).stream().filter(r -> r.latentDim() != null).toList();
        if (done.stream().map(RunEntry::latentDim).distinct().count() < 2) {
            return null;
        }
        XYChart c = xy(PANEL_W, PANEL_H + 30, "latent_dim (log scale)", "final test −ELBO (nats)");
        log2Axis(c, done.stream().mapToDouble(RunEntry::latentDim).toArray());
        Map<String, List<RunEntry>> byBeta = new LinkedHashMap<>();
        for (List<RunEntry> ofSweep : bySweep(m, done)) {
            byBeta(ofSweep).forEach((k, v) -> byBeta.put(inSweep(m.combined() ? v.get(0).sweep() : null, k), v));
        }
        int i = 0;
        for (Map.Entry<String, List<RunEntry>> e : byBeta.entrySet()) {
            // Replicates (seeds, or any other varied key) share a latent size: the line goes through their mean
            // and each run is a small marker, instead of one line zig-zagging through all of them.
            Map<Integer, List<Double>> bySize = new TreeMap<>();
            for (RunEntry r : e.getValue()) {
                bySize.computeIfAbsent(r.latentDim(), k -> new ArrayList<>()).add(r.testLoss());
            }
            double[] x = bySize.keySet().stream().mapToDouble(ChartStyler::log2).toArray();
            double[] y = bySize.values().stream().mapToDouble(l -> l.stream().mapToDouble(d -> d).average()
                    .orElse(Double.NaN)).toArray();
            Color col = Palette.category(i, byBeta.size());
            boolean replicated = bySize.values().stream().anyMatch(l -> l.size() > 1);
            style(replicated ? c.addSeries(e.getKey(), x, y, sds(bySize.values())) : c.addSeries(e.getKey(), x, y),
                    col, SHAPES[i % SHAPES.length]);
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
        c.getStyler().setErrorBarsColorSeriesColor(true);
        return Figure.svg("final-vs-latent", "Final −ELBO vs latent size",
                "Lower is better. One line per β; where several runs share a latent size and β (seeds, other "
                        + "keys) the line goes through their mean, the error bar spans ±1 standard deviation of "
                        + "the runs, and each run is a faint dot.", c);
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
        for (List<RunEntry> ofSweep : bySweep(m, done)) {
            ofSweep.stream().sorted(Comparator.comparing(r -> r.latentDim() == null ? 0 : r.latentDim()))
                    .forEach(r -> bySize.computeIfAbsent(inSweep(m.combined() ? r.sweep() : null,
                            r.latentDim() == null ? "runs"
                                    : legendName(ReportModel.LATENT_KEY, "latent_dim", Values.format(r.latentDim()))),
                            k -> new ArrayList<>()).add(r));
        }
        int i = 0;
        for (Map.Entry<String, List<RunEntry>> e : bySize.entrySet()) {
            // Runs sharing a β (seeds) give one point: their mean, with a ±1 sd error bar.
            TreeMap<Double, List<Double>> byBeta = new TreeMap<>();
            e.getValue().forEach(r -> byBeta.computeIfAbsent(r.beta(), k -> new ArrayList<>())
                    .add(r.activeUnits().doubleValue()));
            double[] x = byBeta.keySet().stream().mapToDouble(b -> log ? log2(b) : b).toArray();
            double[] y = byBeta.values().stream().mapToDouble(l -> l.stream().mapToDouble(d -> d).average()
                    .orElse(Double.NaN)).toArray();
            boolean replicated = byBeta.values().stream().anyMatch(l -> l.size() > 1);
            style(replicated ? c.addSeries(e.getKey(), x, y, sds(byBeta.values())) : c.addSeries(e.getKey(), x, y),
                    Palette.category(i, bySize.size()), SHAPES[i % SHAPES.length]);
            i++;
        }
        c.getStyler().setMarkerSize(8);
        c.getStyler().setYAxisMin(0.0);
        c.getStyler().setErrorBarsColorSeriesColor(true);
        return Figure.svg("active-vs-beta", "Active units vs β",
                "A larger β buys a simpler code: fewer units stay active. One line per latent size; runs that "
                        + "share a β (seeds) are one point, their mean, with an error bar of ±1 standard deviation.",
                c);
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
    /** The runs per sweep, in the report's sweep order (one list when the report has one sweep). */
    static List<List<RunEntry>> bySweep(ReportModel m, List<RunEntry> runs) {
        if (!m.combined()) {
            return List.of(runs);
        }
        Map<String, List<RunEntry>> out = new LinkedHashMap<>();
        m.sweeps().forEach(h -> out.put(h.name(), new ArrayList<>()));
        runs.forEach(r -> out.computeIfAbsent(r.sweep(), k -> new ArrayList<>()).add(r));
        return out.values().stream().filter(l -> !l.isEmpty()).toList();
    }

    /** A legend entry inside a comparison names its sweep: "beta-sweep β=1"; alone it is unchanged. */
    static String inSweep(String sweep, String name) {
        return sweep == null ? name : "runs".equals(name) ? sweep : sweep + " " + name;
    }

    /** Within one sweep of a comparison, what the lines of the rate-distortion plane follow. */
    private static String withinSweepGroup(ReportModel m) {
        if (m.variedKeys().contains(ReportModel.LATENT_KEY)) {
            return ReportModel.LATENT_KEY;
        }
        return m.variedKeys().stream().filter(k -> !k.equals(ReportModel.SWEEP_KEY) && !k.equals(m.colourKey())
                && !k.equals(ReportModel.SEED_KEY)).findFirst().orElse(null);
    }

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

    private static void style(XYSeries s, Color c, Marker marker) {
        s.setLineColor(c);
        s.setMarkerColor(c);
        s.setMarker(marker);
        s.setLineWidth(1.8f);
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
}
