package org.vaelab.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonMappingException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vaelab.diagnostics.Verdict;

/** Status and verdict are enums in the records and the same lower-case words in the files. */
class RunVocabularyJsonTest {
    /** A summary.json as vaelab has always written it, when status and verdict were strings. */
    private static final String FILE = """
            {
              "active_units" : 3,
              "cause" : "loss is NaN at epoch 7, batch 3 of 469 (step 2817)",
              "config" : {
                "loss" : {
                  "beta" : 4.0
                }
              },
              "epochs_completed" : 6,
              "id" : "0a1b2c3d4e5f",
              "inactive_dims" : [ 0, 2 ],
              "index" : 4,
              "name" : "beta=4",
              "seconds" : 12.5,
              "started" : "2024-05-01T10:00:00Z",
              "status" : "diverged",
              "sweep" : "beta-sweep",
              "varied" : {
                "loss.beta" : 4.0
              },
              "verdict" : "partial_collapse",
              "verdict_detail" : "2 of 5 units inactive"
            }
            """;

    @Test
    void aSummaryReadsIntoTheEnumsAndWritesBackByteForByte() throws Exception {
        RunSummary s = Json.mapper().readValue(FILE, RunSummary.class);
        assertEquals(RunStatus.DIVERGED, s.status());
        assertEquals(Verdict.PARTIAL_COLLAPSE, s.verdict());
        assertEquals(FILE, Json.pretty(s));
    }

    @Test
    void everyWordIsTheLowerCaseName() throws Exception {
        for (RunStatus st : RunStatus.values()) {
            String json = Json.line(RunSummary.builder("i", "n", "s", 0).status(st).build());
            assertTrue(json.contains("\"status\":\"" + st.name().toLowerCase(java.util.Locale.ROOT) + "\""), json);
            assertEquals(st, Json.mapper().readValue(json, RunSummary.class).status());
            assertEquals(st.json(), st.toString(), "messages print the file word");
        }
        for (Verdict v : Verdict.values()) {
            String json = Json.line(RunSummary.builder("i", "n", "s", 0).verdict(v).build());
            assertTrue(json.contains("\"verdict\":\"" + v.name().toLowerCase(java.util.Locale.ROOT) + "\""), json);
            assertEquals(v, Json.mapper().readValue(json, RunSummary.class).verdict());
        }
        assertEquals("posterior collapse", Verdict.POSTERIOR_COLLAPSE.words());
    }

    @Test
    void readingIsForgivingAboutCaseAndAbsenceButNotAboutUnknownWords() throws Exception {
        assertEquals(RunStatus.COMPLETED, Json.mapper().readValue("{\"status\":\"COMPLETED\"}", RunSummary.class)
                .status());
        RunSummary bare = Json.mapper().readValue("{\"id\":\"x\"}", RunSummary.class);
        assertEquals(RunStatus.PENDING, bare.status(), "no status yet: pending");
        assertNull(bare.verdict());
        JsonMappingException e = assertThrows(JsonMappingException.class,
                () -> Json.mapper().readValue("{\"status\":\"finished\"}", RunSummary.class));
        assertTrue(e.getMessage().contains("unknown run status 'finished' (allowed: pending, running, completed,"
                + " failed, diverged, interrupted)"), e.getMessage());
    }

    @Test
    void buildersCopyEveryField() {
        EpochMetrics m = EpochMetrics.builder(2).train(1, 2, 3).test(4, 5, 6).testSquaredError(7.0).beta(8)
                .klPerDim(List.of(9.0)).gradNorm(10).learningRate(11).epochSeconds(12).trainSamplesPerSecond(13)
                .diagnostics(14, List.of(15.0), List.of(16), 17.0)
                .latentMoments(List.of(18.0), List.of(19.0), List.of(20.0), List.of(21.0)).evalSeconds(22.0)
                .diagnosticsSeconds(23.0).build();
        assertEquals(new EpochMetrics(2, 1, 2, 3, 4, 5, 6, 7.0, 8, List.of(9.0), 10, 11, 12, 13, 14, List.of(15.0),
                List.of(16), 17.0, List.of(18.0), List.of(19.0), List.of(20.0), List.of(21.0), 22.0, 23.0), m,
                "each setter fills its own field");
        assertEquals(m, m.toBuilder().build());
        RunSummary s = new RunSummary("i", "n", "s", 1, RunStatus.FAILED, Map.of("k", 1), Map.of("c", 2), 3, m,
                "cause", "t0", "t1", 4.5, Verdict.HEALTHY, "detail", 5, List.of(6), List.of(Map.of("unit", 7)), 8.5,
                Map.of("x", 9));
        assertEquals(s, s.toBuilder().build());
        RunSummary started = s.withStart("t2");
        assertEquals(RunStatus.RUNNING, started.status());
        assertNull(started.cause());
        assertNull(started.finished());
        assertEquals(s.toBuilder().status(RunStatus.RUNNING).cause(null).started("t0").finished(null).build(),
                started, "nothing else changes; a resumed run keeps its first start (t0, not t2)");
    }
}
