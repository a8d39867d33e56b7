package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.data.IdxFiles;

/**
 * Issue 14's "every problem at once, before anything is written", through the command line: data-dependent
 * problems are found by validate and --dry-run as well as run, all of them in one go; a run that is refused
 * leaves no folder behind.
 */
class EveryProblemAtOnceTest {
    @TempDir
    Path tmp;
    Path idx;

    @BeforeEach
    void tinyIdxData() throws IOException {
        idx = tmp.resolve("idx");
        int[] train = new int[100];
        int[] test = new int[30];
        Arrays.setAll(train, i -> i % 10);
        Arrays.setAll(test, i -> i % 10);
        IdxFiles.writeSet(idx, "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                IdxFiles.synthetic(train, 8, 8, 1), false);
        IdxFiles.writeSet(idx, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
                IdxFiles.synthetic(test, 8, 8, 2), false);
    }

    Path spec(String body) throws IOException {
        return Files.writeString(tmp.resolve("big.yaml"), "name: big\n" + body);
    }

    static List<String> lines(String err) {
        return err.lines().filter(l -> !l.isBlank()).toList();
    }

    @Test
    void subsetsLargerThanTheDataAreBothFoundByValidateDryRunAndRunBeforeAnythingIsWritten() throws IOException {
        Path f = spec("""
                dataset: {name: idx, path: %s, subset: 100000, test_subset: 20000}
                model: {hidden: [8], latent_dim: 2}
                train: {epochs: 1, batch_size: 50}
                """.formatted(idx));
        Path results = tmp.resolve("results");
        Path reports = tmp.resolve("reports");
        for (String[] args : List.of(new String[] {"validate", f.toString()},
                new String[] {"run", f.toString(), "--dry-run"},
                new String[] {"run", f.toString(), "--results", results.toString(), "--reports", reports.toString()})) {
            CliTest.Outcome o = CliTest.vaelab(args);
            String what = String.join(" ", args) + ":\n" + o.err();
            assertEquals(ExitCodes.BAD_INPUT, o.code(), what);
            List<String> lines = lines(o.err());
            assertEquals(2, lines.size(), what);
            assertTrue(lines.get(0).contains("dataset.subset: 100000 is more than the 100 training images"), what);
            assertTrue(lines.get(1).contains("dataset.test_subset: 20000 is more than the 30 test images"), what);
            assertTrue(lines.stream().allMatch(l -> l.startsWith(f.toString())), what);
        }
        assertFalse(Files.exists(results), "nothing written");
        assertFalse(Files.exists(reports), "no report folder left behind");
    }

    @Test
    void aResultsPathThatIsAFileIsNamedAsAFileTogetherWithTheOtherProblemsAndNoReportFolderIsLeft()
            throws IOException {
        Path f = spec("""
                dataset: {name: idx, path: %s, subset: 500}
                model: {hidden: [8], latent_dim: 2}
                train: {epochs: 1, batch_size: 50}
                """.formatted(idx));
        Path file = Files.writeString(tmp.resolve("results"), "a file");
        Path reports = tmp.resolve("reports");
        CliTest.Outcome o = CliTest.vaelab("run", f.toString(), "--results", file.toString(), "--reports",
                reports.toString());
        assertEquals(ExitCodes.BAD_INPUT, o.code(), o.err());
        List<String> lines = lines(o.err());
        assertEquals(2, lines.size(), o.err());
        assertTrue(lines.get(0).contains(file + " is a file, not a folder") && lines.get(0).contains("--results DIR"),
                o.err());
        assertTrue(lines.get(1).contains("dataset.subset: 500"), o.err());
        assertFalse(Files.exists(reports), "exit 2 leaves no report folder behind");
        assertEquals("a file", Files.readString(file));
    }

    @Test
    void aDatasetPathWithoutMnistIsRefusedInsteadOfFilledByADownload() throws IOException {
        Path typo = tmp.resolve("mnsit");
        Path f = spec("""
                dataset: {name: mnist, path: %s}
                model: {hidden: [8], latent_dim: 2}
                """.formatted(typo));
        for (String[] args : List.of(new String[] {"validate", f.toString()},
                new String[] {"run", f.toString(), "--results", tmp.resolve("r").toString(), "--reports",
                        tmp.resolve("p").toString()})) {
            CliTest.Outcome o = CliTest.vaelab(args);
            assertEquals(ExitCodes.BAD_INPUT, o.code(), o.err());
            assertEquals(1, lines(o.err()).size(), o.err());
            assertTrue(o.err().contains("dataset.path: " + typo + " does not hold MNIST"), o.err());
            assertTrue(o.err().contains("remove dataset.path"), o.err());
        }
        assertFalse(Files.exists(typo), "no download into a mistyped folder");
    }

    @Test
    void aBaseValueTheSweepReplacesIsAnErrorAsThroughSet() throws IOException {
        Path f = spec("""
                dataset: {name: idx, path: %s}
                model: {hidden: [8], latent_dim: 8}
                sweep:
                  grid: {model.latent_dim: [2, 4]}
                """.formatted(idx));
        CliTest.Outcome o = CliTest.vaelab("validate", f.toString());
        assertEquals(ExitCodes.BAD_INPUT, o.code(), o.err());
        assertTrue(o.err().contains(f + ":3:") && o.err().contains("model.latent_dim: has no effect because"
                + " sweep.grid varies model.latent_dim"), o.err());
    }
}
