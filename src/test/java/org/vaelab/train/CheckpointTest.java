package org.vaelab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.vaelab.model.ModelState;
import org.vaelab.model.layers.BatchNormLayer;
import org.vaelab.model.layers.Workspace;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.Shape;
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

    private static int formatOf(byte[] encoded) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded));
        in.readUTF();
        return in.readInt();
    }

    @Test
    void withoutStateTheFileStaysFormatOne(@TempDir Path dir) throws IOException {
        Checkpoint c = new Checkpoint(2, 9, "w[2];", new float[]{1, 2}, new float[]{3, 4, 5, 6}, M);
        assertEquals(1, formatOf(c.encode()));
        Checkpoint read = Checkpoint.read(write(c, dir)).orElseThrow();
        assertEquals("", read.stateSignature());
        assertEquals(0, read.state().length);
        // a model without state restores from it; one with state is told to restart
        try (ModelState none = new ModelState(List.of(), DataType.FLOAT);
             ModelState some = ModelState.of(List.of(batchNorm()), DataType.FLOAT)) {
            read.restoreState(none, dir.resolve("last.ckpt"));
            IOException e = assertThrows(IOException.class, () -> read.restoreState(some, dir.resolve("last.ckpt")));
            assertTrue(e.getMessage().contains("different model architecture (none)"), e.getMessage());
        }
    }

    private static Path write(Checkpoint c, Path dir) throws IOException {
        Path f = dir.resolve("last.ckpt");
        c.write(f);
        return f;
    }

    private static BatchNormLayer batchNorm() {
        return new BatchNormLayer("enc_batchnorm1", Shape.image(3, 2, 2), new LayerSpec.BatchNorm());
    }

    @Test
    void runningStatisticsRoundTripAndEvaluateTheSame(@TempDir Path dir) throws IOException {
        BatchNormLayer trained = batchNorm();
        BatchNormLayer restored = batchNorm();
        try (ModelState state = ModelState.of(List.of(trained), DataType.FLOAT);
             ModelState fresh = ModelState.of(List.of(restored), DataType.FLOAT);
             FloatPointer params = new FloatPointer(1f, 1f, 1f, 0f, 0f, 0f);
             FloatPointer grads = new FloatPointer(6);
             Workspace ws = new Workspace()) {
            trained.bind(params, grads, pointer(state), ws);
            restored.bind(params, grads, pointer(fresh), ws);
            trained.allocate(4);
            restored.allocate(4);
            SplittableRandom rng = new SplittableRandom(1);
            float[] x = new float[4 * 12];
            for (int step = 0; step < 3; step++) {
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (2 + 3 * rng.nextGaussian());
                }
                trained.forward(x, 4, true);
            }
            assertNotEquals(fresh.flat(), state.flat()); // training moved them
            Checkpoint c = new Checkpoint(3, 30, "enc_batchnorm1_W[3];enc_batchnorm1_b[3];",
                    new float[]{1, 1, 1, 0, 0, 0}, state, new float[12], M);
            assertEquals(2, formatOf(c.encode()));
            Checkpoint read = Checkpoint.read(write(c, dir)).orElseThrow();
            assertEquals(c, read);
            read.restoreState(fresh, dir.resolve("last.ckpt"));
            assertArrayEquals(state.toFloats(), fresh.toFloats());
            assertArrayEquals(trained.forward(x, 4, false).clone(), restored.forward(x, 4, false));

            ModelState other = ModelState.of(List.of(new BatchNormLayer("dec_batchnorm1", Shape.vector(3),
                    new LayerSpec.BatchNorm())), DataType.FLOAT);
            IOException e = assertThrows(IOException.class, () -> read.restoreState(other, dir.resolve("x")));
            assertTrue(e.getMessage().endsWith("delete it to restart this run from epoch 1"), e.getMessage());
            other.close();
        }
    }

    private static FloatPointer pointer(ModelState s) {
        return new FloatPointer(s.flat().data().addressPointer()).position(s.flat().offset());
    }
}
