package org.vaelab.train;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.vaelab.model.ModelState;
import org.vaelab.tracking.AtomicFiles;
import org.vaelab.tracking.EpochMetrics;
import org.vaelab.tracking.Json;

/**
 * The state of a run after an epoch: parameters, Adam moments, step count, epoch and that epoch's metrics.
 * RNG state is not stored because every stream restarts per epoch from the run seed ({@link RunSeeds}).
 * The metrics ride along so a kill between writing the checkpoint and recording the epoch loses nothing.
 * Binary, big-endian, ending in a CRC-32 of everything before it; written atomically and streamed both ways
 * (chunks of 64 KB, never the whole file in the heap). Format 1 has no state;
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

    /** Serialises this checkpoint (for small checkpoints and tests; {@link #write} streams). */
    public byte[] encode() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        writeTo(bytes);
        return bytes.toByteArray();
    }

    /** Writes this checkpoint to {@code file} atomically. */
    public void write(Path file) throws IOException {
        AtomicFiles.write(file, this::writeTo);
    }

    private void writeTo(OutputStream out) throws IOException {
        encode(out, epoch, step, signature, FloatSource.of(params), stateSignature, state,
                FloatSource.of(adam), metrics);
    }

    /**
     * Writes the checkpoint of a training run to {@code file} atomically, streaming the parameters out of their
     * native buffer and Adam's moments out of the optimizer in small chunks: no copy of the model is made on the
     * heap (an in-heap checkpoint of a 40M-parameter model needed about 1.5 GB and ran out of a 2 GB heap).
     */
    public static void write(Path file, int epoch, long step, String signature, INDArray params, ModelState state,
                             AdamOptimizer adam, EpochMetrics metrics) throws IOException {
        AtomicFiles.write(file, out -> encode(out, epoch, step, signature, FloatSource.of(params),
                state.signature(), state.toFloats(), adam.momentSource(), metrics));
    }

    private static void encode(OutputStream sink, int epoch, long step, String signature, FloatSource params,
                               String stateSignature, float[] state, FloatSource adam, EpochMetrics metrics)
            throws IOException {
        // The CRC covers every byte before it, as in the in-heap format: computed while streaming.
        CRC32 crc = new CRC32();
        DataOutputStream out = new DataOutputStream(new CheckedOutputStream(sink, crc));
        boolean hasState = state.length > 0 || !stateSignature.isEmpty();
        out.writeUTF(MAGIC);
        out.writeInt(hasState ? VERSION_WITH_STATE : VERSION);
        out.writeInt(epoch);
        out.writeLong(step);
        writeBytes(out, signature.getBytes(StandardCharsets.UTF_8));
        writeFloats(out, params);
        if (hasState) {
            writeBytes(out, stateSignature.getBytes(StandardCharsets.UTF_8));
            writeFloats(out, FloatSource.of(state));
        }
        writeFloats(out, adam);
        writeBytes(out, metrics == null ? new byte[0] : Json.line(metrics).getBytes(StandardCharsets.UTF_8));
        out.flush();
        new DataOutputStream(sink).writeLong(crc.getValue());
        sink.flush();
    }

    /** Reads {@code file} if it exists; a damaged file is an error that names it and says how to recover. */
    public static Optional<Checkpoint> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Checkpoint[] out = new Checkpoint[1];
        parse(file, new Target() {
            private float[] params;
            private float[] adam;

            @Override
            public FloatSink params(String signature, int n) {
                params = new float[n];
                return FloatSink.of(params);
            }

            @Override
            public FloatSink adam(int n) {
                adam = new float[n];
                return FloatSink.of(adam);
            }

            @Override
            public void done(int epoch, long step, String signature, String stateSig, float[] state,
                             EpochMetrics metrics) {
                out[0] = new Checkpoint(epoch, step, signature, params, stateSig, state, adam, metrics);
            }
        });
        return Optional.of(out[0]);
    }

    /**
     * Loads {@code file} into a model and (unless null) its optimizer, streaming: the parameters go straight
     * into their native buffer and the moments into the optimizer, so a model that fits in memory for training
     * also fits for resuming. The file's checksum is verified in a first pass, before anything is overwritten.
     * A file of another architecture is refused before the parameters are touched.
     *
     * @return the checkpoint's epoch, step and metrics (its arrays empty)
     * @throws IOException naming the file and the fix if it is missing, damaged or of another model
     */
    public static Checkpoint restore(Path file, String signature, INDArray params, ModelState state,
                                     AdamOptimizer adam) throws IOException {
        if (!Files.exists(file)) {
            throw new IOException(file + ": no such checkpoint");
        }
        Checkpoint[] out = new Checkpoint[1];
        parse(file, new Target() {
            @Override
            public FloatSink params(String sig, int n) throws IOException {
                if (!sig.equals(signature) || n != params.length()) {
                    throw new WrongModel(file + ": checkpoint was written by a different model architecture;"
                            + " delete it to restart this run from epoch 1");
                }
                return FloatSink.of(params);
            }

            @Override
            public FloatSink adam(int n) {
                return adam == null ? FloatSink.SKIP : adam.momentSink(n);
            }

            @Override
            public void done(int epoch, long step, String sig, String stateSig, float[] st, EpochMetrics metrics)
                    throws IOException {
                Checkpoint c = new Checkpoint(epoch, step, sig, new float[0], stateSig, st, new float[0], metrics);
                c.restoreState(state, file);
                out[0] = c;
            }
        });
        return out[0];
    }

    /** Where a checkpoint being parsed puts its arrays. */
    private interface Target {
        FloatSink params(String signature, int n) throws IOException;

        FloatSink adam(int n) throws IOException;

        void done(int epoch, long step, String signature, String stateSig, float[] state, EpochMetrics metrics)
                throws IOException;
    }

    /** A wrong model is the caller's message as it is, not "unreadable checkpoint". */
    private static final class WrongModel extends IOException {
        private static final long serialVersionUID = 1L;

        WrongModel(String message) {
            super(message);
        }
    }

    private static void parse(Path file, Target target) throws IOException {
        try {
            long size = Files.size(file);
            if (size < 8) {
                throw new IOException("too short");
            }
            verifyChecksum(file, size);
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file),
                    1 << 16))) {
                if (!MAGIC.equals(in.readUTF())) {
                    throw new IOException("not a vaelab checkpoint");
                }
                int version = in.readInt();
                if (version != VERSION && version != VERSION_WITH_STATE) {
                    throw new IOException("checkpoint format " + version + ", this vaelab reads " + VERSION
                            + " and " + VERSION_WITH_STATE);
                }
                int epoch = in.readInt();
                long step = in.readLong();
                String sig = new String(readBytes(in), StandardCharsets.UTF_8);
                readFloats(in, n -> target.params(sig, n));
                String stateSig = "";
                float[] state = new float[0];
                if (version == VERSION_WITH_STATE) {
                    stateSig = new String(readBytes(in), StandardCharsets.UTF_8);
                    float[][] holder = new float[1][];
                    readFloats(in, n -> FloatSink.of(holder[0] = new float[n]));
                    state = holder[0];
                }
                readFloats(in, target::adam);
                byte[] m = readBytes(in);
                EpochMetrics metrics = m.length == 0 ? null
                        : Json.mapper().readValue(new String(m, StandardCharsets.UTF_8), EpochMetrics.class);
                target.done(epoch, step, sig, stateSig, state, metrics);
            }
        } catch (WrongModel e) {
            throw new IOException(e.getMessage());
        } catch (IOException | RuntimeException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(file.toString())) {
                throw e; // already names the file and the fix (restoreState)
            }
            throw new IOException(file + ": unreadable checkpoint (" + e.getMessage()
                    + "); delete it to restart this run from epoch 1", e);
        }
    }

    /** The CRC-32 of everything before the last 8 bytes against those bytes, streamed. */
    private static void verifyChecksum(Path file, long size) throws IOException {
        CRC32 crc = new CRC32();
        long stored;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            byte[] buf = new byte[1 << 16];
            long left = size - 8;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new IOException("truncated");
                }
                crc.update(buf, 0, n);
                left -= n;
            }
            stored = new DataInputStream(in).readLong();
        }
        if (crc.getValue() != stored) {
            throw new IOException("checksum mismatch");
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

    private static final int CHUNK = 1 << 14;

    private static void writeFloats(DataOutputStream out, FloatSource f) throws IOException {
        out.writeInt(f.length());
        float[] chunk = new float[(int) Math.min(CHUNK, f.length())];
        ByteBuffer bytes = ByteBuffer.allocate(4 * chunk.length);
        for (int from = 0; from < f.length(); from += chunk.length) {
            int len = Math.min(chunk.length, f.length() - from);
            f.get(from, chunk, len);
            bytes.clear();
            bytes.asFloatBuffer().put(chunk, 0, len);
            out.write(bytes.array(), 0, 4 * len);
        }
    }

    /** What opens the sink of an array once its length is known. */
    private interface SinkFor {
        FloatSink open(int n) throws IOException;
    }

    private static void readFloats(DataInputStream in, SinkFor sinkFor) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("negative length");
        }
        FloatSink sink = sinkFor.open(n);
        float[] chunk = new float[Math.min(CHUNK, n)];
        byte[] bytes = new byte[4 * chunk.length];
        for (int from = 0; from < n; from += chunk.length) {
            int len = Math.min(chunk.length, n - from);
            in.readFully(bytes, 0, 4 * len);
            ByteBuffer.wrap(bytes, 0, 4 * len).asFloatBuffer().get(chunk, 0, len);
            sink.put(from, chunk, len);
        }
    }

    /** A float array read in chunks: a heap array, a native buffer, Adam's moments. */
    interface FloatSource {
        int length();

        /** Copies {@code len} values starting at {@code from} into {@code into[0..len)}. */
        void get(int from, float[] into, int len);

        static FloatSource of(float[] a) {
            return new FloatSource() {
                @Override
                public int length() {
                    return a.length;
                }

                @Override
                public void get(int from, float[] into, int len) {
                    System.arraycopy(a, from, into, 0, len);
                }
            };
        }

        /** A contiguous FLOAT or DOUBLE vector, read straight from its native buffer. */
        static FloatSource of(INDArray a) {
            requireContiguous(a);
            int n = Math.toIntExact(a.length());
            return new FloatSource() {
                @Override
                public int length() {
                    return n;
                }

                @Override
                public void get(int from, float[] into, int len) {
                    if (a.dataType() == DataType.FLOAT) {
                        new FloatPointer(a.data().addressPointer()).position(a.offset() + from).get(into, 0, len);
                    } else {
                        DoublePointer d = new DoublePointer(a.data().addressPointer()).position(a.offset() + from);
                        for (int i = 0; i < len; i++) {
                            into[i] = (float) d.get(i);
                        }
                    }
                }
            };
        }
    }

    /** Where chunks of a float array being read go. */
    interface FloatSink {
        /** Discards the values (Adam's moments when only the model is loaded). */
        FloatSink SKIP = (from, values, len) -> { };

        void put(int from, float[] values, int len);

        static FloatSink of(float[] a) {
            return (from, values, len) -> System.arraycopy(values, 0, a, from, len);
        }

        /** A contiguous FLOAT or DOUBLE vector, written straight into its native buffer. */
        static FloatSink of(INDArray a) {
            requireContiguous(a);
            return (from, values, len) -> {
                if (a.dataType() == DataType.FLOAT) {
                    new FloatPointer(a.data().addressPointer()).position(a.offset() + from).put(values, 0, len);
                } else {
                    DoublePointer d = new DoublePointer(a.data().addressPointer()).position(a.offset() + from);
                    for (int i = 0; i < len; i++) {
                        d.put(i, values[i]);
                    }
                }
            };
        }
    }

    private static void requireContiguous(INDArray a) {
        if ((a.dataType() != DataType.FLOAT && a.dataType() != DataType.DOUBLE) || a.ordering() != 'c'
                || a.elementWiseStride() != 1) {
            throw new IllegalArgumentException("checkpoint: a contiguous FLOAT or DOUBLE vector, got "
                    + a.dataType() + " " + a.ordering());
        }
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
