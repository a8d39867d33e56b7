package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.data.IdxFiles;
import org.vaelab.tracking.Json;

/**
 * The sweep's books through the command line (issue 14): what --force and a changed spec do to counts,
 * index.json, exit codes and the report, and that the spec is shown on the sweep page.
 */
class SweepBooksTest {
    @TempDir
    Path tmp;
    Path idx;
    Path results;
    Path reports;

    @BeforeEach
    void tinyIdxData() throws IOException {
        idx = tmp.resolve("idx");
        int[] train = new int[100];
        int[] test = new int[30];
        java.util.Arrays.setAll(train, i -> i % 10);
        java.util.Arrays.setAll(test, i -> i % 10);
        IdxFiles.writeSet(idx, "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                IdxFiles.synthetic(train, 8, 8, 1), false);
        IdxFiles.writeSet(idx, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
                IdxFiles.synthetic(test, 8, 8, 2), false);
        results = tmp.resolve("results");
        reports = tmp.resolve("reports");
    }

    Path spec(String name, String body) throws IOException {
        Path f = tmp.resolve(name + ".yaml");
        Files.writeString(f, "name: " + name + "\n" + body.formatted(idx));
        return f;
    }

    static final String TINY = """
            dataset: {name: idx, path: %s}
            model: {hidden: [8]}
            train: {epochs: 1, batch_size: 50}
            eval: {loglik_samples: 5, loglik_subset: 10}
            sweep:
              grid: {model.latent_dim: [2, 3]}
            """;

    CliTest.Outcome run(Path spec, String... extra) {
        List<String> a = new ArrayList<>(List.of("run", spec.toString(), "--results", results.toString(),
                "--reports", reports.toString(), "--workers", "1"));
        a.addAll(List.of(extra));
        return vaelab(a.toArray(String[]::new));
    }

    /** vaelab with System.out captured too: `run` prints its progress and final line there. */
    static CliTest.Outcome vaelab(String... args) {
        java.io.ByteArrayOutputStream sysOut = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        System.setOut(new java.io.PrintStream(sysOut, true, java.nio.charset.StandardCharsets.UTF_8));
        CliTest.Outcome o;
        try {
            o = CliTest.vaelab(args);
        } finally {
            System.setOut(old);
        }
        return new CliTest.Outcome(o.code(), o.out() + sysOut.toString(java.nio.charset.StandardCharsets.UTF_8),
                o.err());
    }

    JsonNode index() throws IOException {
        return Json.mapper().readTree(results.resolve("tiny/index.json").toFile());
    }

    static Set<Integer> indices(JsonNode runs) {
        Set<Integer> s = new HashSet<>();
        runs.forEach(r -> s.add(r.get("index").asInt()));
        return s;
    }

    @Test
    void aSpecThatOnlyAddsRunsNeedsNoForce() throws IOException {
        Path tiny = spec("tiny", TINY);
        assertEquals(ExitCodes.OK, run(tiny).code());
        // One more latent size: the two done runs are kept, one is trained, the books count three.
        CliTest.Outcome more = run(tiny, "--set", "sweep.grid.model.latent_dim=[2,3,4]");
        assertEquals(ExitCodes.OK, more.code(), more.out() + more.err());
        assertTrue(more.out().contains("3 runs, 1 to train"), more.out());
        assertTrue(more.out().contains("only adds runs (1 new)"), more.out());
        assertTrue(more.out().contains("3 of 3 runs completed"), more.out());
        assertEquals(Set.of(0, 1, 2), indices(index().get("runs")));
    }

    @Test
    void forceKeepsTheBooksOfTheSpecAsGivenAndThePreviousSpecStillRuns() throws IOException {
        Path tiny = spec("tiny", TINY);
        CliTest.Outcome first = run(tiny);
        assertEquals(ExitCodes.OK, first.code(), first.err());

        // A changed base config is refused without --force, and names --force's meaning ...
        CliTest.Outcome refused = run(tiny, "--set", "loss.beta=2");
        assertEquals(ExitCodes.BAD_INPUT, refused.code());
        assertTrue(refused.err().contains("loss.beta (") && refused.err().contains("--force"), refused.err());
        // ... and with it, the counts, index.json and the exit code describe the two runs of this spec alone.
        CliTest.Outcome forced = run(tiny, "--set", "loss.beta=2", "--force");
        assertEquals(ExitCodes.OK, forced.code(), forced.out() + forced.err());
        assertTrue(forced.out().contains("2 of 2 runs completed"), forced.out());
        JsonNode index = index();
        assertEquals(2, index.get("runs").size());
        assertEquals(Set.of(0, 1), indices(index.get("runs")));
        assertEquals(2, index.get("spec_version").asInt());
        assertEquals(2, index.get("earlier_runs").size(), "the earlier runs are kept, as earlier versions'");
        index.get("earlier_runs").forEach(r -> assertEquals(1, r.get("spec_version").asInt(), r.toString()));
        // Again: still 0, nothing retrained.
        CliTest.Outcome again = run(tiny, "--set", "loss.beta=2");
        assertEquals(ExitCodes.OK, again.code(), again.out() + again.err());
        assertTrue(again.out().contains("2 runs, 0 to train"), again.out());

        // The report tells the versions apart: earlier runs are named with their version, never twins.
        String page = Files.readString(reports.resolve("tiny/index.html"));
        assertTrue(page.contains("v1: latent_dim=2"), "an earlier version's run is labelled as such");
        assertTrue(page.contains("spec_version"), "the version is a varied key of the report");

        // The previous spec still runs without --force (it is a recorded version), training nothing.
        CliTest.Outcome back = run(tiny);
        assertEquals(ExitCodes.OK, back.code(), back.out() + back.err());
        assertTrue(back.out().contains("2 runs, 0 to train"), back.out());
        assertTrue(back.out().contains("back to spec version 1"), back.out());
        assertTrue(back.out().contains("2 of 2 runs completed"), back.out());
        assertEquals(1, index().get("spec_version").asInt());
    }

    @Test
    void theSweepPageShowsTheSpecFolded() throws IOException {
        Path tiny = spec("tiny", TINY);
        CliTest.Outcome o = run(tiny, "--set", "train.epochs=1");
        assertEquals(ExitCodes.OK, o.code(), o.err());
        String page = Files.readString(reports.resolve("tiny/index.html"));
        int details = page.indexOf("<details><summary>Spec</summary>");
        assertTrue(details >= 0, "a folded spec section on the sweep page");
        String folded = page.substring(details, page.indexOf("</details>", details));
        assertTrue(folded.contains("grid: {model.latent_dim: [2, 3]}"), folded);
        assertTrue(folded.contains("# --set train.epochs=1"), folded);
        assertFalse(page.contains("<details><summary>Spec</summary><pre></pre>"), "not empty");
    }
}
