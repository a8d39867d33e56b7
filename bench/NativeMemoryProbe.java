// Does closing an ND4J array give its native memory back, in the ND4J that vaelab uses (1.0.0-M2.1, CPU)?
// Not a test and not part of the build: a single-file Java program over ND4J alone (no vaelab class), run
// against the class path that `./vaelab` builds (target/vaelab.jar and target/lib/):
//
//   mvn -q -B -Dmaven.test.skip=true package        # or run ./vaelab once
//   java -Dorg.bytedeco.javacpp.maxphysicalbytes=0 -Dorg.bytedeco.javacpp.maxbytes=0 \
//        -cp 'target/lib/*' bench/NativeMemoryProbe.java [detached|rand]
//
// (the two javacpp settings are the launcher's own, so the probe sees what a vaelab run sees). With an
// argument: 50 times create, fill and close a 16.8 MB array, then print the resident set's growth. Without:
// one SameDiff gradient step per op type, every op output closed afterwards, and the resident growth per step.
// Its answer (no: 50 create+close of 16.8 MB grew the resident set by 840 MB) is why model.StepArena reuses
// the step's buffers instead of closing them; rerun it when the ND4J version changes. Linux only (/proc).

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Whether closing ND4J arrays returns their native memory (see the comment above for how to run it). */
public final class NativeMemoryProbe {
    private NativeMemoryProbe() {
    }

    static final class Closer extends BaseListener {
        final List<INDArray> outs = new ArrayList<>();
        long bytes;

        @Override
        public boolean isActive(Operation operation) {
            return true;
        }

        @Override
        public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext ctx, INDArray[] outputs) {
            for (INDArray a : outputs) {
                outs.add(a);
                bytes += a.length() * 4;
            }
        }

        int closed;
        int skipped;

        void close() {
            for (INDArray a : outs) {
                if (!a.wasClosed() && !a.isView() && a.closeable() && a.data().closeable()) {
                    a.close();
                    closed++;
                } else {
                    skipped++;
                }
            }
            outs.clear();
        }
    }

    static double rss() throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS")) {
                return Double.parseDouble(l.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return -1;
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0) {
            double r0 = rss();
            for (int i = 0; i < 50; i++) {
                INDArray a = args[0].equals("rand") ? Nd4j.rand(DataType.FLOAT, 256, 16, 16, 64)
                        : Nd4j.createUninitializedDetached(DataType.FLOAT, 256, 16, 16, 64);
                a.assign(1.0);
                boolean c1 = a.closeable(), c2 = a.data().closeable();
                a.close();
                if (i < 3 || i % 10 == 0) {
                    System.out.printf("%d: closeable %s/%s, closed %s, RSS %.0f MB%n", i, c1, c2, a.wasClosed(), rss());
                }
            }
            System.out.printf("%s create+close x50 of 16.8 MB: RSS +%.1f MB%n", args[0], rss() - r0);
            System.exit(0);
        }
        Map<String, BiFunction<SameDiff, SDVariable, SDVariable>> ops = new java.util.LinkedHashMap<>();
        ops.put("mul only", (sd, v) -> v);
        ops.put("reshape", (sd, v) -> sd.reshape(v, -1, 64));
        ops.put("permute", (sd, v) -> sd.permute(v, 0, 2, 1, 3));
        ops.put("strided_slice", (sd, v) -> sd.stridedSlice(v, new long[]{0, 1, 1, 0}, new long[]{0, 15, 15, 0},
                new long[]{1, 2, 2, 1}, 9, 9, 0, 0, 0));
        ops.put("concat", (sd, v) -> sd.concat(3, v, v));
        ops.put("pad", (sd, v) -> sd.nn.pad(v, sd.constant(Nd4j.createFromArray(new int[][]{{0, 0}, {1, 1}, {1, 1}, {0, 0}})), 0.0));
        ops.put("relu", (sd, v) -> sd.nn.relu(v, 0));
        ops.put("biasadd", (sd, v) -> sd.nn.biasAdd(v, sd.var("b", Nd4j.rand(DataType.FLOAT, 64)), false));
        ops.put("mmul", (sd, v) -> sd.mmul(sd.reshape(v, -1, 64), sd.var("m", Nd4j.rand(DataType.FLOAT, 64, 64))));
        for (Map.Entry<String, BiFunction<SameDiff, SDVariable, SDVariable>> e : ops.entrySet()) {
            SameDiff sd = SameDiff.create();
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 16, 16, 64);
            SDVariable w = sd.var("w", Nd4j.rand(DataType.FLOAT, 1, 16, 16, 64));
            SDVariable y = e.getValue().apply(sd, x.mul(w));
            y.sum().rename("loss");
            sd.setLossVariables("loss");
            Closer c = new Closer();
            sd.addListeners(c);
            INDArray xa = Nd4j.rand(DataType.FLOAT, 256, 16, 16, 64); // 16.8 MB
            List<String> grads = new ArrayList<>();
            for (SDVariable v : sd.variables()) {
                if (v.getVariableType() == org.nd4j.autodiff.samediff.VariableType.VARIABLE) {
                    grads.add(v.name());
                }
            }
            for (int i = 0; i < 3; i++) {
                OutAndGrad og = sd.calculateGradientsAndOutputs(Map.of("x", xa), List.of("loss"), grads);
                c.close();
            }
            double r0 = rss();
            c.bytes = 0;
            int steps = 20;
            for (int i = 0; i < steps; i++) {
                sd.calculateGradientsAndOutputs(Map.of("x", xa), List.of("loss"), grads);
                c.close();
            }
            System.out.printf("%-14s RSS +%.1f MB/step; op outputs %.1f MB/step; closed %d skipped %d%n", e.getKey(), (rss() - r0) / steps,
                    c.bytes / 1e6 / steps, c.closed, c.skipped);
        }
        System.exit(0);
    }
}
