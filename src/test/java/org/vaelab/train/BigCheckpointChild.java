package org.vaelab.train;

import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.model.ModelState;

/**
 * Run by {@link CheckpointStreamingTest} in a JVM with a small heap: checkpoints a model of {@code n} parameters
 * (native) with its Adam moments (heap) to {@code file}, either streamed ({@code stream}) or through the in-heap
 * encoding ({@code heap}), then streams it back into zeroed arrays and checks every value. Exit 0 when all of
 * it worked; an OutOfMemoryError ends the JVM with its own message and a non-zero code.
 */
final class BigCheckpointChild {
    private BigCheckpointChild() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int n = Integer.parseInt(args[1]);
        boolean stream = args[2].equals("stream");
        INDArray params = Nd4j.create(DataType.FLOAT, 1, n);
        fill(params, 1);
        try (AdamOptimizer adam = new AdamOptimizer(n, DataType.FLOAT, 1e-3);
             ModelState state = new ModelState(java.util.List.of(), DataType.FLOAT)) {
            fill(adam.momentSink(2 * n), 2 * n, 2);
            String sig = "w[" + n + "];";
            if (stream) {
                Checkpoint.write(file, 4, 99, sig, params, state, adam, null);
            } else {
                new Checkpoint(4, 99, sig, params.toFloatVector(), adam.moments(), null).write(file);
            }
            params.assign(0);
            fill(adam.momentSink(2 * n), 2 * n, 0);
            Checkpoint c = Checkpoint.restore(file, sig, params, state, adam);
            check(c.epoch() == 4 && c.step() == 99, "epoch and step");
            check(equalsPattern(Checkpoint.FloatSource.of(params), 1), "parameters");
            check(equalsPattern(adam.momentSource(), 2), "moments");
        }
        System.out.println("round trip of " + n + " parameters ok, max heap " + (Runtime.getRuntime().maxMemory() >> 20)
                + " MB");
    }

    private static float value(int i, int salt) {
        return salt == 0 ? 0 : (i % 1000) * 1e-3f + salt;
    }

    private static float[] pattern(int from, int len, int salt) {
        float[] f = new float[len];
        for (int i = 0; i < len; i++) {
            f[i] = value(from + i, salt);
        }
        return f;
    }

    private static void fill(INDArray a, int salt) {
        fill(Checkpoint.FloatSink.of(a), (int) a.length(), salt);
    }

    private static void fill(Checkpoint.FloatSink sink, int n, int salt) {
        for (int from = 0; from < n; from += 1 << 14) {
            int len = Math.min(1 << 14, n - from);
            sink.put(from, pattern(from, len, salt), len);
        }
    }

    private static boolean equalsPattern(Checkpoint.FloatSource s, int salt) {
        float[] buf = new float[1 << 14];
        for (int from = 0; from < s.length(); from += buf.length) {
            int len = Math.min(buf.length, s.length() - from);
            s.get(from, buf, len);
            for (int i = 0; i < len; i++) {
                if (buf[i] != value(from + i, salt)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            System.out.println("wrong " + what + " after the round trip");
            System.exit(1);
        }
    }
}
