package org.vaelab.model.layers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.vaelab.model.Kernels;
import org.vaelab.model.Parameters;
import org.vaelab.spec.Shape;

/**
 * Runs a list of layers fast: binds them to the flat parameter and gradient buffers, sizes their buffers once
 * per row count, and chains their forward and backward passes. An activation that directly follows a layer
 * able to fuse it (a linear or conv layer) is applied by that layer in its bias pass (and in its twin) and
 * left out of {@link #running()}, the list both paths run; {@link #layers()} is the list as written.
 * Not thread-safe; one stack per step (layers hold their buffers).
 */
public final class LayerStack implements AutoCloseable {
    private final List<Layer> layers;
    private final List<Layer> run = new ArrayList<>();
    /** Index in {@link #run} of the first layer with parameters, or -1. */
    private final int firstTrainable;
    private final int widest;
    private Workspace workspace;
    private int cap;
    private boolean backwardBuffers;
    private float[] d1;
    private float[] d2;
    private Layer deferring;

    /** A stack over {@code layers} (their order), fusing activations into the layers before them. */
    public LayerStack(List<Layer> layers) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a layer stack needs at least one layer");
        }
        this.layers = List.copyOf(layers);
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            run.add(l);
            if (i + 1 < layers.size() && layers.get(i + 1) instanceof ActivationLayer a && l.fuse(a.fn())) {
                i++;
            }
        }
        int first = -1;
        int w = 1;
        for (int i = 0; i < run.size(); i++) {
            Layer l = run.get(i);
            if (first < 0 && !l.params().isEmpty()) {
                first = i;
            }
            w = Math.max(w, Math.max(l.inShape().size(), l.outShape().size()));
        }
        this.firstTrainable = first;
        this.widest = w;
    }

    /** Every layer, fused or not, in order. */
    public List<Layer> layers() {
        return layers;
    }

    /** The layers to run, fast or as twins (activations fused into the layer before them are left out). */
    public List<Layer> running() {
        return Collections.unmodifiableList(run);
    }

    /** Input shape of one example. */
    public Shape inShape() {
        return layers.get(0).inShape();
    }

    /** Output shape of one example. */
    public Shape outShape() {
        return layers.get(layers.size() - 1).outShape();
    }

    /** Values per example of the widest input or output of a layer the stack runs. */
    public int widest() {
        return widest;
    }

    /** Whether any layer has trainable parameters. */
    public boolean trainable() {
        return firstTrainable >= 0;
    }

    /** All layers' parameters in order. */
    public List<Parameters.Param> params() {
        List<Parameters.Param> out = new ArrayList<>();
        for (Layer l : layers) {
            out.addAll(l.params());
        }
        return out;
    }

    /** Uses {@code k} for every layer's elementwise work. */
    public void useKernels(Kernels k) {
        for (Layer l : layers) {
            l.useKernels(k);
        }
    }

    /**
     * Binds every layer: its parameters and gradients start at the offset of its first parameter in the flat
     * buffers ({@code offsets}: parameter name to offset); {@code grads} may be null for a forward-only stack.
     */
    public void bind(FloatPointer params, FloatPointer grads, Map<String, Long> offsets, Workspace ws) {
        bind(params, grads, offsets, null, Map.of(), ws);
    }

    /**
     * As {@link #bind(FloatPointer, FloatPointer, Map, Workspace)}, with the non-trainable state buffer: a layer
     * with state is bound at the offset of its first entry ({@code stateOffsets}: entry name to offset).
     */
    public void bind(FloatPointer params, FloatPointer grads, Map<String, Long> offsets, FloatPointer state,
                     Map<String, Long> stateOffsets, Workspace ws) {
        this.workspace = ws;
        for (Layer l : layers) {
            FloatPointer p = null;
            FloatPointer g = null;
            FloatPointer st = null;
            List<Parameters.Param> ps = l.params();
            if (!ps.isEmpty()) {
                Long off = offsets.get(ps.get(0).name());
                if (off == null) {
                    throw new IllegalArgumentException("no parameter " + ps.get(0).name() + " in the buffer");
                }
                p = Blas.at(params, off);
                g = grads == null ? null : Blas.at(grads, off);
            }
            List<Parameters.Param> ss = l.state();
            if (!ss.isEmpty()) {
                Long off = stateOffsets.get(ss.get(0).name());
                if (state == null || off == null) {
                    throw new IllegalArgumentException("no state entry " + ss.get(0).name() + " to bind " + l.name());
                }
                st = Blas.at(state, off);
            }
            l.bind(p, g, st, ws);
        }
    }

    /**
     * Asks the last layer that moves data to leave its bias to the caller's reconstruction kernel (see
     * {@link Layer#deferBias}); call before {@link #allocate}. True if it will.
     */
    public boolean deferOutputBias() {
        for (int i = run.size() - 1; i >= 0; i--) {
            Layer l = run.get(i);
            if (!l.copyFree()) {
                if (l.deferBias()) {
                    deferring = l;
                    return true;
                }
                return false;
            }
        }
        return false;
    }

    /** With {@link #deferOutputBias}: the bias of each output value. */
    public void outputBias(float[] perValue) {
        deferring.deferredBias(perValue);
    }

    /** With {@link #deferOutputBias}: stores the deferred bias's gradient from its per-value column sums. */
    public void outputBiasGradient(float[] perValue) {
        deferring.deferredBiasGradient(perValue);
    }

    /**
     * Sizes every layer for up to {@code rows} rows, and the backward's two gradient buffers when
     * {@code backward}. Layers reserve workspace; the caller commits the workspace afterwards.
     */
    public void allocate(int rows, boolean backward) {
        if (rows <= cap && (backwardBuffers || !backward)) {
            return;
        }
        int n = Math.max(rows, cap);
        for (Layer l : run) {
            l.allocate(n);
        }
        if (backward) {
            d1 = new float[n * widest];
            d2 = new float[n * widest];
            backwardBuffers = true;
        }
        cap = n;
    }

    /** Rows the buffers hold. */
    public int capacity() {
        return cap;
    }

    /**
     * Offers the first layer that reads the input (after layers that move nothing) a native copy of the next
     * forward's input, valid until the backward (see {@link Layer#nativeInput}); true if it takes it.
     */
    public boolean nativeInput(FloatPointer input) {
        for (Layer l : run) {
            if (!l.copyFree()) {
                return l.nativeInput(input);
            }
        }
        return false;
    }

    /** The output of {@code rows} rows of {@code input}; owned by the stack's layers (see {@link Layer#forward}). */
    public float[] forward(float[] input, int rows, boolean training) {
        float[] x = input;
        for (Layer l : run) {
            x = l.forward(x, rows, training);
        }
        return x;
    }

    /**
     * The backward of the last training forward: {@code dOut} (overwritten) is d loss / d output; writes every
     * parameter gradient and, if {@code dIn} is not null, d loss / d input into it. Without {@code dIn} the
     * layers below the first trainable one are skipped.
     */
    public void backward(float[] dOut, int rows, float[] dIn) {
        int lowest = dIn != null ? 0 : firstTrainable;
        if (lowest < 0) {
            return;
        }
        float[] g = dOut;
        for (int i = run.size() - 1; i >= lowest; i--) {
            Layer l = run.get(i);
            boolean needIn = i > lowest || dIn != null;
            float[] target = i == 0 ? dIn : g == d1 ? d2 : d1;
            if (l.copyFree()) {
                // same values in the same order: the gradient passes through unchanged
                if (i == 0 && needIn) {
                    System.arraycopy(g, 0, dIn, 0, rows * l.inShape().size());
                }
                continue;
            }
            l.backward(g, rows, needIn ? target : null);
            g = target;
        }
    }

    /** The workspace the layers share. */
    public Workspace workspace() {
        return workspace;
    }

    @Override
    public void close() {
        for (Layer l : layers) {
            l.close();
        }
        cap = 0;
        backwardBuffers = false;
        d1 = null;
        d2 = null;
    }
}
