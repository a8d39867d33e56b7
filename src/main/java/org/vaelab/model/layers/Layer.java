package org.vaelab.model.layers;

import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.vaelab.model.Kernels;
import org.vaelab.model.Parameters;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.Shape;

/**
 * One layer of an encoder or decoder: its parameters, its fast FLOAT forward and backward on the CPU, and its
 * SameDiff twin (the reference for tests, the DOUBLE path and the GPU path). Built by {@link Layers} from a
 * {@link org.vaelab.spec.LayerSpec}; the engine ({@link LayerStack}) runs a list of them.
 *
 * <h2>Layouts (both paths)</h2>
 * One row per example. A vector is its features; an image {@code [C, H, W]} is stored NHWC per example
 * (channels innermost: each conv is one gemm over im2col columns), and {@code flatten}/{@code reshape} convert
 * to and from PyTorch's C, H, W order. The graph twin sees the same layouts: vectors {@code [n, F]}, images
 * {@code [n, H, W, C]}.
 *
 * <h2>Contract of the fast path (not thread-safe)</h2>
 * <ul>
 *   <li>{@link #bind} once, then {@link #allocate} before the first call with more rows than before.</li>
 *   <li>{@link #forward} returns a buffer the layer owns, valid until its next forward. A layer may keep a
 *       reference to its input for the backward: the input is the previous layer's output, which stays valid
 *       until that layer's next forward.</li>
 *   <li>{@link #backward} follows the forward of the same rows (in training mode); it may overwrite
 *       {@code dOut}, writes d loss / d input into {@code dIn} (null for the first layer: not needed) and
 *       OVERWRITES (never accumulates) its parameters' gradients.</li>
 * </ul>
 *
 * <h2>Fusing</h2>
 * Before {@link #allocate}, the {@link LayerStack} offers each layer the nonlinearity that directly follows it
 * ({@link #fuse}); a layer that accepts applies it in the pass that adds its bias (and multiplies by its
 * derivative in the pass that sums its bias gradient) and in its twin, and the stack drops the activation
 * layer from the list it runs and builds graphs from ({@link LayerStack#running()}). The
 * decoder's last layer may be asked to leave its bias to the reconstruction kernel ({@link #deferBias}),
 * which adds it while it reads the logits. This keeps the passes over memory of the hand-written steps.
 */
public abstract class Layer {
    /** Shape of one example's input. */
    protected final Shape in;
    /** Shape of one example's output. */
    protected final Shape out;
    /** Name prefix of this layer's parameters and state, e.g. {@code enc_conv1}. */
    protected final String name;

    /** Base pointer of the flat FLOAT parameter buffer at this layer's first parameter (after {@link #bind}). */
    protected FloatPointer params;
    /** Same for the gradient buffer. */
    protected FloatPointer grads;
    /** Same for the non-trainable state buffer (null when {@link #state()} is empty). */
    protected FloatPointer state;
    /** The step's shared native scratch. */
    protected Workspace workspace;
    /** The elementwise kernels (SIMD when the JVM has the Vector API). */
    protected Kernels kernels = Kernels.best();

    protected Layer(String name, Shape in, Shape out) {
        this.name = name;
        this.in = in;
        this.out = out;
    }

    /** Input shape of one example. */
    public final Shape inShape() {
        return in;
    }

    /** Output shape of one example. */
    public final Shape outShape() {
        return out;
    }

    /** This layer's name prefix. */
    public final String name() {
        return name;
    }

    /**
     * Trainable parameters in flat-buffer order, named {@code name + "_W"}, {@code name + "_b"}, ... with the
     * shapes the graph twin uses and PyTorch's fan-in/initialisation. Empty for parameter-free layers.
     */
    public List<Parameters.Param> params() {
        return List.of();
    }

    /**
     * Non-trainable state saved with checkpoints but never touched by the optimiser (batchnorm's running
     * statistics), in state-buffer order. Empty for most layers.
     */
    public List<Parameters.Param> state() {
        return List.of();
    }

    /**
     * Gives the layer its parameters, gradients and state: each pointer is positioned at this layer's first
     * element of the respective flat FLOAT buffer; its entries follow in {@link #params()} / {@link #state()}
     * order. {@code workspace} is native scratch shared by all layers of a step.
     */
    public void bind(FloatPointer params, FloatPointer grads, FloatPointer state, Workspace workspace) {
        this.params = params;
        this.grads = grads;
        this.state = state;
        this.workspace = workspace;
    }

    /** Uses {@code k} for the elementwise work (tests compare the scalar and SIMD kernels). */
    public void useKernels(Kernels k) {
        this.kernels = k;
    }

    /**
     * Offers the nonlinearity that directly follows this layer: returns true if this layer will apply it
     * itself, in its fast path and its twin (its output is then the activated one, and its backward takes
     * d loss / d activated output); false changes nothing. Called before {@link #allocate}. Default: no.
     */
    public boolean fuse(LayerSpec.Nonlinearity fn) {
        return false;
    }

    /** The nonlinearity this layer fused in, or null if none (or if the layer does not say). */
    public LayerSpec.Nonlinearity fused() {
        return null;
    }

    /**
     * Asks the decoder's last layer to leave its bias out of its output (and out of its backward); the
     * engine then adds {@link #deferredBias} inside the reconstruction kernel and hands the bias gradient per
     * output value to {@link #deferredBiasGradient}. Returns false if the layer cannot. Default: no.
     */
    public boolean deferBias() {
        return false;
    }

    /** With {@link #deferBias}: the bias of each output value of one example, into {@code perValue}. */
    public void deferredBias(float[] perValue) {
        throw new UnsupportedOperationException(name + " does not defer its bias");
    }

    /**
     * With {@link #deferBias}: stores the bias gradient given d loss / d (each output value's bias) summed
     * over the rows, {@code perValue} (a conv layer sums the values of a channel).
     */
    public void deferredBiasGradient(float[] perValue) {
        throw new UnsupportedOperationException(name + " does not defer its bias");
    }

    /**
     * Offers, for the next {@link #forward} and its backward, a native copy of that forward's input (the batch
     * as the caller already holds it), so a layer that multiplies its input in native memory need not copy it
     * there; returns true if the layer will use it. The pointer must stay valid until the backward. Default: no.
     */
    public boolean nativeInput(FloatPointer input) {
        return false;
    }

    /**
     * Whether {@link #forward} returns its input array itself (a reshape that moves nothing); the engine then
     * must not treat the output as this layer's own buffer.
     */
    public boolean copyFree() {
        return false;
    }

    /** Sizes the layer's buffers for up to {@code rows} examples, reserving its scratch in the workspace. */
    public abstract void allocate(int rows);

    /**
     * The output of {@code rows} examples of {@code input}. {@code training} selects batch statistics
     * (batchnorm) and whether to keep what the backward needs.
     */
    public abstract float[] forward(float[] input, int rows, boolean training);

    /** Gradients for the last training forward: see the class documentation. */
    public abstract void backward(float[] dOut, int rows, float[] dIn);

    /** The twin: adds this layer to a graph, {@code x} in this class's layout; returns the output variable. */
    public abstract SDVariable graph(GraphContext g, SDVariable x);

    /** Parameters plus multiply-adds per example, for summaries; parameter count by default. */
    public long paramCount() {
        long n = 0;
        for (Parameters.Param p : params()) {
            n += p.length();
        }
        return n;
    }

    /** Frees native buffers the layer allocated itself. */
    public void close() {
    }
}
