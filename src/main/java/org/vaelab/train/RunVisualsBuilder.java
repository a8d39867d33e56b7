package org.vaelab.train;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.vaelab.data.Batch;
import org.vaelab.data.BatchIterator;
import org.vaelab.data.Batches;
import org.vaelab.data.ImageSet;
import org.vaelab.diagnostics.ActiveUnits;
import org.vaelab.model.VaeModel;
import org.vaelab.spec.RunConfig;
import org.vaelab.tracking.RunRecorder;
import org.vaelab.tracking.RunVisuals;
import org.vaelab.tracking.RunVisuals.Images;

/**
 * The pictures of a trained model that a run page shows (visuals.json): reconstructions, prior samples,
 * latent traversals, an interpolation, the decoded 2D grid, the latent scatter and histograms of the aggregate
 * posterior. One encoder pass over the test set (fed exactly as the per-epoch test ELBO feeds it) and one
 * decoder call for every image together.
 *
 * <p>Choices, each deterministic:
 * <ul>
 *   <li>originals: the first test example of each class, by class, then further test examples in index order
 *       up to {@value #ORIGINALS} (a one-class dataset shows its first ten examples); reconstructions decode
 *       z = mu(x), the decoder mean sigmoid(logits) in [0, 1];</li>
 *   <li>prior samples: {@value #PRIOR_SAMPLES} codes z ~ N(0, I) from {@code SplittableRandom(sampleSeed)};</li>
 *   <li>traversals: the {@value #TRAVERSAL_UNITS} units of highest activity A_u (Burda et al. 2016; ties by
 *       index, whether or not above the active threshold, so a collapsed run shows rows that do not change),
 *       swept over {@value #TRAVERSAL_STEPS} values from -3 to 3 with the other units at 0, the prior mean
 *       (base "zero": the same base for every run, unlike a test example's code);</li>
 *   <li>interpolation: test example 0 and the first later test example of another class (if every label is
 *       the same, example 1), {@value #INTERPOLATION_STEPS} points t = 0..1 between their posterior means;</li>
 *   <li>grid (latent_dim 2 only): {@value #GRID}x{@value #GRID} codes at Phi^-1(linspace(0.05, 0.95, 15)), laid
 *       out as {@link RunVisuals.LatentGrid} documents (Kingma and Welling 2014, fig. 4);</li>
 *   <li>scatter: up to {@value #SCATTER_POINTS} evenly spaced test examples; the latent itself at latent_dim 2,
 *       the two most active units when at least two are active, else the first two principal components of
 *       mu over those examples (none at latent_dim 1);</li>
 *   <li>histograms: per traversed unit, z = mu + sigma * eps over the whole test set, one eps per example
 *       seeded per unit, over [-r, r] with r = max(4, the 0.1%/99.9% quantiles' magnitude);</li>
 *   <li>moments: the final epoch's only. The per-epoch history would need the trainer to keep E_x[mu_u] and
 *       E_x[sigma_u^2] per epoch, which EpochMetrics does not hold; with one entry the report draws no chart.</li>
 * </ul>
 */
public final class RunVisualsBuilder {
    /** Originals (and reconstructions) shown. */
    public static final int ORIGINALS = 10;
    /** Prior samples shown. */
    public static final int PRIOR_SAMPLES = 64;
    /** Units traversed, most active first. */
    public static final int TRAVERSAL_UNITS = 5;
    /** Values per traversal, from -{@value #TRAVERSAL_RANGE} to +{@value #TRAVERSAL_RANGE}. */
    public static final int TRAVERSAL_STEPS = 9;
    /** Traversal extent in prior standard deviations. */
    public static final double TRAVERSAL_RANGE = 3.0;
    /** Decoded points of the interpolation, endpoints included. */
    public static final int INTERPOLATION_STEPS = 10;
    /** Grid size per axis at latent_dim 2. */
    public static final int GRID = 15;
    /** Test examples in the latent scatter at most. */
    public static final int SCATTER_POINTS = 2000;
    /** Histograms cover at least [-4, 4], where N(0, 1) has all but 6e-5 of its mass. */
    static final double HIST_MIN_RANGE = 4.0;
    /** Bins per unit of z: 60 bins over [-4, 4]. */
    static final double BINS_PER_UNIT = 7.5;
    static final int MAX_BINS = 150;

    private RunVisualsBuilder() {
    }

    /** The seed of a run's pictures, derived from {@code train.seed} like the run's other streams. */
    public static long seedOf(RunConfig cfg) {
        return new RunSeeds(cfg.train().seed()).visuals();
    }

    /**
     * Builds the pictures of a completed run's model and writes them to the run's visuals.json.
     *
     * @return a one-line note for the progress display, with the time taken
     */
    public static String write(TrainResult result, RunConfig cfg, ImageSet test, RunRecorder rec) throws IOException {
        long t0 = System.nanoTime();
        int epoch = result.last() == null ? result.epochs().size() : result.last().epoch();
        RunVisuals v = build(result.model(), cfg, test, epoch, seedOf(cfg));
        rec.writeVisuals(v);
        return String.format(Locale.ROOT, "pictures (visuals.json) in %.2f s", (System.nanoTime() - t0) / 1e9);
    }

    /**
     * The pictures of {@code model} on {@code test}.
     *
     * @param cfg   the run's config (dataset preparation, active-unit threshold, train.seed for the test set's
     *              binarisation/dequantisation draws)
     * @param epoch epoch of the model, recorded in the file
     * @param seed  seed of the prior samples and histogram noise, e.g. {@link #seedOf(RunConfig)}
     */
    public static RunVisuals build(VaeModel model, RunConfig cfg, ImageSet test, int epoch, long seed) {
        int n = test.size();
        int rows = test.rows();
        int cols = test.cols();
        int dim = test.dim();
        int d = model.architecture().latentDim();
        if (model.architecture().dim() != dim) {
            throw new IllegalArgumentException("visuals: the model takes " + model.architecture().dim()
                    + " pixels, the test images have " + rows + "x" + cols);
        }
        if (n == 0) {
            throw new IllegalArgumentException("visuals: the test set is empty");
        }

        // The test set as the per-epoch evaluation sees it: same batch size and seed, so dynamic binarisation
        // and dequantisation draw the same values (see TestSet).
        float[] x = new float[n * dim];
        int[] labels = new int[n];
        BatchIterator it = Batches.eval(test, TestSet.BATCH, cfg.dataset().binarize(), cfg.dataset().dequantize(),
                new RunSeeds(cfg.train().seed()).evalData());
        int off = 0;
        while (it.hasNext()) {
            Batch b = it.next();
            System.arraycopy(b.x(), 0, x, off * dim, b.n() * dim);
            System.arraycopy(b.labels(), 0, labels, off, b.n());
            off += b.n();
        }
        VaeModel.Encoding enc = model.encode(x, n);
        double[][] mu = enc.mu();
        double[][] logvar = enc.logvar();
        double[] activity = n >= 2 ? ActiveUnits.activity(mu) : new double[d];
        int active = ActiveUnits.count(activity, cfg.eval().activeUnitThreshold());
        Integer[] byActivity = new Integer[d];
        for (int u = 0; u < d; u++) {
            byActivity[u] = u;
        }
        Arrays.sort(byActivity, Comparator.comparingDouble((Integer u) -> -activity[u]).thenComparingInt(u -> u));
        int[] shown = new int[Math.min(TRAVERSAL_UNITS, d)];
        for (int k = 0; k < shown.length; k++) {
            shown[k] = byActivity[k];
        }

        // Every code to decode, in one list: one decoder call for all the pictures.
        List<double[]> codes = new ArrayList<>();
        int[] orig = originals(labels);
        for (int i : orig) {
            codes.add(mu[i]);
        }
        SplittableRandom prior = new SplittableRandom(seed);
        for (int s = 0; s < PRIOR_SAMPLES; s++) {
            double[] z = new double[d];
            for (int u = 0; u < d; u++) {
                z[u] = prior.nextGaussian();
            }
            codes.add(z);
        }
        List<Double> values = new ArrayList<>();
        for (int s = 0; s < TRAVERSAL_STEPS; s++) {
            values.add(-TRAVERSAL_RANGE + 2 * TRAVERSAL_RANGE * s / (TRAVERSAL_STEPS - 1));
        }
        for (int u : shown) {
            for (double v : values) {
                double[] z = new double[d];
                z[u] = v;
                codes.add(z);
            }
        }
        int from = 0;
        int to = -1;
        if (n >= 2) {
            to = 1;
            for (int i = 1; i < n; i++) {
                if (labels[i] != labels[0]) {
                    to = i;
                    break;
                }
            }
            for (int s = 0; s < INTERPOLATION_STEPS; s++) {
                double t = s / (double) (INTERPOLATION_STEPS - 1);
                double[] z = new double[d];
                for (int u = 0; u < d; u++) {
                    z[u] = (1 - t) * mu[from][u] + t * mu[to][u];
                }
                codes.add(z);
            }
        }
        List<Double> gridValues = new ArrayList<>();
        if (d == 2) {
            NormalDistribution normal = new NormalDistribution(null, 0, 1);
            for (int i = 0; i < GRID; i++) {
                gridValues.add(normal.inverseCumulativeProbability(0.05 + 0.9 * i / (GRID - 1)));
            }
            for (int r = 0; r < GRID; r++) {
                for (int c = 0; c < GRID; c++) {
                    // top row first, z1 growing upwards: row r holds the (GRID - 1 - r)-th value of z1
                    codes.add(new double[] {gridValues.get(c), gridValues.get(GRID - 1 - r)});
                }
            }
        }
        float[][] img = model.decode(codes.toArray(new double[0][]));
        int next = 0;

        float[] origPx = new float[orig.length * dim];
        int[] origLabels = new int[orig.length];
        for (int k = 0; k < orig.length; k++) {
            System.arraycopy(x, orig[k] * dim, origPx, k * dim, dim);
            origLabels[k] = labels[orig[k]];
        }
        Images originals = Images.of(origPx, orig.length, rows, cols, origLabels);
        Images reconstructions = images(img, next, orig.length, rows, cols, origLabels);
        next += orig.length;
        Images samples = images(img, next, PRIOR_SAMPLES, rows, cols, null);
        next += PRIOR_SAMPLES;
        List<RunVisuals.Traversal> units = new ArrayList<>();
        for (int u : shown) {
            units.add(new RunVisuals.Traversal(u, activity[u], images(img, next, TRAVERSAL_STEPS, rows, cols, null)));
            next += TRAVERSAL_STEPS;
        }
        RunVisuals.Traversals traversals = new RunVisuals.Traversals("zero", null, values, units);
        RunVisuals.Interpolation interpolation = null;
        if (to >= 0) {
            float[] ends = new float[2 * dim];
            System.arraycopy(x, from * dim, ends, 0, dim);
            System.arraycopy(x, to * dim, ends, dim, dim);
            interpolation = new RunVisuals.Interpolation(from, to, labels[from], labels[to],
                    Images.of(ends, 2, rows, cols, new int[] {labels[from], labels[to]}),
                    images(img, next, INTERPOLATION_STEPS, rows, cols, null));
            next += INTERPOLATION_STEPS;
        }
        RunVisuals.LatentGrid grid = null;
        if (d == 2) {
            grid = new RunVisuals.LatentGrid(gridValues, images(img, next, GRID * GRID, rows, cols, null));
            next += GRID * GRID;
        }

        return new RunVisuals(RunVisuals.FORMAT, epoch, rows, cols, originals, reconstructions, samples, seed,
                traversals, interpolation, grid, scatter(mu, labels, activity, active, byActivity),
                histograms(mu, logvar, shown, seed), List.of(moments(mu, logvar, activity, epoch)));
    }

    /** The first example of each class, by class, then further examples in index order, up to ORIGINALS. */
    static int[] originals(int[] labels) {
        TreeMap<Integer, Integer> firstOfClass = new TreeMap<>();
        for (int i = 0; i < labels.length; i++) {
            firstOfClass.putIfAbsent(labels[i], i);
        }
        List<Integer> out = new ArrayList<>();
        for (int i : firstOfClass.values()) {
            if (out.size() < ORIGINALS) {
                out.add(i);
            }
        }
        for (int i = 0; i < labels.length && out.size() < ORIGINALS; i++) {
            if (!out.contains(i)) {
                out.add(i);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static Images images(float[][] img, int start, int count, int rows, int cols, int[] labels) {
        int dim = rows * cols;
        float[] flat = new float[count * dim];
        for (int k = 0; k < count; k++) {
            System.arraycopy(img[start + k], 0, flat, k * dim, dim);
        }
        return Images.of(flat, count, rows, cols, labels);
    }

    /** The 2D view of mu documented in {@link RunVisuals.LatentScatter}, or null at latent_dim 1. */
    static RunVisuals.LatentScatter scatter(double[][] mu, int[] labels, double[] activity, int active,
                                           Integer[] byActivity) {
        int n = mu.length;
        int d = activity.length;
        if (d < 2) {
            return null;
        }
        int m = Math.min(SCATTER_POINTS, n);
        int[] idx = new int[m];
        for (int i = 0; i < m; i++) {
            idx[i] = (int) ((long) i * n / m);
        }
        double[] xs = new double[m];
        double[] ys = new double[m];
        int[] ls = new int[m];
        for (int i = 0; i < m; i++) {
            ls[i] = labels[idx[i]];
        }
        if (d == 2 || active >= 2) {
            int a = d == 2 ? 0 : byActivity[0];
            int b = d == 2 ? 1 : byActivity[1];
            for (int i = 0; i < m; i++) {
                xs[i] = mu[idx[i]][a];
                ys[i] = mu[idx[i]][b];
            }
            if (d == 2) {
                return RunVisuals.LatentScatter.of("latent", List.of(0, 1), "z0", "z1", null, xs, ys, ls);
            }
            return RunVisuals.LatentScatter.of("active_units", List.of(a, b), unitLabel(a, activity[a]),
                    unitLabel(b, activity[b]), null, xs, ys, ls);
        }
        // Fewer than two active units: the principal components show what little structure mu still has.
        double[][] sub = new double[m][];
        for (int i = 0; i < m; i++) {
            sub[i] = mu[idx[i]];
        }
        double[] mean = new double[d];
        for (double[] row : sub) {
            for (int u = 0; u < d; u++) {
                mean[u] += row[u] / m;
            }
        }
        double[][] pcs = new double[2][d];
        double[] explained = new double[2];
        if (m >= 2) {
            EigenDecomposition eig = new EigenDecomposition(covariance(sub, mean));
            double[] ev = eig.getRealEigenvalues();
            Integer[] order = new Integer[d];
            for (int k = 0; k < d; k++) {
                order[k] = k;
            }
            Arrays.sort(order, Comparator.comparingDouble((Integer k) -> -ev[k]).thenComparingInt(k -> k));
            double total = 0;
            for (double v : ev) {
                total += Math.max(0, v);
            }
            for (int c = 0; c < 2; c++) {
                double[] vec = eig.getEigenvector(order[c]).toArray();
                // An eigenvector's sign is arbitrary: make its largest entry positive so reruns plot alike.
                int big = 0;
                for (int u = 1; u < d; u++) {
                    if (Math.abs(vec[u]) > Math.abs(vec[big])) {
                        big = u;
                    }
                }
                double sign = vec[big] < 0 ? -1 : 1;
                for (int u = 0; u < d; u++) {
                    pcs[c][u] = sign * vec[u];
                }
                explained[c] = total > 0 ? Math.max(0, ev[order[c]]) / total : 0;
            }
        }
        for (int i = 0; i < m; i++) {
            double px = 0;
            double py = 0;
            for (int u = 0; u < d; u++) {
                double c = sub[i][u] - mean[u];
                px += c * pcs[0][u];
                py += c * pcs[1][u];
            }
            xs[i] = px;
            ys[i] = py;
        }
        return RunVisuals.LatentScatter.of("pca", List.of(), pcLabel(1, explained[0]), pcLabel(2, explained[1]),
                List.of(explained[0], explained[1]), xs, ys, ls);
    }

    /**
     * The sample covariance (n - 1) of the rows of {@code x} around {@code mean}, accumulated row by row over the
     * upper triangle: Commons Math's Covariance makes passes over the data per pair of columns, which measured
     * 0.2-0.4 s at 128 dimensions and 2,000 rows, this 3-8 ms.
     */
    static RealMatrix covariance(double[][] x, double[] mean) {
        int d = mean.length;
        double[][] c = new double[d][d];
        double[] row = new double[d];
        for (double[] r : x) {
            for (int u = 0; u < d; u++) {
                row[u] = r[u] - mean[u];
            }
            for (int u = 0; u < d; u++) {
                double ru = row[u];
                double[] cu = c[u];
                for (int v = u; v < d; v++) {
                    cu[v] += ru * row[v];
                }
            }
        }
        for (int u = 0; u < d; u++) {
            for (int v = u; v < d; v++) {
                c[u][v] /= x.length - 1;
                c[v][u] = c[u][v];
            }
        }
        return new Array2DRowRealMatrix(c, false);
    }

    /** "z7 (A=1.32)", "z3 (A=0.17)": three significant digits without trailing zeros. */
    static String unitLabel(int u, double a) {
        String s = new java.math.BigDecimal(a).round(new java.math.MathContext(3)).stripTrailingZeros()
                .toPlainString();
        return "z" + u + " (A=" + s + ")";
    }

    private static String pcLabel(int k, double share) {
        return String.format(Locale.ROOT, "PC%d (%.0f%% of variance)", k, 100 * share);
    }

    /** Per shown unit, a histogram of z = mu + sigma * eps over the test set (samples of q(z)). */
    static List<RunVisuals.LatentHistogram> histograms(double[][] mu, double[][] logvar, int[] shown, long seed) {
        int n = mu.length;
        List<RunVisuals.LatentHistogram> out = new ArrayList<>();
        for (int u : shown) {
            // one stream per unit: a unit's histogram does not depend on which other units are shown
            SplittableRandom rng = new SplittableRandom(RunSeeds.mix(seed + 0x9E3779B97F4A7C15L * (u + 1)));
            double[] z = new double[n];
            for (int i = 0; i < n; i++) {
                z[i] = mu[i][u] + Math.exp(0.5 * logvar[i][u]) * rng.nextGaussian();
            }
            double[] sorted = z.clone();
            Arrays.sort(sorted);
            double lo = sorted[(int) Math.floor(0.001 * (n - 1))];
            double hi = sorted[(int) Math.ceil(0.999 * (n - 1))];
            double r = Math.max(HIST_MIN_RANGE, Math.ceil(2 * Math.max(Math.abs(lo), Math.abs(hi))) / 2);
            int bins = (int) Math.min(MAX_BINS, Math.round(2 * r * BINS_PER_UNIT));
            out.add(RunVisuals.LatentHistogram.of(u, "sampled", z, -r, r, bins));
        }
        return out;
    }

    /**
     * The aggregate posterior's moments per unit: mean E_x[mu_u] and sd sqrt(Var_x[mu_u] + E_x[sigma_u^2]), the
     * law of total variance, with Var_x[mu_u] the activity A_u.
     */
    static RunVisuals.LatentMoments moments(double[][] mu, double[][] logvar, double[] activity, int epoch) {
        int n = mu.length;
        int d = activity.length;
        double[] sum = new double[d];
        double[] var = new double[d];
        for (int i = 0; i < n; i++) { // row by row: mu and logvar are arrays of rows
            for (int u = 0; u < d; u++) {
                sum[u] += mu[i][u];
                var[u] += Math.exp(logvar[i][u]);
            }
        }
        List<Double> mean = new ArrayList<>(d);
        List<Double> std = new ArrayList<>(d);
        for (int u = 0; u < d; u++) {
            mean.add(sum[u] / n);
            std.add(Math.sqrt(activity[u] + var[u] / n));
        }
        return new RunVisuals.LatentMoments(epoch, mean, std);
    }
}
