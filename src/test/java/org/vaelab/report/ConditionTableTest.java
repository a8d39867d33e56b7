package org.vaelab.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.diagnostics.ReplicateStats.Pairing;
import org.vaelab.diagnostics.Verdict;
import org.vaelab.report.ConditionTable.Comparison;
import org.vaelab.report.ConditionTable.Condition;
import org.vaelab.tracking.ReplicateSweep;

/** Conditions of a seeded sweep: grouping, statistics, verdict counts, comparisons and the page section. */
class ConditionTableTest {
    @TempDir
    Path tmp;
    ReportModel m;
    ConditionTable t;

    @BeforeEach
    void load() throws IOException {
        m = ReportModel.of(List.of(ReportLoader.load(ReplicateSweep.write(tmp.resolve("results"), "warm"))));
        t = ConditionTable.of(m).orElseThrow();
    }

    private Condition condition(int latent, String schedule) {
        return t.conditions().stream().filter(c -> c.values().get("model.latent_dim").equals(latent)
                && c.values().get("loss.warmup.schedule").equals(schedule)).findFirst().orElseThrow();
    }

    @Test
    void runsThatDifferOnlyInTheSeedFormOneCondition() {
        assertEquals(List.of("model.latent_dim", "loss.warmup.schedule"), t.keys());
        assertEquals(4, t.conditions().size());
        t.conditions().forEach(c -> assertEquals(3, c.runs().size()));
        Condition none8 = condition(8, "none");
        // 100 + 40/4 + 0.25 seed^2 for seeds 1, 2, 3: 110.25, 111, 112.25
        assertEquals((110.25 + 111 + 112.25) / 3, none8.stat("test_loss").mean(), 1e-12);
        assertEquals(3, none8.stat("test_loss").n());
        assertEquals(Map.of(Verdict.HEALTHY, 3), none8.verdicts());
        Condition linear32 = condition(32, "linear");
        assertEquals(2, linear32.completed(), "the failed run is not in the statistics");
        assertEquals(2, linear32.stat("test_loss").n());
        assertEquals(Map.of(Verdict.PARTIAL_COLLAPSE, 2), linear32.verdicts());
        assertEquals((22 + 24) / 2.0, linear32.stat("active_units").mean(), 0);
    }

    @Test
    void differencesArePairedBySeedWhenSeedsMatchAndWelchOtherwise() {
        Comparison at8 = find("loss.warmup.schedule", "test_loss", "latent_dim=8");
        assertEquals(Pairing.PAIRED, at8.diff().pairing());
        assertEquals(-1.5, at8.diff().mean(), 1e-9);
        assertEquals(-1.5, at8.diff().lo(), 1e-9, "every seed differs by exactly 1.5: no spread");
        assertFalse(at8.diff().coversZero());
        assertTrue(ConditionTable.sentence(at8, Values.shortNames(m.variedKeys())).endsWith(": better"));

        Comparison at32 = find("loss.warmup.schedule", "test_loss", "latent_dim=32");
        assertEquals(Pairing.WELCH, at32.diff().pairing(), "seed 3 of linear failed: the seeds do not match");
        assertEquals((105.75 + 106.5) / 2 - (107.25 + 108 + 109.25) / 3, at32.diff().mean(), 1e-9);

        Comparison units = find("loss.warmup.schedule", "active_units", "latent_dim=8");
        assertTrue(units.diff().coversZero());
        assertTrue(ConditionTable.sentence(units, Values.shortNames(m.variedKeys()))
                .endsWith("within the seed spread"), ConditionTable.sentence(units, Values.shortNames(m.variedKeys())));

        Comparison latent = find("model.latent_dim", "active_units", "schedule=none");
        assertEquals(Pairing.PAIRED, latent.diff().pairing());
        assertEquals((22 + 24 + 26) / 3.0 - 8, latent.diff().mean(), 1e-9);
        assertEquals(32, latent.a().values().get("model.latent_dim"));
    }

    @Test
    void bestConditionIsTheLowestMeanWithReplicates() {
        Condition best = t.best().orElseThrow();
        assertEquals(32, best.values().get("model.latent_dim"));
        assertEquals("linear", best.values().get("loss.warmup.schedule"));
    }

    @Test
    void noTableWithoutReplicates() throws IOException {
        ReportModel single = ReportModel.of(List.of(ReportLoader.load(SyntheticSweep.write(tmp.resolve("r2"), "beta",
                false))));
        assertTrue(ConditionTable.of(single).isEmpty());
    }

    @Test
    void twoSweepsOfTheSameConfigPoolTheirSeeds() throws IOException {
        // The same sweep under two names: the sweep is no condition, so each condition has 6 runs.
        ReportModel two = ReportModel.of(List.of(ReportLoader.load(tmp.resolve("results").resolve("warm")),
                ReportLoader.load(ReplicateSweep.write(tmp.resolve("results"), "warm-again"))));
        ConditionTable both = ConditionTable.of(two).orElseThrow();
        assertEquals(4, both.conditions().size());
        both.conditions().forEach(c -> assertEquals(6, c.runs().size()));
    }

    @Test
    void theSweepPageOpensWithTheConditionsSection() {
        String html = HtmlRenderer.sweepPage(m, List.of(), f -> null);
        int conditions = html.indexOf("id=\"conditions\"");
        int runs = html.indexOf("id=\"runs\"");
        assertTrue(conditions > 0 && conditions < runs, "conditions before the run table");
        assertTrue(html.contains("class=\"sortable conditions\""));
        assertTrue(html.contains("Best condition by mean"));
        assertTrue(html.contains("within the seed spread"));
        Condition none8 = condition(8, "none");
        for (var r : none8.runs()) {
            assertTrue(html.contains("href=\"" + r.page() + "\""), r.page());
        }
        // 110.25, 111, 112.25: mean 111.17, sd 1.0104
        assertTrue(html.contains("111.2 ± 1.01"), "mean ± sd of latent 8, none");
        assertTrue(html.contains("3 healthy"));
    }

    private Comparison find(String key, String metric, String at) {
        return t.comparisons().stream().filter(c -> c.key().equals(key) && c.metric().equals(metric)
                && c.at().equals(at)).findFirst().orElseThrow(() -> new AssertionError(key + " " + metric + " at "
                + at + " in " + t.comparisons().stream().map(c -> c.key() + "/" + c.metric() + "/" + c.at()).toList()));
    }
}
