package org.vaelab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.tracking.EpochMetrics;

class CheckpointTest {
    private static final EpochMetrics M = EpochMetrics.builder(3).train(100.5, 90.25, 10.25).test(101.0, 91.0, 10.0)
            .beta(0.5).klPerDim(List.of(1.0, 2.5)).gradNorm(12.0).learningRate(1e-3).epochSeconds(4.2)
            .trainSamplesPerSecond(9000.0).build();

    @Test
    void roundTripsEveryField(@TempDir Path dir) throws IOException {
        Checkpoint c = new Checkpoint(3, 1407, "w[2, 2];b[2];", new float[]{1, -2.5f, 3e-7f, Float.MIN_VALUE},
                new float[]{0, 1, 2, 3, 4, 5, 6, 7}, M);
        Path f = dir.resolve("last.ckpt");
        c.write(f);
        assertEquals(c, Checkpoint.read(f).orElseThrow());
        assertTrue(Checkpoint.read(dir.resolve("none.ckpt")).isEmpty());
    }

    @Test
    void aDamagedFileIsNamedWithTheFix(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("last.ckpt");
        new Checkpoint(1, 2, "s", new float[]{1, 2}, new float[]{3, 4, 5, 6}, M).write(f);
        byte[] b = Files.readAllBytes(f);
        b[b.length / 2] ^= 1;
        Files.write(f, b);
        IOException e = assertThrows(IOException.class, () -> Checkpoint.read(f));
        assertTrue(e.getMessage().startsWith(f + ": unreadable checkpoint (checksum mismatch)"), e.getMessage());
        assertTrue(e.getMessage().endsWith("delete it to restart this run from epoch 1"), e.getMessage());
        Files.write(f, new byte[]{1, 2, 3});
        assertThrows(IOException.class, () -> Checkpoint.read(f));
    }
}
