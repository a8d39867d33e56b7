package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vaelab.tracking.Json;

/**
 * Every spec in experiments/ trains for one short epoch on a small real-MNIST subset through the command
 * line, and leaves completed runs and a report: a spec that stops working cannot hide until someone runs it.
 */
@Tag("slow")
class ExperimentsSmokeTest {
    @TempDir
    Path tmp;

    static Stream<Path> specs() throws IOException {
        try (Stream<Path> s = Files.walk(Path.of("experiments"))) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("specs")
    void trainsOneShortEpoch(Path spec) throws IOException {
        String data = System.getProperty("vaelab.data", "data");
        CliTest.Outcome o = CliTest.vaelab("run", spec.toString(), "--workers", "1",
                "--results", tmp.resolve("results").toString(), "--reports", tmp.resolve("reports").toString(),
                "--data", data, "--set", "train.epochs=1", "--set", "dataset.subset=300",
                "--set", "dataset.test_subset=100", "--set", "eval.loglik_samples=5", "--set", "eval.loglik_subset=20");
        assertEquals(ExitCodes.OK, o.code(), spec + "\n" + o.err());
        try (Stream<Path> sweeps = Files.list(tmp.resolve("results"))) {
            Path sweep = sweeps.findFirst().orElseThrow();
            JsonNode index = Json.mapper().readTree(sweep.resolve("index.json").toFile());
            assertTrue(index.get("runs").size() >= 1);
            for (JsonNode r : index.get("runs")) {
                assertEquals("completed", r.get("status").asText(), spec + " " + r);
            }
            assertTrue(Files.exists(tmp.resolve("reports").resolve(sweep.getFileName()).resolve("index.html")));
        }
    }
}
