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
import org.vaelab.model.ModelState;
import org.vaelab.tracking.AtomicFiles;
import org.vaelab.tracking.EpochMetrics;
import org.vaelab.tracking.Json;

/**
 * The state of a run after an epoch: parameters, Adam moments, step count, epoch and that epoch's metrics.
 * RNG state is not stored because every stream restarts per epoch from the run seed ({@link RunSeeds}).
 * The metrics ride along so a kill between writing the checkpoint and recording the epoch loses nothing.
 * Binary, big-endian, ending in a CRC-32 of everything before it; written atomically. Format 1 has no state;
 * format 2 adds the model's non-trainable state ({@link ModelState}: batchnorm's running statistics) with its own
 * signature after the parameters, and is written only when there is state, so checkpoints of models without
 * state are byte for byte format 1 and older files still load.
 *
 * @param epoch     last completed epoch (1-based)
 * @param step      optimisation steps taken so far
 * @param signature parameter names and shapes ({@code Parameters.signature()}): a checkpoint only loads into
 *                  the model it was written from
 * @param params    the flat parameter buffer
 * @param stateSignature {@link ModelState#signature()}, {@code ""} without state
 * @param state     the flat state buffer, empty without state
 * @param adam      Adam's moments, [m, v]
 * @param metrics   the epoch's metrics
 */
public record Checkpoint(int epoch, long step, String signature, float[] params, String stateSignature,
                         float[] state, float[] adam, EpochMetrics metrics) {
    /** The checkpoint after the latest epoch (replaced every epoch). */
    public static final String LAST = "last.ckpt";
    /** The model at the end of a completed run (kept). */
    public static final String FINAL = "final.ckpt";
    private static final String MAGIC = "vaelab-checkpoint";
    private static final int VERSION = 1;
    private static final int VERSION_WITH_STATE = 2;

    /** A checkpoint of a model without state. */
    public Checkpoint(int epoch, long step, String signature, float[] params, float[] adam, EpochMetrics metrics) {
        this(epoch, step, signature, params, "", new float[0], adam, metrics);
    }

    /** A checkpoint of a model and its state. */
    public Checkpoint(int epoch, long step, String signature, float[] params, ModelState state, float[] adam,
                      EpochMetrics metrics) {
        this(epoch, step, signature, params, state.signature(), state.toFloats(), adam, metrics);
    }

    /** Serialises this checkpoint. */
    public byte[] encode() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(
                8 * (params.length + adam.length) + 4 * state.length + 4096);
        DataOutputStream out = new DataOutputStream(bytes);
        boolean hasState = state.length > 0 || !stateSignature.isEmpty();
        out.writeUTF(MAGIC);
        out.writeInt(hasState ? VERSION_WITH_STATE : VERSION);
        out.writeInt(epoch);
        out.writeLong(step);
        writeBytes(out, signature.getBytes(StandardCharsets.UTF_8));
        writeFloats(out, params);
        if (hasState) {
            writeBytes(out, stateSignature.getBytes(StandardCharsets.UTF_8));
            writeFloats(out, state);
        }
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
            if (version != VERSION && version != VERSION_WITH_STATE) {
                throw new IOException("checkpoint format " + version + ", this vaelab reads " + VERSION + " and "
                        + VERSION_WITH_STATE);
            }
            int epoch = in.readInt();
            long step = in.readLong();
            String sig = new String(readBytes(in), StandardCharsets.UTF_8);
            float[] params = readFloats(in);
            String stateSig = "";
            float[] state = new float[0];
            if (version == VERSION_WITH_STATE) {
                stateSig = new String(readBytes(in), StandardCharsets.UTF_8);
                state = readFloats(in);
            }
            float[] adam = readFloats(in);
            byte[] m = readBytes(in);
            EpochMetrics metrics = m.length == 0 ? null
                    : Json.mapper().readValue(new String(m, StandardCharsets.UTF_8), EpochMetrics.class);
            return Optional.of(new Checkpoint(epoch, step, sig, params, stateSig, state, adam, metrics));
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": unreadable checkpoint (" + e.getMessage()
                    + "); delete it to restart this run from epoch 1", e);
        }
    }

    /**
     * Loads this checkpoint's state into {@code into}; a checkpoint of a model with other state (or none where
     * the model has some) is an error naming {@code file} and the fix.
     */
    public void restoreState(ModelState into, Path file) throws IOException {
        if (!stateSignature.equals(into.signature()) || state.length != into.size()) {
            throw new IOException(file + ": checkpoint holds the state of a different model architecture ("
                    + (stateSignature.isEmpty() ? "none" : stateSignature) + "); delete it to restart this run"
                    + " from epoch 1");
        }
        into.assign(state);
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
                && Arrays.equals(params, c.params) && stateSignature.equals(c.stateSignature)
                && Arrays.equals(state, c.state) && Arrays.equals(adam, c.adam)
                && java.util.Objects.equals(metrics, c.metrics);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(epoch, step, signature, Arrays.hashCode(params), stateSignature,
                Arrays.hashCode(state), Arrays.hashCode(adam));
    }

    @Override
    public String toString() {
        return "Checkpoint[epoch=" + epoch + ", step=" + step + ", params=" + params.length + ", state="
                + state.length + "]";
    }
}
