package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.tracking.Json;

/**
 * Issue 13 points 1 and 3, the heap: VAELAB_HEAP is the heap of every JVM of a sweep (the launcher passes it
 * as -Xmx with its source, as this test does) and provenance.json records it; a run whose heap estimate does not
 * fit the JVM it was started in trains in a worker process given a heap that fits. Two small sweeps as separate
 * JVMs on tiny idx data.
 */
class WorkerHeapTest {
    @TempDir
    Path tmp;

    private Path spec(Path data) throws IOException {
        Path spec = tmp.resolve("heap.yaml");
        Files.writeString(spec, """
                name: heap
                dataset: {name: idx, path: %s}
                model: {hidden: [32], latent_dim: 2}
                train: {epochs: 1, batch_size: 50}
                eval: {loglik_samples: 5, loglik_subset: 10}
                sweep:
                  seeds: [1, 2]
                """.formatted(data));
        return spec;
    }

    private record Result(int code, String output) {
    }

    private Result vaelab(List<String> jvm, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of("-Djava.awt.headless=true", "-Dorg.bytedeco.javacpp.maxphysicalbytes=0",
                "-Dorg.bytedeco.javacpp.maxbytes=0"));
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("VAELAB_HEAP");
        pb.environment().putAll(env);
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private static List<JsonNode> provenances(Path results) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(results)) {
            for (Path f : files.filter(f -> f.getFileName().toString().equals("provenance.json")).toList()) {
                out.add(Json.mapper().readTree(f.toFile()));
            }
        }
        return out;
    }

    @Test
    void vaelabHeapIsEveryWorkersHeapAndIsRecorded() throws Exception {
        Path spec = spec(CliProcess.writeData(tmp.resolve("idx"), 200, 50, 28));
        Path results = tmp.resolve("results");
        // what the launcher runs for VAELAB_HEAP=640m
        Result r = vaelab(List.of("-Xmx640m", "-Dvaelab.heap.source=VAELAB_HEAP"), Map.of("VAELAB_HEAP", "640m"),
                "run", spec.toString(), "--workers", "2", "--results", results.toString(), "--reports",
                tmp.resolve("reports").toString());
        assertEquals(ExitCodes.OK, r.code(), r.output());
        List<JsonNode> prov = provenances(results);
        assertEquals(2, prov.size(), r.output());
        for (JsonNode p : prov) {
            long mb = p.get("max_heap_mb").asLong();
            assertTrue(mb > 560 && mb <= 640, p.toString());
            assertEquals("VAELAB_HEAP", p.get("heap_source").asText());
            assertEquals("640m", p.get("heap_env").asText());
        }
    }

    @Test
    void aRunNeedingMoreHeapThanItsJvmHasTrainsInAWorkerWithAHeapThatFits() throws Exception {
        Path spec = spec(CliProcess.writeData(tmp.resolve("idx"), 200, 50, 28));
        Path results = tmp.resolve("results");
        // a 200 MB JVM: below the estimate's heap (its base alone is 256 MB), so even one worker is a process
        Result r = vaelab(List.of("-Xmx200m", "-Dvaelab.heap.source=default"), Map.of(), "run", spec.toString(),
                "--workers", "1", "--results", results.toString(), "--reports", tmp.resolve("reports").toString());
        assertEquals(ExitCodes.OK, r.code(), r.output());
        assertTrue(r.output().contains("vaelab: the largest run needs a Java heap of 2.0 GB; the workers get it"), r.output());
        List<JsonNode> prov = provenances(results);
        assertEquals(2, prov.size(), r.output());
        for (JsonNode p : prov) {
            assertTrue(p.get("max_heap_mb").asLong() > 1800, p.toString());
            assertEquals("estimate", p.get("heap_source").asText());
        }
    }
}
