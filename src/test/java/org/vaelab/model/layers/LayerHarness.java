package org.vaelab.model.layers;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.validation.GradCheckUtil;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.model.ModelState;
import org.vaelab.model.Parameters;
import org.vaelab.spec.Shape;

/**
 * Runs one layer on both paths for tests: the fast FLOAT path bound to flat buffers, and its SameDiff twin
 * with the same parameter and state values, a loss {@code sum(y * R)} for a fixed random R so every output
 * gets its own upstream gradient.
 */
final class LayerHarness implements AutoCloseable {
    final Layer layer;
    final Parameters params;
    final ModelState state;
    final FloatPointer grads;
    private final Workspace workspace = new Workspace();
    private final SplittableRandom rng;

    /** A harness whose parameters are drawn at random (not the ONES/ZEROS init, which would hide mistakes). */
    LayerHarness(Layer layer, DataType dtype, long seed) {
        this.layer = layer;
        this.rng = new SplittableRandom(seed);
        this.params = new Parameters(layer.params(), dtype);
        this.state = ModelState.of(List.of(layer), dtype);
        double[] p = new double[(int) params.size()];
        int k = 0;
        for (Parameters.Param q : params.list()) {
            boolean weight = q.name().endsWith("_W");
            for (int i = 0; i < q.length(); i++) {
                p[k++] = weight ? 0.5 + rng.nextDouble() : rng.nextDouble() - 0.5;
            }
        }
        params.flat().assign(Nd4j.createFromArray(p).castTo(dtype).reshape(1, p.length));
        if (state.size() > 0) {
            double[] s = new double[(int) state.size()];
            int j = 0;
            for (Parameters.Param q : state.list()) {
                boolean var = q.name().endsWith("_var");
                for (int i = 0; i < q.length(); i++) {
                    s[j++] = var ? 0.5 + rng.nextDouble() : rng.nextDouble() - 0.5;
                }
            }
            state.flat().assign(Nd4j.createFromArray(s).castTo(dtype).reshape(1, s.length));
        }
        this.grads = new FloatPointer(Math.max(1, params.size()));
        if (dtype == DataType.FLOAT) {
            layer.bind(pointer(params.flat()), grads, state.size() == 0 ? null : pointer(state.flat()), workspace);
        }
    }

    static FloatPointer pointer(INDArray a) {
        return new FloatPointer(a.data().addressPointer()).position(a.offset());
    }

    /** {@code rows} examples: values around an offset (normalisation must not depend on values being near 0). */
    double[] input(int rows) {
        double[] x = new double[rows * layer.inShape().size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = 3 + 2 * rng.nextGaussian();
        }
        return x;
    }

    double[] upstream(int rows) {
        double[] r = new double[rows * layer.outShape().size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = rng.nextGaussian();
        }
        return r;
    }

    /** The twin's activation shape for {@code rows} examples: [n, F] or [n, H, W, C]. */
    static long[] graphShape(Shape s, int rows) {
        return s.image() ? new long[]{rows, s.height(), s.width(), s.channels()} : new long[]{rows, s.channels()};
    }

    /** One built twin graph: output {@code y}, loss {@code loss}, and the state updates by entry name. */
    record Twin(SameDiff sd, Map<String, String> updates) {
    }

    /** The twin on {@code x} in {@code training} mode, loss sum(y * r); x and the parameters are variables. */
    Twin twin(double[] x, double[] r, int rows, boolean training) {
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> next = new LinkedHashMap<>();
        DataType dt = params.dataType();
        SDVariable in = sd.var("x", Nd4j.createFromArray(x).castTo(dt).reshape(graphShape(layer.inShape(), rows)));
        SDVariable y = layer.graph(context(sd, training, next, false), in).rename("y");
        SDVariable rr = sd.constant("r", Nd4j.createFromArray(r).castTo(dt).reshape(graphShape(layer.outShape(), rows)));
        y.mul(rr).sum().rename("loss");
        sd.setLossVariables("loss");
        Map<String, String> names = new LinkedHashMap<>();
        for (Map.Entry<String, SDVariable> e : next.entrySet()) {
            names.put(e.getKey(), e.getValue().name());
        }
        return new Twin(sd, names);
    }

    /**
     * The twin as the engine builds it: input a placeholder of any batch size ({@code [-1, ...]}) and the state
     * entries placeholders fed from the current state buffer at each call; returns a function from rows to
     * {@code y} and the next state entries.
     */
    java.util.function.BiFunction<double[], Integer, Map<String, INDArray>> placeholderTwin(boolean training) {
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> next = new LinkedHashMap<>();
        DataType dt = params.dataType();
        long[] shape = graphShape(layer.inShape(), -1);
        SDVariable in = sd.placeHolder("x", dt, shape);
        SDVariable y = layer.graph(context(sd, training, next, true), in).rename("y");
        return (x, rows) -> {
            List<String> outs = new ArrayList<>(List.of(y.name()));
            next.values().forEach(v -> outs.add(v.name()));
            Map<String, INDArray> feed = new HashMap<>();
            feed.put("x", Nd4j.createFromArray(x).castTo(dt).reshape(graphShape(layer.inShape(), rows)));
            for (String n : state.names()) {
                feed.put(n, state.view(n).dup());
            }
            Map<String, INDArray> o = sd.output(feed, outs.toArray(new String[0]));
            Map<String, INDArray> res = new LinkedHashMap<>();
            res.put("y", o.get(y.name()));
            next.forEach((entry, v) -> res.put(entry, o.get(v.name())));
            return res;
        };
    }

    private GraphContext context(SameDiff sd, boolean training, Map<String, SDVariable> next,
                                 boolean statePlaceholders) {
        Map<String, SDVariable> pv = new HashMap<>();
        for (String n : params.names()) {
            pv.put(n, sd.var(n, params.view(n).dup()));
        }
        Map<String, SDVariable> sv = new HashMap<>();
        for (String n : state.names()) {
            sv.put(n, statePlaceholders ? sd.placeHolder(n, state.dataType(), state.view(n).shape())
                    : sd.constant(n, state.view(n).dup()));
        }
        return new GraphContext() {
            @Override
            public SameDiff sd() {
                return sd;
            }

            @Override
            public SDVariable param(String fullName) {
                return pv.get(fullName);
            }

            @Override
            public SDVariable state(String fullName) {
                return sv.get(fullName);
            }

            @Override
            public boolean training() {
                return training;
            }

            @Override
            public void stateUpdate(String fullName, SDVariable value) {
                next.put(fullName, value);
            }
        };
    }

    /** Outputs of a twin: y, gradients of x and every parameter, and the next state entries. */
    static Map<String, INDArray> run(Twin t, List<String> paramNames) {
        List<String> outs = new ArrayList<>(List.of("y"));
        outs.addAll(t.updates().values());
        Map<String, INDArray> o = t.sd().output(Map.of(), outs.toArray(new String[0]));
        Map<String, INDArray> res = new LinkedHashMap<>();
        res.put("y", o.get("y"));
        for (Map.Entry<String, String> e : t.updates().entrySet()) {
            res.put(e.getKey(), o.get(e.getValue()));
        }
        List<String> wrt = new ArrayList<>(List.of("x"));
        wrt.addAll(paramNames);
        Map<String, INDArray> gr = t.sd().calculateGradients(Map.of(), wrt.toArray(new String[0]));
        for (String n : wrt) {
            res.put("d" + n, gr.get(n));
        }
        return res;
    }

    /** DOUBLE finite differences of the twin's loss against its gradients, x and parameters included. */
    static boolean gradientCheck(Twin t) {
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE); // GradCheckUtil insists
        try {
            return GradCheckUtil.checkGradients(t.sd(), Map.of(), 1e-6, 1e-5, 1e-8, false, false);
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    static float[] floats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /** The first {@code n} values: a layer's output buffer is sized for the most rows it was allocated for. */
    static float[] head(float[] a, int n) {
        return java.util.Arrays.copyOf(a, n);
    }

    /** The fast path's gradient of parameter {@code name}. */
    float[] grad(String name) {
        long off = 0;
        for (Parameters.Param q : params.list()) {
            if (q.name().equals(name)) {
                float[] g = new float[(int) q.length()];
                new FloatPointer(grads).position(off).get(g, 0, g.length);
                return g;
            }
            off += q.length();
        }
        throw new IllegalArgumentException(name);
    }

    /** Elementwise agreement within {@code tol} relative to the larger array's scale (at least 1). */
    static void assertClose(float[] fast, INDArray twin, double tol, String what) {
        double[] t = twin.dup().castTo(DataType.DOUBLE).data().asDouble();
        assertTrue(fast.length == t.length, what + ": " + fast.length + " values against " + t.length);
        double scale = 1;
        for (double v : t) {
            scale = Math.max(scale, Math.abs(v));
        }
        double worst = 0;
        for (int i = 0; i < t.length; i++) {
            worst = Math.max(worst, Math.abs(fast[i] - t[i]));
        }
        assertTrue(worst <= tol * scale, what + ": max difference " + worst + " (scale " + scale + ")");
    }

    @Override
    public void close() {
        layer.close();
        workspace.close();
        grads.close();
        params.close();
        state.close();
    }
}
