package org.vaelab.train;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32;
import org.vaelab.tracking.AtomicFiles;
import org.vaelab.tracking.EpochMetrics;
import org.vaelab.tracking.Json;

/**
 * The state of a run after an epoch: parameters, Adam moments, step count, epoch and that epoch's metrics.
 * RNG state is not stored because every stream restarts per epoch from the run seed ({@link RunSeeds}).
 * The metrics ride along so a kill between writing the checkpoint and recording the epoch loses nothing.
 * Binary, big-endian, ending in a CRC-32 of everything before it; written atomically.
 *
 * @param epoch     last completed epoch (1-based)
 * @param step      optimisation steps taken so far
 * @param signature parameter names and shapes ({@code Parameters.signature()}): a checkpoint only loads into
 *                  the model it was written from
 * @param params    the flat parameter buffer
 * @param adam      Adam's moments, [m, v]
 * @param metrics   the epoch's metrics
 */
public record Checkpoint(int epoch, long step, String signature, float[] params, float[] adam,
                         EpochMetrics metrics) {
    /** The checkpoint after the latest epoch (replaced every epoch). */
    public static final String LAST = "last.ckpt";
    /** The model at the end of a completed run (kept). */
    public static final String FINAL = "final.ckpt";
    private static final String MAGIC = "vaelab-checkpoint";
    private static final int VERSION = 1;

    /** Serialises this checkpoint. */
    public byte[] encode() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(8 * (params.length + adam.length) + 4096);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeUTF(MAGIC);
        out.writeInt(VERSION);
        out.writeInt(epoch);
        out.writeLong(step);
        writeBytes(out, signature.getBytes(StandardCharsets.UTF_8));
        writeFloats(out, params);
        writeFloats(out, adam);
        writeBytes(out, metrics == null ? new byte[0] : Json.line(metrics).getBytes(StandardCharsets.UTF_8));
        out.flush();
        CRC32 crc = new CRC32();
        crc.update(bytes.toByteArray());
        out.writeLong(crc.getValue());
        out.flush();
        return bytes.toByteArray();
    }

    /** Writes this checkpoint to {@code file} atomically. */
    public void write(Path file) throws IOException {
        AtomicFiles.write(file, encode());
    }

    /** Reads {@code file} if it exists; a damaged file is an error that names it and says how to recover. */
    public static Optional<Checkpoint> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        byte[] all = Files.readAllBytes(file);
        try {
            if (all.length < 8) {
                throw new IOException("too short");
            }
            CRC32 crc = new CRC32();
            crc.update(all, 0, all.length - 8);
            long stored = ByteBuffer.wrap(all, all.length - 8, 8).getLong();
            if (crc.getValue() != stored) {
                throw new IOException("checksum mismatch");
            }
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(all, 0, all.length - 8));
            if (!MAGIC.equals(in.readUTF())) {
                throw new IOException("not a vaelab checkpoint");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IOException("checkpoint format " + version + ", this vaelab reads " + VERSION);
            }
            int epoch = in.readInt();
            long step = in.readLong();
            String sig = new String(readBytes(in), StandardCharsets.UTF_8);
            float[] params = readFloats(in);
            float[] adam = readFloats(in);
            byte[] m = readBytes(in);
            EpochMetrics metrics = m.length == 0 ? null
                    : Json.mapper().readValue(new String(m, StandardCharsets.UTF_8), EpochMetrics.class);
            return Optional.of(new Checkpoint(epoch, step, sig, params, adam, metrics));
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": unreadable checkpoint (" + e.getMessage()
                    + "); delete it to restart this run from epoch 1", e);
        }
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("negative length");
        }
        return in.readNBytes(n);
    }

    private static void writeFloats(DataOutputStream out, float[] f) throws IOException {
        out.writeInt(f.length);
        ByteBuffer buf = ByteBuffer.allocate(4 * f.length);
        buf.asFloatBuffer().put(f);
        out.write(buf.array());
    }

    private static float[] readFloats(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("negative length");
        }
        byte[] b = in.readNBytes(4 * n);
        if (b.length != 4 * n) {
            throw new IOException("truncated");
        }
        float[] f = new float[n];
        ByteBuffer.wrap(b).asFloatBuffer().get(f);
        return f;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Checkpoint c && epoch == c.epoch && step == c.step && signature.equals(c.signature)
                && Arrays.equals(params, c.params) && Arrays.equals(adam, c.adam)
                && java.util.Objects.equals(metrics, c.metrics);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(epoch, step, signature, Arrays.hashCode(params), Arrays.hashCode(adam));
    }

    @Override
    public String toString() {
        return "Checkpoint[epoch=" + epoch + ", step=" + step + ", params=" + params.length + "]";
    }
}
