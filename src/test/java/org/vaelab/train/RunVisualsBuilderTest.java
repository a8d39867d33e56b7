package org.vaelab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vaelab.train.TrainerFixtures.DATA;
import static org.vaelab.train.TrainerFixtures.SIDE;
import static org.vaelab.train.TrainerFixtures.tiny;
import static org.vaelab.train.TrainerFixtures.with;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.vaelab.data.ImageSet;
import org.vaelab.diagnostics.ActiveUnits;
import org.vaelab.model.VaeModel;
import org.vaelab.spec.Activation;
import org.vaelab.spec.Binarize;
import org.vaelab.spec.DatasetSpec;
import org.vaelab.spec.EvalSpec;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.RunConfig;
import org.vaelab.tracking.RunRecorder;
import org.vaelab.tracking.RunStore;
import org.vaelab.tracking.RunVisuals;
import org.vaelab.tracking.RunVisuals.Images;

class RunVisualsBuilderTest {
    private static final int N = DATA.test().size();
    /** A model trained for two epochs on the synthetic digits, latent 4 (shared: training costs a second). */
    private static TrainResult trained;

    @TempDir
    Path tmp;

    @BeforeAll
    static void train(@TempDir Path dir) throws IOException {
        RunConfig c = tiny();
        trained = new Trainer().train(TrainerFixtures.spec(c), DATA, TrainerFixtures.recorder(dir, c),
                TrainingListener.NONE);
    }

    @AfterAll
    static void close() {
        trained.close();
    }

    private static RunConfig latent(int d) {
        ModelSpec m = tiny().model();
        return with(tiny(), new ModelSpec(m.encoder(), m.decoder(), m.hidden(), m.channels(), m.activation(), d));
    }

    private static RunConfig threshold(RunConfig c, double t) {
        return new RunConfig(c.dataset(), c.model(), c.loss(), c.train(), new EvalSpec(t, 1, 1));
    }

    private static VaeModel untrained(RunConfig c) {
        return VaeModel.create(c.model(), c.loss(), SIDE, SIDE, DataType.FLOAT, 5);
    }

    private static float[] testPixels(ImageSet s) {
        float[] x = new float[s.pixels().length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (s.pixels()[i] & 0xff) / 255f;
        }
        return x;
    }

    private static float[] flat(Images im) {
        int[][] px = im.allPixels();
        float[] out = new float[im.count() * im.rows() * im.cols()];
        for (int i = 0; i < px.length; i++) {
            for (int k = 0; k < px[i].length; k++) {
                out[i * px[i].length + k] = px[i][k] / 255f;
            }
        }
        return out;
    }

    private static int[] quantised(float[] img) {
        return Images.of(img, 1, SIDE, SIDE, null).pixels(0);
    }

    @Test
    void everyPictureHasItsDocumentedCountAndSize() {
        RunVisuals v = RunVisualsBuilder.build(trained.model(), tiny(), DATA.test(), 2, 11);
        assertEquals(2, v.epoch());
        assertEquals(SIDE, v.rows());
        assertEquals(SIDE, v.cols());
        assertEquals(10, v.originals().count());
        assertEquals(10, v.reconstructions().count());
        assertEquals(64, v.priorSamples().count());
        assertEquals(11L, v.sampleSeed());
        for (Images im : List.of(v.originals(), v.reconstructions(), v.priorSamples())) {
            assertEquals(SIDE, im.rows());
            assertEquals(SIDE, im.cols());
        }
        assertEquals(List.of(-3.0, -2.25, -1.5, -0.75, 0.0, 0.75, 1.5, 2.25, 3.0), v.traversals().values());
        assertEquals("zero", v.traversals().base());
        assertNull(v.traversals().baseExample());
        assertEquals(4, v.traversals().units().size(), "latent 4: every unit, up to 5");
        assertEquals(10, v.interpolation().images().count());
        assertEquals(2, v.interpolation().endpoints().count());
        assertNull(v.grid(), "no grid at latent_dim 4");
        assertEquals(4, v.histograms().size());
        assertEquals(1, v.moments().size());
        assertEquals(4, v.moments().get(0).mean().size());
        assertEquals(Math.min(N, 2000), v.scatter().x().size());
        assertEquals(v.scatter().x().size(), v.scatter().labels().size());
    }

    @Test
    void originalsAreOnePerClassInClassOrderAndReconstructionsFollowThem() {
        VaeModel model = trained.model();
        RunVisuals v = RunVisualsBuilder.build(model, tiny(), DATA.test(), 2, 11);
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), v.originals().labels());
        int[] labels = DATA.test().labels();
        for (int k = 0; k < 10; k++) {
            int first = 0;
            while (labels[first] != k) {
                first++;
            }
            int[] raw = new int[SIDE * SIDE];
            for (int j = 0; j < raw.length; j++) {
                raw[j] = DATA.test().pixel(first, j);
            }
            assertArrayEquals(raw, v.originals().pixels(k), "original " + k + " is test example " + first);
        }
        // the reconstruction of original k is the decoder mean at its posterior mean, same order
        float[][] rec = model.reconstruct(flat(v.originals()), 10);
        for (int k = 0; k < 10; k++) {
            assertArrayEquals(quantised(rec[k]), v.reconstructions().pixels(k), "reconstruction " + k);
        }
        assertEquals(v.originals().labels(), v.reconstructions().labels());
    }

    @Test
    void originalsFallBackToIndexOrderWhenClassesAreFew() {
        assertArrayEquals(new int[] {2, 0, 1, 3, 4}, RunVisualsBuilder.originals(new int[] {7, 7, 3, 7, 3}));
        int[] one = new int[30];
        Arrays.fill(one, 5);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, RunVisualsBuilder.originals(one));
    }

    @Test
    void imagesAreDecoderMeansNotLogits() {
        // An untrained decoder's logits are near 0 on both sides: as means they are grey (sigmoid ~ 0.5); as
        // logits clamped to [0, 1] half the pixels would be exactly black.
        RunConfig c = tiny();
        try (VaeModel m = untrained(c)) {
            RunVisuals v = RunVisualsBuilder.build(m, c, DATA.test(), 0, 3);
            int saturated = 0;
            int total = 0;
            for (int[] px : v.priorSamples().allPixels()) {
                for (int p : px) {
                    saturated += p == 0 || p == 255 ? 1 : 0;
                    total++;
                }
            }
            assertTrue(saturated < total / 20, saturated + " of " + total + " pixels at 0 or 255");
        }
    }

    @Test
    void traversedUnitsAreTheMostActiveInOrder() {
        VaeModel model = trained.model();
        RunVisuals v = RunVisualsBuilder.build(model, tiny(), DATA.test(), 2, 11);
        double[] a = ActiveUnits.activity(model.encode(testPixels(DATA.test()), N).mu());
        List<RunVisuals.Traversal> units = v.traversals().units();
        for (int k = 0; k < units.size(); k++) {
            assertEquals(a[units.get(k).unit()], units.get(k).activity(), 1e-9);
            if (k > 0) {
                assertTrue(units.get(k - 1).activity() >= units.get(k).activity(), "sorted by activity");
            }
            assertEquals(9, units.get(k).images().count());
        }
        Set<Integer> distinct = new HashSet<>();
        units.forEach(t -> distinct.add(t.unit()));
        assertEquals(units.size(), distinct.size());
        // the histograms are of the traversed units, in the same order
        assertEquals(units.stream().map(RunVisuals.Traversal::unit).toList(),
                v.histograms().stream().map(RunVisuals.LatentHistogram::unit).toList());
        // the traversal's middle image is the decoder at z = 0
        float[][] zero = model.decode(new double[][] {new double[4]});
        assertArrayEquals(quantised(zero[0]), units.get(0).images().pixels(4));
    }

    @Test
    void interpolationJoinsTwoTestDigitsOfDifferentClasses() {
        VaeModel model = trained.model();
        RunVisuals v = RunVisualsBuilder.build(model, tiny(), DATA.test(), 2, 11);
        RunVisuals.Interpolation in = v.interpolation();
        int[] labels = DATA.test().labels();
        assertEquals(0, in.fromIndex());
        assertNotEquals(in.fromLabel(), in.toLabel());
        assertEquals(labels[in.fromIndex()], in.fromLabel());
        assertEquals(labels[in.toIndex()], in.toLabel());
        for (int i = 1; i < in.toIndex(); i++) {
            assertEquals(labels[0], labels[i], "the first example of another class");
        }
        // endpoints are the inputs; the path starts and ends at their reconstructions
        float[][] rec = model.reconstruct(flat(in.endpoints()), 2);
        assertArrayEquals(quantised(rec[0]), in.images().pixels(0));
        assertArrayEquals(quantised(rec[1]), in.images().pixels(9));
        assertEquals(DATA.test().pixel(in.toIndex(), 40), in.endpoints().pixels(1)[40]);
    }

    @Test
    void latentTwoHasTheGridInTheDocumentedLayoutAndTheLatentScatter() {
        RunConfig c = latent(2);
        try (VaeModel m = untrained(c)) {
            RunVisuals v = RunVisualsBuilder.build(m, c, DATA.test(), 0, 3);
            RunVisuals.LatentGrid g = v.grid();
            assertNotNull(g);
            assertEquals(15, g.values().size());
            assertEquals(225, g.images().count());
            assertEquals(-1.6448536, g.values().get(0), 1e-6, "Phi^-1(0.05)");
            assertEquals(0.0, g.values().get(7), 1e-12);
            for (int i = 1; i < 15; i++) {
                assertTrue(g.values().get(i) > g.values().get(i - 1), "ascending");
                assertEquals(-g.values().get(14 - i), g.values().get(i), 1e-9, "symmetric");
            }
            // image r * n + c decodes (values[c], values[n - 1 - r]): top left is (lowest z0, highest z1)
            float[][] corners = m.decode(new double[][] {{g.values().get(0), g.values().get(14)},
                    {g.values().get(14), g.values().get(0)}, {g.values().get(3), g.values().get(14 - 5)}});
            assertArrayEquals(quantised(corners[0]), g.images().pixels(0));
            assertArrayEquals(quantised(corners[1]), g.images().pixels(224));
            assertArrayEquals(quantised(corners[2]), g.images().pixels(5 * 15 + 3));

            RunVisuals.LatentScatter s = v.scatter();
            assertEquals("latent", s.method());
            assertEquals(List.of(0, 1), s.dims());
            assertEquals("z0", s.xLabel());
            double[][] mu = m.encode(testPixels(DATA.test()), N).mu();
            for (int i = 0; i < N; i++) {
                assertEquals(mu[i][0], s.x().get(i), 1e-4);
                assertEquals(mu[i][1], s.y().get(i), 1e-4);
                assertEquals(DATA.test().labels()[i], s.labels().get(i));
            }
            assertEquals(2, v.traversals().units().size());
        }
    }

    @Test
    void scatterUsesTheTwoMostActiveUnitsOrPrincipalComponents() {
        // threshold 0: every unit that moves at all is active -> the two most active units
        RunConfig all = threshold(latent(6), 0);
        try (VaeModel m = untrained(all)) {
            RunVisuals v = RunVisualsBuilder.build(m, all, DATA.test(), 0, 3);
            RunVisuals.LatentScatter s = v.scatter();
            assertEquals("active_units", s.method());
            List<Integer> top = v.traversals().units().stream().map(RunVisuals.Traversal::unit).limit(2).toList();
            assertEquals(top, s.dims());
            assertTrue(s.xLabel().startsWith("z" + top.get(0) + " (A="), s.xLabel());
            assertNull(v.grid());

            // a threshold nothing passes: fewer than two active units -> PCA of mu
            RunConfig none = threshold(latent(6), 1e9);
            RunVisuals p = RunVisualsBuilder.build(m, none, DATA.test(), 0, 3);
            RunVisuals.LatentScatter ps = p.scatter();
            assertEquals("pca", ps.method());
            assertTrue(ps.dims().isEmpty());
            List<Double> ev = ps.explainedVariance();
            assertEquals(2, ev.size());
            assertTrue(ev.get(0) >= ev.get(1) && ev.get(1) >= 0 && ev.get(0) + ev.get(1) <= 1 + 1e-9, ev.toString());
            assertTrue(ps.xLabel().startsWith("PC1 ("), ps.xLabel());
            // the projections are centred, and PC1's variance share is what explained_variance says
            double[][] mu = m.encode(testPixels(DATA.test()), N).mu();
            double total = Arrays.stream(ActiveUnits.activity(mu)).sum();
            assertEquals(0, ps.x().stream().mapToDouble(Double::doubleValue).average().orElseThrow(), 1e-3);
            assertEquals(ev.get(0), variance(ps.x()) / total, 0.01);
            assertEquals(ev.get(1), variance(ps.y()) / total, 0.01);
        }
    }

    @Test
    void unitLabelsNameTheUnitAndItsActivity() {
        assertEquals("z7 (A=1.32)", RunVisualsBuilder.unitLabel(7, 1.3249));
        assertEquals("z3 (A=0.17)", RunVisualsBuilder.unitLabel(3, 0.17002));
        assertEquals("z0 (A=0.00462)", RunVisualsBuilder.unitLabel(0, 0.0046213));
        assertEquals("z1 (A=124)", RunVisualsBuilder.unitLabel(1, 123.6));
        assertEquals("z2 (A=0)", RunVisualsBuilder.unitLabel(2, 0));
    }

    @Test
    void momentsFollowTheLawOfTotalVariance() {
        // mu 1 and 3: mean 2, A = Var_x[mu] = 2 (n - 1); sigma^2 1 and 4: E_x[sigma^2] = 2.5
        RunVisuals.LatentMoments m = RunVisualsBuilder.moments(new double[][] {{1, 0}, {3, 0}},
                new double[][] {{0, 0}, {Math.log(4), 0}}, new double[] {2, 0}, 7);
        assertEquals(7, m.epoch());
        assertEquals(List.of(2.0, 0.0), m.mean());
        assertEquals(Math.sqrt(4.5), m.std().get(0), 1e-12);
        assertEquals(1.0, m.std().get(1), 1e-12, "a unit at the prior");
    }

    @Test
    void covarianceMatchesCommonsMath() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(4);
        double[][] x = new double[50][7];
        double[] mean = new double[7];
        for (double[] row : x) {
            for (int u = 0; u < 7; u++) {
                row[u] = r.nextGaussian() * (u + 1) + (u == 3 ? row[0] : 0);
                mean[u] += row[u] / 50;
            }
        }
        double[][] ours = RunVisualsBuilder.covariance(x, mean).getData();
        double[][] ref = new org.apache.commons.math3.stat.correlation.Covariance(x, true).getCovarianceMatrix()
                .getData();
        for (int u = 0; u < 7; u++) {
            assertArrayEquals(ref[u], ours[u], 1e-9);
        }
    }

    private static double variance(List<Double> v) {
        double m = v.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        return v.stream().mapToDouble(x -> (x - m) * (x - m)).sum() / (v.size() - 1);
    }

    @Test
    void latentOneHasNoScatter() {
        // Not through a model: M2.1's fused relu_layer refuses a one-column input, so an MLP decoder cannot run
        // at latent_dim 1 (training fails the same way; reported to the model's owner).
        double[][] mu = {{0.5}, {-1}, {2}};
        assertNull(RunVisualsBuilder.scatter(mu, new int[] {1, 2, 3}, new double[] {1.75}, 1, new Integer[] {0}));
    }

    @Test
    void histogramsCountEverySampleAndCoverThePrior() {
        VaeModel model = trained.model();
        RunVisuals v = RunVisualsBuilder.build(model, tiny(), DATA.test(), 2, 11);
        RunVisuals.LatentMoments mo = v.moments().get(0);
        for (RunVisuals.LatentHistogram h : v.histograms()) {
            assertEquals("sampled", h.source());
            assertTrue(h.lo() <= -4 && h.hi() >= 4 && h.lo() == -h.hi(), h.lo() + ".." + h.hi());
            int counted = h.counts().stream().mapToInt(Integer::intValue).sum();
            assertTrue(counted >= N - 2 && counted <= N, counted + " of " + N + " inside [lo, hi]");
            // sampled moments estimate the aggregate posterior's exact ones (n = 128: loose tolerance)
            assertEquals(mo.mean().get(h.unit()), h.mean(), 4 * mo.std().get(h.unit()) / Math.sqrt(N));
            assertEquals(mo.std().get(h.unit()), h.std(), 0.25 * mo.std().get(h.unit()));
        }
    }

    @Test
    void theSameSeedGivesTheSamePicturesAndAnotherSeedOtherSamples() {
        VaeModel model = trained.model();
        RunVisuals a = RunVisualsBuilder.build(model, tiny(), DATA.test(), 2, 11);
        RunVisuals b = RunVisualsBuilder.build(model, tiny(), DATA.test(), 2, 11);
        assertEquals(a, b);
        RunVisuals c = RunVisualsBuilder.build(model, tiny(), DATA.test(), 2, 12);
        assertNotEquals(a.priorSamples(), c.priorSamples());
        assertNotEquals(a.histograms(), c.histograms());
        assertEquals(a.reconstructions(), c.reconstructions());
        assertEquals(a.traversals(), c.traversals());
        assertEquals(a.scatter(), c.scatter());
        assertEquals(RunVisualsBuilder.seedOf(tiny()), RunVisualsBuilder.seedOf(tiny()));
    }

    @Test
    void theTestSetIsFedAsEvaluationFeedsIt() {
        // dynamic binarisation: the originals are the binary draws the test ELBO sees, not grey pixels
        RunConfig c = tiny();
        DatasetSpec d = c.dataset();
        RunConfig bin = new RunConfig(new DatasetSpec(d.name(), d.path(), d.subset(), d.testSubset(), d.classes(),
                Binarize.DYNAMIC, false), c.model(), c.loss(), c.train(), c.eval());
        RunVisuals v = RunVisualsBuilder.build(trained.model(), bin, DATA.test(), 2, 11);
        List<Integer> values = new ArrayList<>();
        for (int[] px : v.originals().allPixels()) {
            for (int p : px) {
                if (!values.contains(p)) {
                    values.add(p);
                }
            }
        }
        values.sort(null);
        assertEquals(List.of(0, 255), values);
    }

    @Test
    void tinyTestSetsLeaveOutWhatTheyCannotShow() {
        ImageSet t = DATA.test();
        int dim = t.dim();
        ImageSet one = new ImageSet(Arrays.copyOf(t.pixels(), dim), new int[] {t.labels()[0]}, SIDE, SIDE);
        RunVisuals v = RunVisualsBuilder.build(trained.model(), tiny(), one, 2, 11);
        assertEquals(1, v.originals().count());
        assertNull(v.interpolation(), "one test example: nothing to interpolate");
        assertEquals(1, v.scatter().x().size());
        assertEquals(64, v.priorSamples().count());
    }

    @Test
    void writesVisualsJsonThatReadsBackEqual() throws IOException {
        RunStore store = new RunStore(tmp, "test");
        RunRecorder rec = TrainerFixtures.recorder(tmp, tiny());
        String note = RunVisualsBuilder.write(trained, tiny(), DATA.test(), rec);
        assertTrue(note.startsWith("pictures"), note);
        RunVisuals back = store.readVisuals("run1").orElseThrow();
        assertEquals(RunVisualsBuilder.build(trained.model(), tiny(), DATA.test(), 2, RunVisualsBuilder.seedOf(tiny())),
                back);
        assertEquals(2, back.epoch());
    }

    @Test
    void modelOfAnotherImageSizeIsRefusedByName() {
        RunConfig c = tiny();
        try (VaeModel m = VaeModel.create(c.model(), c.loss(), 10, 10, DataType.FLOAT, 1)) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> RunVisualsBuilder.build(m, c, DATA.test(), 0, 1));
            assertTrue(e.getMessage().contains("100 pixels"), e.getMessage());
        }
    }

    @Test
    void convolutionalModelsBuildToo() {
        // a conv encoder and decoder: the builder only uses the model's public encode/decode
        RunConfig c = with(tiny(), new ModelSpec(NetKind.CONV, NetKind.CONV, List.of(32), List.of(4, 8),
                Activation.RELU, 3));
        try (VaeModel m = untrained(c)) {
            RunVisuals v = RunVisualsBuilder.build(m, c, DATA.test(), 0, 3);
            assertEquals(3, v.traversals().units().size());
            assertEquals(10, v.reconstructions().count());
        }
    }
}
