package org.vaelab.model.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * Runs one layer both ways on the same values for tests: the fast FLOAT forward/backward bound to flat buffers,
 * and its SameDiff twin under the loss {@code sum(out * r)} for a fixed random r (so d loss / d out = r, the
 * fast backward's {@code dOut}, and every output gets its own upstream gradient), in FLOAT or DOUBLE; and a
 * finite-difference check of the twin in DOUBLE. Two styles: the static helpers over {@link Values} for
 * stateless layers (parameters, input and r drawn at once), and an instance bound to a {@link Parameters} and a
 * {@link ModelState} for layers with state (the norm layers), whose twins run in training or evaluation mode
 * and return their state updates.
 */
final class LayerHarness implements AutoCloseable {
    /** Debian's interpreter, which has torch 1.13 (the pyenv python3 on PATH has none). */
    static final String PYTHON = "/usr/bin/python3";

    /** Whether {@link #PYTHON} imports torch; the PyTorch checks are skipped without it. */
    static boolean torchAvailable() {
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import torch").redirectErrorStream(true).start();
            return p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (java.io.IOException | InterruptedException e) {
            return false;
        }
    }

    /**
     * Writes {@code export} as JSON into {@code dir}, runs the PyTorch mirror {@code script} (a resource beside
     * these tests) on it, and returns the last JSON object the script printed; fails on a non-zero exit.
     */
    static com.fasterxml.jackson.databind.JsonNode mirror(String script, Object export, java.nio.file.Path dir,
                                                          int timeoutSeconds) throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        java.nio.file.Path json = dir.resolve("export.json");
        mapper.writeValue(json.toFile(), export);
        java.nio.file.Path file = dir.resolve(script);
        try (java.io.InputStream in = LayerHarness.class.getResourceAsStream(script)) {
            java.nio.file.Files.copy(in, file);
        }
        Process proc = new ProcessBuilder(PYTHON, file.toString(), json.toString()).redirectErrorStream(true).start();
        String text = new String(proc.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        assertTrue(proc.waitFor(timeoutSeconds, java.util.concurrent.TimeUnit.SECONDS), script + " timed out: " + text);
        assertEquals(0, proc.exitValue(), text);
        return mapper.readTree(text.substring(text.lastIndexOf("\n{") + 1));
    }

    // ---- static helpers for stateless layers ----

    /** Forward outputs: relative to the reference's largest value. Gradients: likewise, per array. */
    static final double OUT_TOL = 1e-5;
    static final double GRAD_TOL = 1e-4;

    /** One run's values: output, d loss / d input, and the parameter gradients in flat-buffer order. */
    record Result(double[] out, double[] dIn, double[] grads) {
    }

    /** Fixed random values for a layer: parameters, {@code rows} inputs and {@code rows} output gradients. */
    record Values(float[] params, float[] x, float[] r, int rows) {
        static Values random(Layer l, int rows, long seed) {
            SplittableRandom rng = new SplittableRandom(seed);
            return new Values(uniform(rng, (int) l.paramCount(), 1.0), gaussian(rng, rows * l.inShape().size()),
                    gaussian(rng, rows * l.outShape().size()), rows);
        }
    }

    static float[] uniform(SplittableRandom rng, int n, double bound) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
        }
        return v;
    }

    static float[] gaussian(SplittableRandom rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            // Box-Muller: the JDK's nextGaussian is not on SplittableRandom in Java 17
            double u = rng.nextDouble();
            double w = rng.nextDouble();
            v[i] = (float) (Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * w));
        }
        return v;
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** The fast path: bind, allocate, forward in training mode, backward. */
    static Result fast(Layer l, Values v) {
        return fast(l, v, true);
    }

    /** As {@link #fast(Layer, Values)}; without {@code wantDIn} the backward gets a null dIn (a first layer). */
    static Result fast(Layer l, Values v, boolean wantDIn) {
        try (Workspace ws = new Workspace()) {
            int np = (int) Math.max(1, l.paramCount());
            FloatPointer p = new FloatPointer(np);
            FloatPointer g = new FloatPointer(np);
            try {
                p.put(v.params(), 0, v.params().length);
                // garbage in the gradients: the backward must overwrite, not accumulate
                float[] junk = new float[np];
                java.util.Arrays.fill(junk, 123f);
                g.put(junk, 0, np);
                l.bind(p, g, null, ws);
                l.allocate(v.rows());
                ws.commit();
                int outN = v.rows() * l.outShape().size();
                float[] y = java.util.Arrays.copyOf(l.forward(v.x(), v.rows(), true), outN);
                float[] dOut = v.r().clone();
                float[] dIn = new float[v.rows() * l.inShape().size()];
                java.util.Arrays.fill(dIn, 77f); // must be overwritten
                l.backward(dOut, v.rows(), wantDIn ? dIn : null);
                float[] gr = new float[(int) l.paramCount()];
                g.get(gr, 0, gr.length);
                return new Result(toDouble(y), toDouble(dIn), toDouble(gr));
            } finally {
                l.close();
                p.close();
                g.close();
            }
        }
    }

    /**
     * An evaluation forward first (buffers sized for it), then a training forward and backward on the same
     * buffers: returns {evaluation output, training result}.
     */
    static Object[] evaluateThenTrain(Layer l, Values v) {
        try (Workspace ws = new Workspace()) {
            int np = (int) Math.max(1, l.paramCount());
            FloatPointer p = new FloatPointer(np);
            FloatPointer g = new FloatPointer(np);
            try {
                p.put(v.params(), 0, v.params().length);
                l.bind(p, g, null, ws);
                l.allocate(v.rows());
                ws.commit();
                int outN = v.rows() * l.outShape().size();
                double[] eval = toDouble(java.util.Arrays.copyOf(l.forward(v.x(), v.rows(), false), outN));
                float[] y = java.util.Arrays.copyOf(l.forward(v.x(), v.rows(), true), outN);
                float[] dIn = new float[v.rows() * l.inShape().size()];
                l.backward(v.r().clone(), v.rows(), dIn);
                float[] gr = new float[(int) l.paramCount()];
                g.get(gr, 0, gr.length);
                return new Object[]{eval, new Result(toDouble(y), toDouble(dIn), toDouble(gr))};
            } finally {
                l.close();
                p.close();
                g.close();
            }
        }
    }

    /** The evaluation forward equals the training forward, and training after it gives {@link #fast}'s result. */
    static void assertEvaluationAgrees(Layer l, Values v) {
        Result ref = fast(l, v);
        Object[] r = evaluateThenTrain(l, v);
        Result train = (Result) r[1];
        org.junit.jupiter.api.Assertions.assertArrayEquals(ref.out(), (double[]) r[0], 0.0, "evaluation forward");
        org.junit.jupiter.api.Assertions.assertArrayEquals(ref.out(), train.out(), 0.0, "training forward");
        org.junit.jupiter.api.Assertions.assertArrayEquals(ref.dIn(), train.dIn(), 0.0, "d input");
        org.junit.jupiter.api.Assertions.assertArrayEquals(ref.grads(), train.grads(), 0.0, "grads");
    }

    /** A graph context over fixed variables (no state: none of these layers has any). */
    static GraphContext context(SameDiff sd, Map<String, SDVariable> vars) {
        return new GraphContext() {
            @Override
            public SameDiff sd() {
                return sd;
            }

            @Override
            public SDVariable param(String fullName) {
                SDVariable v = vars.get(fullName);
                if (v == null) {
                    throw new IllegalArgumentException("no parameter " + fullName + " in " + vars.keySet());
                }
                return v;
            }

            @Override
            public SDVariable state(String fullName) {
                throw new IllegalArgumentException("no state " + fullName);
            }

            @Override
            public boolean training() {
                return true;
            }

            @Override
            public void stateUpdate(String fullName, SDVariable next) {
                throw new IllegalArgumentException("no state " + fullName);
            }
        };
    }

    private static long[] nhwc(int rows, Shape s) {
        return new long[]{rows, s.height(), s.width(), s.channels()};
    }

    /** The twin's graph with the input, the parameters as variables and the loss {@code sum(out * r)}. */
    static SameDiff graph(Layer l, Values v, DataType dt, List<String> names, String[] outName) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", Nd4j.createFromArray(v.x()).castTo(dt).reshape(nhwc(v.rows(), l.inShape())));
        names.add("x");
        Map<String, SDVariable> vars = new HashMap<>();
        int off = 0;
        for (Parameters.Param p : l.params()) {
            float[] slice = java.util.Arrays.copyOfRange(v.params(), off, off + (int) p.length());
            vars.put(p.name(), sd.var(p.name(), Nd4j.createFromArray(slice).castTo(dt).reshape(p.shape())));
            names.add(p.name());
            off += (int) p.length();
        }
        SDVariable y = l.graph(context(sd, vars), x);
        SDVariable r = sd.constant("r", Nd4j.createFromArray(v.r()).castTo(dt).reshape(nhwc(v.rows(), l.outShape())));
        sd.sum("loss", y.mul(r));
        sd.setLossVariables("loss");
        outName[0] = y.name();
        return sd;
    }

    /** The twin in {@code dt}. */
    static Result twin(Layer l, Values v, DataType dt) {
        List<String> names = new ArrayList<>();
        String[] y = new String[1];
        SameDiff sd = graph(l, v, dt, names, y);
        INDArray out = sd.output(Map.of(), y[0]).get(y[0]);
        long[] shape = out.shape();
        assertEquals(List.of((long) v.rows(), (long) l.outShape().height(), (long) l.outShape().width(),
                (long) l.outShape().channels()), List.of(shape[0], shape[1], shape[2], shape[3]), "twin output shape");
        Map<String, INDArray> g = sd.calculateGradients(Map.of(), names);
        List<Double> grads = new ArrayList<>();
        for (Parameters.Param p : l.params()) {
            for (double d : g.get(p.name()).dup().data().asDouble()) {
                grads.add(d);
            }
        }
        return new Result(out.dup().data().asDouble(), g.get("x").dup().data().asDouble(),
                grads.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Finite differences of the DOUBLE twin against its own gradients, for the input and every parameter. */
    static void checkTwinGradients(Layer l, Values v) {
        List<String> names = new ArrayList<>();
        SameDiff sd = graph(l, v, DataType.DOUBLE, names, new String[1]);
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE); // GradCheckUtil insists
        boolean ok;
        try {
            ok = GradCheckUtil.checkGradients(sd, Map.of(), 1e-6, 1e-5, 1e-8, false, false);
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
        assertTrue(ok, "finite differences disagree with the twin's gradients for " + l.name() + " "
                + l.inShape() + " -> " + l.outShape());
    }

    /** Every element within {@code tol} times the reference's largest magnitude. */
    static void assertClose(double[] ref, double[] actual, double tol, String what) {
        assertEquals(ref.length, actual.length, what + ": length");
        double scale = 0;
        for (double d : ref) {
            scale = Math.max(scale, Math.abs(d));
        }
        assertTrue(scale > 0, what + ": the reference is all zeros");
        for (int i = 0; i < ref.length; i++) {
            assertEquals(ref[i], actual[i], tol * scale, what + "[" + i + "]");
        }
    }

    /** The fast path against the FLOAT twin: output, input gradient, parameter gradients. */
    static Result compareWithTwin(Layer l, Values v) {
        Result f = fast(l, v);
        Result t = twin(l, v, DataType.FLOAT);
        assertClose(t.out(), f.out(), OUT_TOL, "output");
        assertClose(t.dIn(), f.dIn(), GRAD_TOL, "d input");
        int off = 0;
        for (Parameters.Param p : l.params()) {
            int n = (int) p.length();
            assertClose(java.util.Arrays.copyOfRange(t.grads(), off, off + n),
                    java.util.Arrays.copyOfRange(f.grads(), off, off + n), GRAD_TOL, "d " + p.name());
            off += n;
        }
        return f;
    }

    // ---- an instance for layers with state ----

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
