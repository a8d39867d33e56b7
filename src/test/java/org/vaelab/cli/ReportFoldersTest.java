package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.data.IdxFiles;

/**
 * Issue 14's "report folders are owned", through the command line: a comparison never lands in a sweep's
 * report folder or the other way round, a folder holding another report is refused with one line, the same
 * sweep name from two results folders is refused with one line, and no lock file sits in a report folder.
 */
class ReportFoldersTest {
    @TempDir
    static Path tmp;
    static Path results;
    static Path reports;

    @BeforeAll
    static void twoOneRunSweeps() throws IOException {
        Path idx = tmp.resolve("idx");
        int[] train = new int[60];
        int[] test = new int[20];
        Arrays.setAll(train, i -> i % 10);
        Arrays.setAll(test, i -> i % 10);
        IdxFiles.writeSet(idx, "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                IdxFiles.synthetic(train, 8, 8, 1), false);
        IdxFiles.writeSet(idx, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
                IdxFiles.synthetic(test, 8, 8, 2), false);
        results = tmp.resolve("results");
        reports = tmp.resolve("reports");
        for (String name : List.of("a", "b", "a_vs_b")) {
            Path spec = Files.writeString(tmp.resolve(name + ".yaml"), """
                    name: %s
                    dataset: {name: idx, path: %s}
                    model: {hidden: [8], latent_dim: 2}
                    train: {epochs: 1, batch_size: 30}
                    eval: {loglik_samples: 5, loglik_subset: 10}
                    """.formatted(name, idx));
            if (!name.equals("a_vs_b")) {
                CliTest.Outcome o = CliTest.vaelab("run", spec.toString(), "--workers", "1", "--results",
                        results.toString(), "--reports", reports.toString());
                assertEquals(ExitCodes.OK, o.code(), o.err());
            }
        }
    }

    static Map<String, Long> files(Path root) throws IOException {
        Map<String, Long> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                m.put(root.relativize(p).toString(), Files.size(p) ^ Arrays.hashCode(Files.readAllBytes(p)));
            }
        }
        return m;
    }

    @Test
    void aComparisonHasItsOwnFolderAndLeavesTheSweepReportsAlone() throws IOException {
        Map<String, Long> a = files(reports.resolve("a"));
        CliTest.Outcome o = CliTest.vaelab("report", results.resolve("a").toString(), results.resolve("b").toString(),
                "--reports", reports.toString());
        assertEquals(ExitCodes.OK, o.code(), o.err());
        Path cmp = reports.resolve("a+b");
        assertTrue(Files.exists(cmp.resolve("index.html")));
        assertEquals(a, files(reports.resolve("a")), "the sweep's own report is untouched");
        assertTrue(files(cmp).keySet().stream().noneMatch(f -> f.endsWith(".lock")), "no lock file to share: "
                + files(cmp).keySet());
        assertTrue(files(reports.resolve("a")).keySet().stream().noneMatch(f -> f.endsWith(".lock")));

        // A folder that holds another report (here an old-style comparison folder a sweep's name would reach)
        // is refused for a sweep's report with one line, before anything is written.
        Path old = reports.resolve("a_vs_b");
        copy(cmp, old);
        Map<String, Long> before = files(old);
        CliTest.Outcome sweep = CliTest.vaelab("run", tmp.resolve("a_vs_b.yaml").toString(), "--workers", "1",
                "--results", results.toString(), "--reports", reports.toString());
        assertEquals(ExitCodes.BAD_INPUT, sweep.code(), sweep.err());
        assertEquals(1, sweep.err().strip().lines().count(), sweep.err());
        assertTrue(sweep.err().contains(old + ": holds the report of a, b"), sweep.err());
        assertEquals(before, files(old), "the other report is untouched");
        assertFalse(Files.exists(results.resolve("a_vs_b")), "nothing written");
    }

    @Test
    void theSameSweepNameFromTwoResultsFoldersIsRefusedWithOneLine() throws IOException {
        Path copy = tmp.resolve("elsewhere/a");
        copy(results.resolve("a"), copy);
        CliTest.Outcome o = CliTest.vaelab("report", results.resolve("a").toString(), copy.toString(), "--reports",
                reports.toString());
        assertEquals(ExitCodes.BAD_INPUT, o.code(), o.err());
        assertEquals(1, o.err().strip().lines().count(), o.err());
        assertTrue(o.err().contains("are both sweep 'a'") && o.err().contains(copy.toString()), o.err());
        assertFalse(o.err().contains("internal error"), o.err());
        assertFalse(Files.exists(reports.resolve("a+a")));
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }
}
