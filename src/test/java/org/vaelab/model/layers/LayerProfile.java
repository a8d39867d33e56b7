package org.vaelab.model.layers;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;
import org.vaelab.model.Parameters;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.Shape;
import org.vaelab.spec.yaml.SpecLoader;
import org.vaelab.sweep.SweepExpander;

/**
 * A probe, not a test: per-layer CPU time of the fast forward and backward of a seed spec's encoder and decoder
 * at given batch sizes (medians of interleaved repeats). Run with the test classpath:
 * {@code java -cp target/classes:target/test-classes:$(cat cp) org.vaelab.model.layers.LayerProfile spec.yaml 128,512}.
 */
public final class LayerProfile {
    /** -Dprofile.min=true: the fastest repeat instead of the median (less sensitive to a loaded machine). */
    static final boolean MIN = Boolean.getBoolean("profile.min");
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    private LayerProfile() {
    }

    public static void main(String[] args) throws Exception {
        ModelSpec m = SweepExpander.expand(SpecLoader.load(Path.of(args[0]), List.of())).get(0).config().model();
        int[] batches = Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray();
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        Shape img = Shape.image(1, 28, 28);
        List<LayerSpec> encSpecs = Layers.endingInVector(m.encoderLayers(), img);
        Probe enc = new Probe("enc", Layers.build("enc", encSpecs, img), false);
        Shape z = Shape.vector(m.latentDim());
        Probe dec = new Probe("dec", Layers.build("dec", m.decoderLayers(), z), true);
        for (int b : batches) {
            enc.allocate(b);
            dec.allocate(b);
        }
        for (int warm = 0; warm < 20; warm++) {
            for (int b : batches) {
                enc.step(b);
                dec.step(b);
            }
        }
        for (int b : batches) {
            enc.reset();
            dec.reset();
            for (int r = 0; r < reps; r++) {
                enc.step(b);
                dec.step(b);
            }
            System.out.printf("batch %d (%s of %d, microseconds CPU per step and per sample)%n", b,
                    MIN ? "min" : "median", reps);
            enc.print(b);
            dec.print(b);
        }
    }

    static final class Probe {
        final String side;
        final LayerStack stack;
        final List<Layer> run;
        final boolean needDIn;
        final FloatPointer params;
        final FloatPointer grads;
        final Workspace ws = new Workspace();
        float[] x;
        float[] dOut;
        float[][] dBuf = new float[2][];
        final List<List<Long>> fwd = new ArrayList<>();
        final List<List<Long>> bwd = new ArrayList<>();

        Probe(String side, List<Layer> layers, boolean needDIn) {
            this.side = side;
            this.stack = new LayerStack(layers);
            this.run = stack.running();
            this.needDIn = needDIn;
            Map<String, Long> offsets = new HashMap<>();
            long off = 0;
            for (Parameters.Param p : stack.params()) {
                offsets.put(p.name(), off);
                off += p.length();
            }
            params = new FloatPointer(Math.max(1, off));
            grads = new FloatPointer(Math.max(1, off));
            SplittableRandom rng = new SplittableRandom(3);
            for (long i = 0; i < off; i++) {
                params.put(i, (float) (rng.nextDouble(-1, 1) * 0.05));
            }
            stack.bind(params, grads, offsets, ws);
            for (int i = 0; i < run.size(); i++) {
                fwd.add(new ArrayList<>());
                bwd.add(new ArrayList<>());
            }
        }

        void allocate(int rows) {
            stack.allocate(rows, true);
            ws.commit();
            SplittableRandom rng = new SplittableRandom(5);
            x = new float[rows * stack.inShape().size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rng.nextDouble();
            }
            dOut = new float[rows * stack.outShape().size()];
            for (int i = 0; i < dOut.length; i++) {
                dOut[i] = (float) rng.nextGaussian();
            }
            dBuf[0] = new float[rows * stack.widest()];
            dBuf[1] = new float[rows * stack.widest()];
        }

        void reset() {
            fwd.forEach(List::clear);
            bwd.forEach(List::clear);
        }

        void step(int rows) {
            float[] a = x;
            for (int i = 0; i < run.size(); i++) {
                long t = MX.getCurrentThreadCpuTime();
                a = run.get(i).forward(a, rows, true);
                fwd.get(i).add(MX.getCurrentThreadCpuTime() - t);
            }
            float[] g = dBuf[0];
            System.arraycopy(dOut, 0, g, 0, rows * stack.outShape().size());
            int which = 1;
            for (int i = run.size() - 1; i >= 0; i--) {
                float[] target = i == 0 && !needDIn ? null : dBuf[which];
                long t = MX.getCurrentThreadCpuTime();
                run.get(i).backward(g, rows, target);
                bwd.get(i).add(MX.getCurrentThreadCpuTime() - t);
                if (target != null) {
                    g = target;
                    which = 1 - which;
                }
            }
        }

        void print(int rows) {
            double tf = 0;
            double tb = 0;
            for (int i = 0; i < run.size(); i++) {
                double f = (MIN ? min(fwd.get(i)) : median(fwd.get(i))) / 1e3;
                double b = (MIN ? min(bwd.get(i)) : median(bwd.get(i))) / 1e3;
                tf += f;
                tb += b;
                Layer l = run.get(i);
                System.out.printf("  %-5s %-28s fwd %9.1f us  bwd %9.1f us  (%.2f + %.2f us/sample)%n", side,
                        l.getClass().getSimpleName() + " " + l.name() + (l.fused() != null ? "+" + l.fused() : ""),
                        f, b, f / rows, b / rows);
            }
            System.out.printf("  %-5s total fwd %.1f us bwd %.1f us = %.2f us/sample%n", side, tf, tb,
                    (tf + tb) / rows);
        }

        static double min(List<Long> v) {
            return v.stream().mapToLong(Long::longValue).min().orElse(0);
        }

        static double median(List<Long> v) {
            List<Long> s = new ArrayList<>(v);
            s.sort(Long::compare);
            return s.get(s.size() / 2);
        }
    }
}
