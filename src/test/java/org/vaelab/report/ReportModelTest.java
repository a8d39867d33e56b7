package org.vaelab.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.report.ReportModel.Callout;
import org.vaelab.report.ReportModel.RunEntry;
import org.vaelab.tracking.EpochMetrics;
import org.vaelab.tracking.RunStatus;
import org.vaelab.tracking.RunSummary;

class ReportModelTest {
    @TempDir
    static Path tmp;
    static SweepData data;
    static ReportModel m;

    @BeforeAll
    static void writeSweep() throws Exception {
        data = ReportLoader.load(SyntheticSweep.write(tmp.resolve("results"), "beta-sweep", false));
        m = ReportModel.of(List.of(data));
    }

    @Test
    void loadsEveryRunWithItsFiles() {
        assertEquals(12, data.runs().size());
        RunData failed = run("latent_dim=32,beta=0.5").data();
        assertTrue(failed.epochs().isEmpty());
        assertNull(failed.visuals());
        RunData ok = run("latent_dim=2,beta=1").data();
        assertEquals(SyntheticSweep.EPOCHS, ok.epochs().size());
        assertEquals(28, ok.visuals().rows());
        assertEquals("testbox", ok.provenance().get("host"));
        assertTrue(ok.specYaml().contains("latent_dim: 2"));
        assertTrue(data.runs().stream().allMatch(r -> r.problems().isEmpty()));
    }

    @Test
    void variedKeysFollowExpansionOrderAndBetaColoursLatentSizePanels() {
        // summary.json sorts the varied keys by name (loss.beta first); the model must recover the spec's order.
        assertEquals(List.of("model.latent_dim", "loss.beta"), m.variedKeys());
        assertEquals("loss.beta", m.colourKey());
        assertEquals("model.latent_dim", m.panelKey());
        assertEquals(List.of(2, 8, 32, 128), m.latentDims());
        assertEquals(List.of(0.5, 1.0, 4.0), m.betas());
    }

    @Test
    void countsStatusesAndSumsTheHeader() {
        assertEquals(Map.of(RunStatus.COMPLETED, 10, RunStatus.FAILED, 1, RunStatus.DIVERGED, 1), m.statusCounts());
        ReportModel.SweepHeader h = m.sweeps().get(0);
        assertTrue(h.description().startsWith("Synthetic beta x latent_dim sweep"), h.description());
        assertTrue(h.machine().contains("testbox") && h.machine().contains("2 cores")
                && h.machine().contains("nd4j-native"), h.machine());
        assertEquals("2024-05-01T10:00:00Z", h.started());
        double seconds = data.runs().stream().mapToDouble(r -> r.summary().seconds()).sum();
        assertEquals(seconds, h.seconds(), 1e-9);
    }

    @Test
    void calloutsNameBestCollapsedDivergedAndFailedRuns() {
        assertEquals(List.of("best", "collapse", "partial", "diverged", "failed"),
                m.callouts().stream().map(Callout::kind).toList());
        RunSummary best = data.runs().stream().map(RunData::summary).filter(s -> s.status() == RunStatus.COMPLETED)
                .min(Comparator.comparingDouble(s -> s.finalMetrics().testLoss())).orElseThrow();
        assertEquals(best.name(), callout("best").items().get(0).run().name());
        assertEquals(List.of("latent_dim=128,beta=4"), names(callout("collapse")));
        assertEquals(List.of("latent_dim=8,beta=1", "latent_dim=8,beta=4", "latent_dim=32,beta=1",
                "latent_dim=32,beta=4", "latent_dim=128,beta=1"), names(callout("partial")));
        assertTrue(callout("diverged").items().get(0).detail().contains("NaN at epoch 7"));
        assertTrue(callout("failed").items().get(0).detail().contains("OutOfMemoryError"));
    }

    @Test
    void theBestLogLikelihoodIsNamedWhenItIsNotTheBestElbo() {
        // As in mc-k: IWAE at K = 50 has the worst ELBO and the best log-likelihood.
        ReportModel both = ReportModel.of(List.of(new SweepData("mc", null, null, List.of(
                withLoglik(0, 132.9, -125.4), withLoglik(1, 163.1, -123.5)), List.of())));
        assertEquals(List.of("best", "best-loglik"), both.callouts().stream().map(Callout::kind).toList());
        assertEquals("r0", both.callouts().get(0).items().get(0).run().summary().id());
        assertEquals("r1", both.callouts().get(1).items().get(0).run().summary().id());
        ReportModel same = ReportModel.of(List.of(new SweepData("mc", null, null, List.of(
                withLoglik(0, 132.9, -120.0), withLoglik(1, 163.1, -123.5)), List.of())));
        assertEquals(List.of("best"), same.callouts().stream().map(Callout::kind).toList(),
                "one run best on both: named once");
    }

    private static RunData withLoglik(int index, double testLoss, double loglik) {
        EpochMetrics last = EpochMetrics.builder(1).train(testLoss, testLoss - 10, 10).test(testLoss, testLoss - 10, 10)
                .beta(1.0).gradNorm(3).learningRate(1e-3).epochSeconds(1).trainSamplesPerSecond(100).build();
        RunSummary s = RunSummary.builder("r" + index, "run" + index, "mc", index).status(RunStatus.COMPLETED)
                .varied(Map.of("k", index)).config(Map.of()).epochsCompleted(1).finalMetrics(last).seconds(3)
                .testLoglik(loglik).build();
        return new RunData(s, List.of(last), null, Map.of(), null, List.of());
    }

    @Test
    void runPagesLiveUnderTheirSweep() {
        RunEntry r = run("latent_dim=8,beta=4");
        assertEquals("runs/beta-sweep/" + r.id() + ".html", r.page());
        assertEquals("runs/beta-sweep/" + r.id() + "/", r.assetDir());
        assertEquals(8, r.latentDim());
        assertEquals(4.0, r.beta());
    }

    @Test
    void comparisonAddsTheSweepAsOuterVariedKey() throws Exception {
        SweepData other = ReportLoader.load(SyntheticSweep.write(tmp.resolve("results"), "small-sweep", false,
                List.of(2, 8), List.of(1.0)));
        ReportModel both = ReportModel.of(List.of(data, other));
        assertTrue(both.combined());
        assertEquals("beta-sweep vs small-sweep", both.title());
        assertEquals(List.of("sweep", "model.latent_dim", "loss.beta"), both.variedKeys());
        assertEquals(14, both.runs().size());
        assertEquals("small-sweep", both.runs().get(13).varied().get("sweep"));
    }

    @Test
    void expansionOrderIsRecoveredFromTheRuns() {
        // beta outer, seed inner: seed changes on every run, beta every third.
        List<SweepData> sweeps = List.of(new SweepData("s", null, null, List.of(
                stub(0, 1.0, 1), stub(1, 1.0, 2), stub(2, 1.0, 3), stub(3, 4.0, 1), stub(4, 4.0, 2),
                stub(5, 4.0, 3)), List.of()));
        ReportModel model = ReportModel.of(sweeps);
        assertEquals(List.of("loss.beta", "train.seed"), model.variedKeys());
        // The innermost key would colour, but seeds are replicates: beta colours and nothing is left for panels.
        assertEquals("loss.beta", model.colourKey(), "seeds do not colour when something else varies");
        assertNull(model.panelKey());
        ReportModel seedsOnly = ReportModel.of(List.of(new SweepData("s", null, null, List.of(stub(0, 1.0, 1),
                stub(1, 1.0, 2)), List.of())));
        assertEquals("train.seed", seedsOnly.colourKey(), "seeds alone still colour");
    }

    @Test
    void aSingleRunVariesNothing() {
        ReportModel one = ReportModel.of(List.of(new SweepData("s", null, null, List.of(stub(0, 1.0, 1)),
                List.of())));
        assertEquals(List.of(), one.variedKeys());
        assertNull(one.colourKey());
        assertNull(one.panelKey());
        assertEquals(List.of(), one.callouts(), "a pending run has nothing to call out");
    }

    static RunData stub(int index, double beta, int seed) {
        Map<String, Object> varied = new LinkedHashMap<>();
        varied.put("loss.beta", beta);
        varied.put("train.seed", seed);
        Map<String, Object> config = Map.of("loss", Map.of("beta", beta), "train", Map.of("seed", seed),
                "model", Map.of("latent_dim", 4));
        RunSummary s = RunSummary.builder("id" + index, "beta=" + beta + ",seed=" + seed, "s", index)
                .status(RunStatus.PENDING).varied(varied).config(config).build();
        return new RunData(s, List.of(), null, Map.of(), null, List.of());
    }

    private static RunEntry run(String name) {
        return m.runs().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    private static Callout callout(String kind) {
        return m.callouts().stream().filter(c -> c.kind().equals(kind)).findFirst().orElseThrow();
    }

    private static List<String> names(Callout c) {
        return c.items().stream().map(i -> i.run().name()).toList();
    }
}
