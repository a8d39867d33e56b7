package org.vaelab.spec.yaml;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.vaelab.spec.ExperimentSpec;
import org.vaelab.sweep.SweepExpander;

/**
 * Every spec shipped in {@code experiments/}, its subfolders ({@code experiments/seeds/}) included, loads and
 * expands: one dynamic test per file. A missing or empty folder fails instead of passing with zero tests.
 */
class ExperimentsSmokeTest {
    /** Tests run in the project folder (Maven's basedir). */
    static final Path EXPERIMENTS = Path.of("experiments");

    /** The shipped specs, sorted. */
    static List<Path> shippedSpecs() throws IOException {
        return specsIn(EXPERIMENTS);
    }

    /** The specs under {@code dir}, sorted; fails when there are none, so a moved folder cannot hide every spec. */
    static List<Path> specsIn(Path dir) throws IOException {
        assertTrue(Files.isDirectory(dir), "no folder " + dir.toAbsolutePath() + ": run the tests from the project "
                + "folder");
        List<Path> specs;
        try (Stream<Path> files = Files.walk(dir)) {
            specs = files.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
        assertFalse(specs.isEmpty(), "no .yaml spec in " + dir.toAbsolutePath());
        return specs;
    }

    @TestFactory
    Stream<DynamicTest> everyShippedSpecLoadsAndExpands() throws IOException {
        return shippedSpecs().stream().map(p -> DynamicTest.dynamicTest(p.toString(), () -> {
            ExperimentSpec spec = SpecLoader.load(p, List.of());
            assertFalse(SweepExpander.expand(spec).isEmpty());
        }));
    }

    @Test
    void theSeedSpecsAreAmongThem() throws IOException {
        assertTrue(shippedSpecs().stream().anyMatch(p -> p.startsWith(EXPERIMENTS.resolve("seeds"))),
                "experiments/seeds/ is walked");
    }

    @Test
    void aMissingOrEmptyFolderFails(@TempDir Path tmp) throws IOException {
        assertThrows(AssertionFailedError.class, () -> specsIn(tmp.resolve("experiments")));
        Files.writeString(tmp.resolve("README.md"), "no specs here");
        assertThrows(AssertionFailedError.class, () -> specsIn(tmp));
    }
}
