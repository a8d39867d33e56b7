package org.vaelab.model.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
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
import org.vaelab.model.Parameters;
import org.vaelab.spec.Shape;

/**
 * Runs one layer both ways on the same values: the fast FLOAT forward/backward, and its SameDiff twin under the
 * loss {@code sum(out * r)} (so d loss / d out = r, the fast backward's {@code dOut}), in FLOAT or DOUBLE; and a
 * finite-difference check of the twin in DOUBLE.
 */
final class LayerHarness {
    /** Forward outputs: relative to the reference's largest value. Gradients: likewise, per array. */
    static final double OUT_TOL = 1e-5;
    static final double GRAD_TOL = 1e-4;

    private LayerHarness() {
    }

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
}
