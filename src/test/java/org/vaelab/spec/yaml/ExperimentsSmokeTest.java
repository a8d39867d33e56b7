package org.vaelab.spec.yaml;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.vaelab.spec.ExperimentSpec;
import org.vaelab.sweep.SweepExpander;

/** Every spec shipped in {@code experiments/} loads and expands (one dynamic test per file). */
class ExperimentsSmokeTest {
    @TestFactory
    Stream<DynamicTest> everyShippedSpecLoadsAndExpands() throws IOException {
        Path dir = Path.of("experiments");
        if (!Files.isDirectory(dir)) {
            return Stream.empty();
        }
        List<Path> specs;
        try (Stream<Path> files = Files.list(dir)) {
            specs = files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
        return specs.stream().map(p -> DynamicTest.dynamicTest(p.toString(), () -> {
            ExperimentSpec spec = SpecLoader.load(p, List.of());
            assertFalse(SweepExpander.expand(spec).isEmpty());
        }));
    }
}
