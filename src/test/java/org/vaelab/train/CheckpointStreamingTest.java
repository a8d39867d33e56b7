package org.vaelab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 point 3: a checkpoint streams to disk and back, so a model whose parameters and Adam moments fit in
 * memory can be checkpointed and resumed under a heap that holds little more than the moments. A JVM with a
 * 160 MB heap holds 10M parameters (40 MB, native) and their Adam moments (80 MB on the heap) and round-trips a
 * 120 MB checkpoint; the same JVM building the checkpoint from heap copies of everything, as before, runs out
 * of heap (the control that shows the heap is tight enough for the test to mean something).
 */
class CheckpointStreamingTest {
    private static final int PARAMS = 10_000_000;

    @Test
    void aModelLargerThanTheSpareHeapIsCheckpointedAndRestored(@TempDir Path dir) throws Exception {
        Result streamed = child(dir.resolve("stream.ckpt"), "stream");
        assertEquals(0, streamed.code, streamed.output);
        assertTrue(streamed.output.contains("round trip of 10000000 parameters ok"), streamed.output);
        assertEquals(12L * PARAMS, Files.size(dir.resolve("stream.ckpt")) / 1_000_000 * 1_000_000,
                "parameters and both moments, 4 bytes each");

        Result inHeap = child(dir.resolve("heap.ckpt"), "heap");
        assertNotEquals(0, inHeap.code, inHeap.output);
        assertTrue(inHeap.output.contains("OutOfMemoryError"), inHeap.output);
    }

    private record Result(int code, String output) {
    }

    private static Result child(Path file, String mode) throws IOException, InterruptedException {
        List<String> cmd = List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx160m",
                "-XX:+UseSerialGC", "-Dorg.bytedeco.javacpp.maxphysicalbytes=0", "-Dorg.bytedeco.javacpp.maxbytes=0",
                "-cp", System.getProperty("java.class.path"), BigCheckpointChild.class.getName(), file.toString(),
                Integer.toString(PARAMS), mode);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }
}
