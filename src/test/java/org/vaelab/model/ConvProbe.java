package org.vaelab.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.spec.Activation;
import org.vaelab.spec.LossSpec;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;

/**
 * Where a training step of the bench conv model (channels 32,64, latent 32, relu, BCE) spends its time and
 * memory (not a test): ms per gradient step (the model's own: {@code FastGradientStep}, or the SameDiff step
 * with {@code -Dvaelab.engine=samediff}), resident memory as steps go by, and with {@code ops} (SameDiff only)
 * the time inside each op type (conv ops, or with {@code -Dprobe.shapes} all but reshape, by input shapes);
 * with {@code eval}, STEPS calls of the test-set evaluation on BATCH rows instead. {@code -Dprobe.kind=MLP}
 * probes the seed MLP.
 * {@code java -cp target/test-classes:target/classes:<deps> org.vaelab.model.ConvProbe BATCH STEPS [ops|eval]}
 */
public final class ConvProbe {
    private ConvProbe() {
    }

    /** Sums the wall time between each op's pre- and post-execution callbacks, by op type. */
    static final class OpTimer extends BaseListener {
        final Map<String, long[]> byOp = new TreeMap<>();
        long t0;

        @Override
        public boolean isActive(Operation operation) {
            return true;
        }

        @Override
        public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext ctx) {
            t0 = System.nanoTime();
        }

        @Override
        public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext ctx, INDArray[] outputs) {
            long dt = System.nanoTime() - t0;
            String key = op.getOp().opName();
            if (key.contains("conv") || (System.getProperty("probe.shapes") != null && !key.equals("reshape"))) {
                StringBuilder sb = new StringBuilder(key);
                for (INDArray in : ctx.getInputArrays()) {
                    sb.append(' ').append(java.util.Arrays.toString(in.shape()));
                }
                key = sb.toString();
            }
            long[] v = byOp.computeIfAbsent(key, k -> new long[2]);
            v[0] += dt;
            v[1]++;
        }
    }

    static double statusMb(String key) throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith(key)) {
                return Double.parseDouble(l.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return -1;
    }

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        int steps = Integer.parseInt(args[1]);
        boolean ops = args.length > 2 && args[2].equals("ops");
        NetKind kind = NetKind.valueOf(System.getProperty("probe.kind", "CONV"));
        ModelSpec spec = new ModelSpec(kind, kind, List.of(256, 256), List.of(32, 64), Activation.RELU, 32);
        try (VaeModel m = VaeModel.create(spec, LossSpec.DEFAULT, 28, 28, DataType.FLOAT, 1)) {
            Nd4j.getRandom().setSeed(1);
            INDArray x = Nd4j.rand(DataType.FLOAT, n, 784);
            INDArray eps = Nd4j.randn(DataType.FLOAT, n, 32);
            if (args.length > 2 && args[2].equals("eval")) {
                // the trainer's test-set evaluation: one evaluate() per 1000 rows
                for (int i = 0; i < steps; i++) {
                    long t = System.nanoTime();
                    m.evaluate(x, eps);
                    System.out.printf("evaluate %d rows: %.0f ms, RSS %.0f MB, peak %.0f MB%n", n,
                            (System.nanoTime() - t) / 1e6, statusMb("VmRSS"), statusMb("VmHWM"));
                }
                System.exit(0);
            }
            GradientStep gs = m.gradientStep();
            for (int i = 0; i < 3; i++) {
                gs.compute(x, eps, 1.0);
            }
            System.out.printf("after 3 warm-up steps: RSS %.0f MB, peak %.0f MB%n", statusMb("VmRSS"), statusMb("VmHWM"));
            long t0 = System.nanoTime();
            double loss = 0;
            for (int i = 0; i < steps; i++) {
                loss = gs.compute(x, eps, 1.0).loss();
                if ((i + 1) % Math.max(1, steps / 5) == 0) {
                    System.out.printf("step %d: RSS %.0f MB, peak %.0f MB, arena %.0f MB, %.1f ms/step so far%n", i + 1,
                            statusMb("VmRSS"), statusMb("VmHWM"), gs instanceof SameDiffGradientStep sgs ? sgs.arenaBytes() / 1e6 : 0.0,
                            (System.nanoTime() - t0) / 1e6 / (i + 1));
                }
            }
            double dt = (System.nanoTime() - t0) / 1e9;
            System.out.printf("batch %d: %.1f ms/step, %.0f samples/s, loss %.4f, grad sum %.6f%n", n, 1e3 * dt / steps,
                    steps * n / dt, loss, gs.gradients().sumNumber().doubleValue());
            if (ops) {
                OpTimer timer = new OpTimer();
                m.trainingGraph().addListeners(timer);
                long t1 = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                    gs.compute(x, eps, 1.0);
                }
                double total = (System.nanoTime() - t1) / 1e6 / steps;
                long sum = 0;
                for (long[] v : timer.byOp.values()) {
                    sum += v[0];
                }
                System.out.printf("per step: %.1f ms wall, %.1f ms inside ops%n", total, sum / 1e6 / steps);
                timer.byOp.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
                        .limit(Integer.getInteger("probe.top", 25)).forEach(e -> System.out.printf("  %-28s %8.2f ms/step  %5.1f calls/step%n", e.getKey(),
                                e.getValue()[0] / 1e6 / steps, e.getValue()[1] / (double) steps));
            }
        }
        System.exit(0);
    }
}
