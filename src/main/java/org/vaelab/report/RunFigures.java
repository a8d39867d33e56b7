package org.vaelab.report;

import java.awt.Color;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.vaelab.report.ReportModel.RunEntry;
import org.vaelab.tracking.EpochMetrics;
import org.vaelab.tracking.RunVisuals;
import org.vaelab.tracking.RunVisuals.Images;
import org.vaelab.tracking.RunVisuals.LatentHistogram;
import org.vaelab.tracking.RunVisuals.LatentMoments;

/**
 * A run page's pictures of the trained model, from visuals.json: the plots the seed notebooks make
 * (reconstructions, prior samples, traversals, interpolation, decoded 2D grid, latent scatter, latent
 * histograms against N(0, 1)). Pure: visuals in, figures out.
 */
final class RunFigures {
    /** Units shown in the per-unit distribution charts, most active first. */
    static final int MAX_UNITS = 5;

    private RunFigures() {
    }

    /** What the aggregate-posterior group says before its charts. */
    private static final String PRIOR_INTRO = "q(z) = E_x q(z|x) per unit against the prior N(0, 1): a unit that "
            + "matches the prior has mean 0 and standard deviation 1; an inactive unit matches it trivially "
            + "(q(z|x) = p(z)).";

    static void addVisuals(List<Figure.Group> out, RunEntry r) {
        RunVisuals v = r.data().visuals();
        if (v == null) {
            // The per-epoch moments live in metrics.jsonl: a run without pictures (still running, diverged)
            // still shows how its q(z) moved against the prior.
            Figure.addGroup(out, "aggregate-posterior", "Aggregate posterior against the prior", PRIOR_INTRO,
                    epochMoments(r, null), 2);
            return;
        }
        List<Figure> pics = new ArrayList<>();
        Figure.addIfPresent(pics, reconstructions(v));
        Figure.addIfPresent(pics, samples(v));
        Figure.addIfPresent(pics, traversals(v));
        Figure.addIfPresent(pics, interpolation(v));
        Figure.addIfPresent(pics, grid(v));
        Figure.addGroup(out, "pictures", "What the model draws (epoch " + v.epoch() + ")",
                "Decoder means p(x|z), white = ink.", pics, 1);
        List<Figure> scatter = new ArrayList<>();
        Figure.addIfPresent(scatter, scatter(v));
        Figure.addGroup(out, "latent-scatter", "Latent scatter", null, scatter, 1);
        List<Figure> prior = new ArrayList<>();
        prior.addAll(histograms(v));
        List<Figure> perEpoch = epochMoments(r, v);
        prior.addAll(perEpoch.isEmpty() ? moments(v, r) : perEpoch);
        Figure.addGroup(out, "aggregate-posterior", "Aggregate posterior against the prior", PRIOR_INTRO, prior, 3);
    }

    static Figure reconstructions(RunVisuals v) {
        Images o = v.originals();
        Images rec = v.reconstructions();
        if (o == null || rec == null || o.count() == 0) {
            return null;
        }
        int n = Math.min(o.count(), rec.count());
        List<int[]> tiles = new ArrayList<>();
        int[][] op = o.allPixels();
        int[][] rp = rec.allPixels();
        tiles.addAll(Arrays.asList(op).subList(0, n));
        tiles.addAll(Arrays.asList(rp).subList(0, n));
        List<String> cols = o.labels() == null ? null : o.labels().subList(0, n).stream().map(String::valueOf)
                .toList();
        return Figure.image("reconstructions", "Originals and reconstructions",
                "Top: test images" + (cols != null ? " (label above)" : "") + "; bottom: decoder mean at z = μ(x).",
                ImageGrids.tiles(tiles, v.rows(), v.cols(), n, 3, List.of("original", "reconstruction"), cols));
    }

    static Figure samples(RunVisuals v) {
        Images s = v.priorSamples();
        if (s == null || s.count() == 0) {
            return null;
        }
        int perRow = s.count() <= 10 ? s.count() : s.count() <= 32 ? 8 : 16;
        return Figure.image("prior-samples", "Samples from the prior",
                s.count() + " decoder means at z ~ N(0, I)" + (v.sampleSeed() != null ? " (seed " + v.sampleSeed()
                        + ")" : "") + ". Blurry or blank samples where reconstructions are sharp mean the prior "
                        + "and the aggregate posterior disagree.",
                ImageGrids.tiles(Arrays.asList(s.allPixels()), v.rows(), v.cols(), perRow, 2, null, null));
    }

    static Figure traversals(RunVisuals v) {
        RunVisuals.Traversals t = v.traversals();
        if (t == null || t.units().isEmpty()) {
            return null;
        }
        List<int[]> tiles = new ArrayList<>();
        List<String> rows = new ArrayList<>();
        for (RunVisuals.Traversal u : t.units()) {
            tiles.addAll(Arrays.asList(u.images().allPixels()));
            rows.add("z" + u.unit() + "  A=" + Values.metric(u.activity()));
        }
        List<String> cols = t.values().stream().map(ImageGrids::signed).toList();
        String base = "zero".equals(t.base()) ? "the other units at 0 (the prior mean)"
                : "the other units at test example " + t.baseExample() + "'s posterior mean";
        return Figure.image("traversals", "Latent traversals",
                "Each row sweeps one unit (most active first; A = its activity) from " + cols.get(0) + " to "
                        + cols.get(cols.size() - 1) + " prior standard deviations, with " + base + ".",
                ImageGrids.tiles(tiles, v.rows(), v.cols(), t.values().size(), 3, rows, cols));
    }

    static Figure interpolation(RunVisuals v) {
        RunVisuals.Interpolation in = v.interpolation();
        if (in == null || in.images().count() == 0) {
            return null;
        }
        List<int[]> tiles = new ArrayList<>();
        List<String> cols = new ArrayList<>();
        int steps = in.images().count();
        boolean ends = in.endpoints() != null && in.endpoints().count() == 2;
        if (ends) {
            tiles.add(in.endpoints().pixels(0));
            cols.add("x₁" + (in.fromLabel() != null ? " (" + in.fromLabel() + ")" : ""));
        }
        tiles.addAll(Arrays.asList(in.images().allPixels()));
        for (int i = 0; i < steps; i++) {
            cols.add("t=" + Values.format(Math.round(i * 100.0 / Math.max(1, steps - 1)) / 100.0));
        }
        if (ends) {
            tiles.add(in.endpoints().pixels(1));
            cols.add("x₂" + (in.toLabel() != null ? " (" + in.toLabel() + ")" : ""));
        }
        // Column labels alternate so that "t=0.33" does not run into its neighbours at 3x scale.
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < cols.size(); i++) {
            boolean edge = ends && (i == 0 || i == cols.size() - 1);
            shown.add(edge || cols.size() <= 8 || (i - (ends ? 1 : 0)) % 3 == 0 || i == cols.size() - (ends ? 2 : 1)
                    ? cols.get(i) : "");
        }
        return Figure.image("interpolation", "Interpolation",
                "Decoded along the straight line between the posterior means of test examples " + in.fromIndex()
                        + " and " + in.toIndex() + (ends ? "; the originals at both ends" : "") + ".",
                ImageGrids.tiles(tiles, v.rows(), v.cols(), tiles.size(), 3, null, shown));
    }

    static Figure grid(RunVisuals v) {
        RunVisuals.LatentGrid g = v.grid();
        if (g == null) {
            return null;
        }
        int n = g.values().size();
        List<String> cols = g.values().stream().map(d -> ImageGrids.signed(d)).toList();
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(ImageGrids.signed(g.values().get(n - 1 - i)));
        }
        return Figure.image("latent-grid", "Decoded latent grid",
                "The decoder over the 2D latent plane at normal quantiles (Kingma and Welling 2014, fig. 4): "
                        + "z0 grows to the right (labels on top), z1 upwards (labels on the left).",
                ImageGrids.tiles(Arrays.asList(g.images().allPixels()), v.rows(), v.cols(), n, 2, rows, cols));
    }

    static Figure scatter(RunVisuals v) {
        RunVisuals.LatentScatter s = v.scatter();
        if (s == null || s.x().isEmpty()) {
            return null;
        }
        XYChart c = ChartStyler.xy(620, 540, s.xLabel(), s.yLabel());
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        c.getStyler().setMarkerSize(5);
        List<Integer> labels = s.labels();
        List<Integer> classes = labels == null ? List.of(-1) : labels.stream().distinct().sorted().toList();
        for (int k = 0; k < classes.size(); k++) {
            int cls = classes.get(k);
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (int i = 0; i < s.x().size(); i++) {
                if ((labels == null || labels.get(i) == cls) && Double.isFinite(s.x().get(i))
                        && Double.isFinite(s.y().get(i))) {
                    x.add(s.x().get(i));
                    y.add(s.y().get(i));
                }
            }
            if (x.isEmpty()) {
                continue;
            }
            XYSeries ser = c.addSeries(cls < 0 ? "test examples" : String.valueOf(cls), x, y);
            Color col = Palette.category(k, classes.size());
            ser.setMarkerColor(new Color(col.getRed(), col.getGreen(), col.getBlue(), 170));
            ser.setMarker(SeriesMarkers.CIRCLE);
        }
        if (c.getSeriesMap().isEmpty()) {
            return null;
        }
        String how = switch (s.method()) {
            case "latent" -> "the latent itself (latent_dim = 2)";
            case "active_units" -> "the two most active units " + s.dims();
            default -> "the first two principal components of μ(x)" + (s.explainedVariance() != null
                    ? " (" + pct(s.explainedVariance()) + " of the variance)" : "");
        };
        // Thousands of markers: a PNG is a fraction of the SVG's size and draws faster.
        return Figure.png("latent-scatter", "Latent scatter",
                s.x().size() + " test posterior means μ(x), coloured by label; axes: " + how + ".", c);
    }

    private static String pct(List<Double> explained) {
        double sum = explained.stream().limit(2).mapToDouble(Double::doubleValue).sum();
        return String.format(Locale.ROOT, "%.0f%%", sum * 100);
    }

    static List<Figure> histograms(RunVisuals v) {
        List<Figure> out = new ArrayList<>();
        if (v.histograms() == null) {
            return out;
        }
        for (LatentHistogram h : v.histograms().stream().limit(MAX_UNITS).toList()) {
            int bins = h.counts().size();
            double w = (h.hi() - h.lo()) / bins;
            long total = h.counts().stream().mapToLong(Integer::longValue).sum();
            if (total == 0) {
                continue;
            }
            double[] x = new double[bins + 1];
            double[] y = new double[bins + 1];
            for (int i = 0; i <= bins; i++) {
                x[i] = h.lo() + i * w;
                // A step chart holds each value until the next x: the last point repeats the last bin.
                y[i] = h.counts().get(Math.min(i, bins - 1)) / (total * w);
            }
            XYChart c = ChartStyler.xy(ChartStyler.PANEL_W, ChartStyler.PANEL_H, "z" + h.unit(), "density");
            XYSeries hs = c.addSeries("q(z" + h.unit() + ")" + ("mean".equals(h.source()) ? " of μ(x)" : ""), x, y);
            hs.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.StepArea);
            hs.setMarker(SeriesMarkers.NONE);
            hs.setLineColor(Palette.TAB10[0]);
            hs.setFillColor(new Color(0x1f, 0x77, 0xb4, 90));
            int n = 161;
            double[] px = new double[n];
            double[] py = new double[n];
            for (int i = 0; i < n; i++) {
                px[i] = h.lo() + (h.hi() - h.lo()) * i / (n - 1);
                py[i] = Math.exp(-0.5 * px[i] * px[i]) / Math.sqrt(2 * Math.PI);
            }
            XYSeries ps = c.addSeries("N(0, 1)", px, py);
            ps.setMarker(SeriesMarkers.NONE);
            ps.setLineColor(Palette.TAB10[1]);
            ps.setLineWidth(2f);
            c.getStyler().setXAxisMin(h.lo());
            c.getStyler().setXAxisMax(h.hi());
            c.getStyler().setYAxisMin(0.0);
            out.add(Figure.svg("hist-z" + h.unit(), "z" + h.unit() + ": mean " + Values.metric(h.mean()) + ", sd "
                    + Values.metric(h.std()), ("sampled".equals(h.source()) ? "z = μ + σ·ε" : "μ(x)")
                    + " over the test set, as a density, against the prior.", c));
        }
        return out;
    }

    /** The aggregate posterior's mean and standard deviation per epoch for the most active units. */
    static List<Figure> moments(RunVisuals v, RunEntry r) {
        List<LatentMoments> ms = v.moments();
        if (ms == null || ms.size() < 2) {
            return List.of();
        }
        List<Integer> units = shownUnits(v, r, ms.get(ms.size() - 1).mean().size());
        List<Figure> out = new ArrayList<>();
        for (String which : List.of("mean", "sd")) {
            XYChart c = ChartStyler.xy(ChartStyler.PANEL_W, ChartStyler.PANEL_H, "epoch",
                    which.equals("mean") ? "mean of q(z_u)" : "standard deviation of q(z_u)");
            double ref = which.equals("mean") ? 0 : 1;
            XYSeries rs = c.addSeries("prior", new double[] {ms.get(0).epoch(), ms.get(ms.size() - 1).epoch()},
                    new double[] {ref, ref});
            rs.setLineColor(ChartStyler.REFERENCE);
            rs.setMarker(SeriesMarkers.NONE);
            rs.setLineStyle(new java.awt.BasicStroke(1.5f, java.awt.BasicStroke.CAP_BUTT,
                    java.awt.BasicStroke.JOIN_ROUND, 10f, new float[] {6f, 4f}, 0f));
            int k = 0;
            for (int u : units) {
                List<Double> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                for (LatentMoments m : ms) {
                    List<Double> vals = which.equals("mean") ? m.mean() : m.std();
                    if (u < vals.size() && vals.get(u) != null && Double.isFinite(vals.get(u))) {
                        xs.add((double) m.epoch());
                        ys.add(vals.get(u));
                    }
                }
                if (xs.isEmpty()) {
                    continue;
                }
                XYSeries s = c.addSeries("z" + u, xs, ys);
                Color col = Palette.TAB10[k++ % 10];
                s.setLineColor(col);
                s.setMarkerColor(col);
                s.setMarker(xs.size() <= ChartStyler.MARKERS_UP_TO ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
            }
            c.getStyler().setMarkerSize(4);
            out.add(Figure.svg("moments-" + which, "Aggregate posterior " + which + " per epoch",
                    "q(z_u): mean E_x[μ_u] and sd √(Var_x[μ_u] + E_x[σ_u²]); dashed: the prior's " + which + ".",
                    c));
        }
        return out;
    }

    /**
     * Notebook 000's view per epoch, from metrics.jsonl: for the shown units, the mean and the standard
     * deviation over the test set of the posterior means μ(x) and of one sampled z = μ + σ·ε per example,
     * four charts against the prior's 0 and 1. Empty when the run's metrics do not have them (older runs,
     * whose visuals.json moments are then drawn instead).
     */
    static List<Figure> epochMoments(RunEntry r, RunVisuals v) {
        List<EpochMetrics> es = r.data().epochs().stream().filter(e -> e.muMean() != null && e.muStd() != null
                && e.zMean() != null && e.zStd() != null).toList();
        if (es.isEmpty()) {
            return List.of();
        }
        List<Integer> units = shownUnits(v, r, es.get(es.size() - 1).muMean().size());
        List<Figure> out = new ArrayList<>();
        record Panel(String id, String title, String y, double ref, java.util.function.Function<EpochMetrics,
                List<Double>> values, String caption) {
        }
        List<Panel> panels = List.of(
                new Panel("moments-mu-mean", "Mean of μ(x) per epoch", "mean over x of μ_u(x)", 0, EpochMetrics::muMean,
                        "E_x[μ_u(x)] on the test set; dashed: the prior's mean 0."),
                new Panel("moments-mu-sd", "Standard deviation of μ(x) per epoch", "sd over x of μ_u(x)", 1,
                        EpochMetrics::muStd, "√A_u, the spread of the posterior means (an inactive unit sits at "
                        + "0); dashed: the prior's 1, which μ alone stays below by the posterior's own spread."),
                new Panel("moments-z-mean", "Mean of sampled z per epoch", "mean of z_u", 0, EpochMetrics::zMean,
                        "z = μ + σ·ε, one draw per test example: the aggregate posterior's mean; dashed: 0."),
                new Panel("moments-z-sd", "Standard deviation of sampled z per epoch", "sd of z_u", 1,
                        EpochMetrics::zStd, "The aggregate posterior's sd, √(Var_x μ_u + E_x σ_u²) in expectation;"
                        + " dashed: the prior's 1."));
        double first = es.get(0).epoch();
        double last = es.get(es.size() - 1).epoch();
        for (Panel p : panels) {
            XYChart c = ChartStyler.xy(ChartStyler.PANEL_W, ChartStyler.PANEL_H, "epoch", p.y());
            XYSeries rs = c.addSeries("prior", new double[] {first, Math.max(last, first + 1)},
                    new double[] {p.ref(), p.ref()});
            rs.setLineColor(ChartStyler.REFERENCE);
            rs.setMarker(SeriesMarkers.NONE);
            rs.setLineStyle(new java.awt.BasicStroke(1.5f, java.awt.BasicStroke.CAP_BUTT,
                    java.awt.BasicStroke.JOIN_ROUND, 10f, new float[] {6f, 4f}, 0f));
            int k = 0;
            for (int u : units) {
                List<Double> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                for (EpochMetrics e : es) {
                    List<Double> vals = p.values().apply(e);
                    if (u < vals.size() && vals.get(u) != null && Double.isFinite(vals.get(u))) {
                        xs.add((double) e.epoch());
                        ys.add(vals.get(u));
                    }
                }
                if (xs.isEmpty()) {
                    continue;
                }
                XYSeries s = c.addSeries("z" + u, xs, ys);
                Color col = Palette.TAB10[k++ % 10];
                s.setLineColor(col);
                s.setMarkerColor(col);
                s.setMarker(xs.size() <= ChartStyler.MARKERS_UP_TO ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
            }
            c.getStyler().setMarkerSize(4);
            out.add(Figure.svg(p.id(), p.title(), p.caption(), c));
        }
        return out;
    }

    /** Traversed units if any, else the most active units by final activity, else the first units. */
    private static List<Integer> shownUnits(RunVisuals v, RunEntry r, int dims) {
        if (v != null && v.traversals() != null && !v.traversals().units().isEmpty()) {
            return v.traversals().units().stream().map(RunVisuals.Traversal::unit).limit(MAX_UNITS).toList();
        }
        EpochMetrics last = r.last();
        List<Integer> all = new ArrayList<>();
        for (int d = 0; d < dims; d++) {
            all.add(d);
        }
        if (last != null && last.unitActivity() != null && last.unitActivity().size() == dims) {
            all.sort(Comparator.comparingDouble((Integer d) -> {
                Double a = last.unitActivity().get(d);
                return a == null ? Double.NEGATIVE_INFINITY : a;
            }).reversed());
        }
        return all.subList(0, Math.min(MAX_UNITS, all.size()));
    }
}
