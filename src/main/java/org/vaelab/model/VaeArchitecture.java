package org.vaelab.model;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.vaelab.model.layers.Layer;
import org.vaelab.model.layers.LayerStack;
import org.vaelab.model.layers.Layers;
import org.vaelab.model.layers.ParamContext;
import org.vaelab.spec.LayerLists;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.Shape;

/**
 * The shapes of one VAE (encoder, Gaussian heads, decoder) for a given image size, and the code that adds
 * its layers to a SameDiff graph. The encoder and decoder are layer lists ({@link LayerLists}: the mlp/conv
 * shorthands expand there); the encoder reads the image [1, rows, cols] and ends in a vector of features (a
 * flatten is appended when it ends in an image), the heads are linear layers {@code enc_mu}/{@code enc_logvar},
 * and the decoder maps z to rows * cols values (flattened in C, H, W order when it ends in an image). See the
 * package documentation for the shorthands' exact architecture.
 */
public final class VaeArchitecture {
    private final ModelSpec spec;
    private final int rows;
    private final int cols;
    private final List<LayerSpec> encoderSpecs;
    private final List<LayerSpec> decoderSpecs;
    private final int features;
    /** Spatial sizes of the conv encoder: sizes[0] = input, sizes[i+1] after conv i. Also the decoder's targets. */
    private final int[] heights;
    private final int[] widths;
    private final List<Parameters.Param> params = new ArrayList<>();

    private VaeArchitecture(ModelSpec spec, int rows, int cols, List<LayerSpec> encoder, List<LayerSpec> decoder) {
        this.spec = spec;
        this.rows = rows;
        this.cols = cols;
        int layers = spec.channels().size();
        heights = new int[layers + 1];
        widths = new int[layers + 1];
        heights[0] = rows;
        widths[0] = cols;
        for (int i = 0; i < layers; i++) {
            // Conv2d(k=3, s=2, p=1): out = floor((in + 2 - 3) / 2) + 1 = ceil(in / 2)
            heights[i + 1] = (heights[i] - 1) / 2 + 1;
            widths[i + 1] = (widths[i] - 1) / 2 + 1;
        }
        Shape input = LayerLists.input(rows, cols);
        this.encoderSpecs = List.copyOf(Layers.endingInVector(encoder, input));
        this.decoderSpecs = List.copyOf(Layers.endingInVector(decoder, Shape.vector(spec.latentDim())));
        Shape f = input;
        for (LayerSpec l : encoderSpecs) {
            f = l.output(f);
        }
        this.features = f.size();
        Shape o = Shape.vector(spec.latentDim());
        for (LayerSpec l : decoderSpecs) {
            o = l.output(o);
        }
        if (o.size() != rows * cols) {
            throw new IllegalArgumentException("the decoder ends in " + o + " = " + o.size() + " values, but the "
                    + rows + "x" + cols + " images need " + rows * cols + "; end it with {linear: " + rows * cols
                    + "} or a conv_transpose to [1, " + rows + ", " + cols + "]");
        }
        params.addAll(encoderStack().params());
        dense(GraphNames.encMu(true), GraphNames.encMu(false), features, spec.latentDim());
        dense(GraphNames.encLogvar(true), GraphNames.encLogvar(false), features, spec.latentDim());
        params.addAll(decoderStack().params());
    }

    /** The encoder's layers, ending in a vector of {@link #features()} values. */
    public List<LayerSpec> encoderSpecs() {
        return encoderSpecs;
    }

    /** The decoder's layers, from z to {@link #dim()} values. */
    public List<LayerSpec> decoderSpecs() {
        return decoderSpecs;
    }

    /** Features the heads read. */
    public int features() {
        return features;
    }

    /**
     * The name of the first batchnorm that sees one value per channel per example (its input a vector or a 1x1
     * image), which cannot train on a batch of one example; null if there is none.
     */
    public String batchnormOverSingleValues() {
        for (LayerStack side : List.of(encoderStack(), decoderStack())) {
            for (Layer l : side.layers()) {
                if (l instanceof org.vaelab.model.layers.BatchNormLayer
                        && (!l.inShape().image() || l.inShape().height() * l.inShape().width() == 1)) {
                    return l.name();
                }
            }
        }
        return null;
    }

    /** A fresh stack of the encoder's layers (its own buffers), input the image [1, rows, cols]. */
    public LayerStack encoderStack() {
        return new LayerStack(Layers.build("enc", encoderSpecs, LayerLists.input(rows, cols)));
    }

    /** A fresh stack of the decoder's layers, input z. */
    public LayerStack decoderStack() {
        return new LayerStack(Layers.build("dec", decoderSpecs, Shape.vector(spec.latentDim())));
    }

    /** The architecture of {@code spec} for images of {@code rows} x {@code cols} pixels. */
    public static VaeArchitecture of(ModelSpec spec, int rows, int cols) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + rows + "x" + cols);
        }
        if (spec.latentDim() < 1) {
            throw new IllegalArgumentException("model.latent_dim: must be >= 1, got " + spec.latentDim());
        }
        for (int h : spec.hidden()) {
            if (h < 1) {
                throw new IllegalArgumentException("model.hidden: widths must be >= 1, got " + spec.hidden());
            }
        }
        for (int c : spec.channels()) {
            if (c < 1) {
                throw new IllegalArgumentException("model.channels: must be >= 1, got " + spec.channels());
            }
        }
        if (spec.encoder() == NetKind.CONV && spec.channels().isEmpty()) {
            throw new IllegalArgumentException("model.channels: a conv encoder needs at least one channel count");
        }
        if (spec.decoder() == NetKind.CONV && spec.channels().isEmpty()) {
            throw new IllegalArgumentException("model.channels: a conv decoder needs at least one channel count");
        }
        return new VaeArchitecture(spec, rows, cols, LayerLists.encoder(spec, rows, cols),
                LayerLists.decoder(spec, rows, cols));
    }

    /**
     * An architecture with explicit layer lists (tests; specs reach them through {@link LayerLists}); the
     * spec gives the latent size and the activation only.
     */
    static VaeArchitecture withLayers(ModelSpec spec, int rows, int cols, List<LayerSpec> encoder,
                                      List<LayerSpec> decoder) {
        return new VaeArchitecture(spec, rows, cols, encoder, decoder);
    }

    /** Pixels per image. */
    public int dim() {
        return rows * cols;
    }

    /** Image height. */
    public int rows() {
        return rows;
    }

    /** Image width. */
    public int cols() {
        return cols;
    }

    /** Latent dimensions. */
    public int latentDim() {
        return spec.latentDim();
    }

    /** The spec this was built from. */
    public ModelSpec spec() {
        return spec;
    }

    /** Parameter list in the order of the flat buffer. */
    public List<Parameters.Param> parameters() {
        return List.copyOf(params);
    }

    /** Non-trainable state entries (batchnorm's running statistics), encoder then decoder; often empty. */
    public List<Parameters.Param> state() {
        List<Parameters.Param> out = new ArrayList<>();
        for (Layer l : encoderStack().layers()) {
            out.addAll(l.state());
        }
        for (Layer l : decoderStack().layers()) {
            out.addAll(l.state());
        }
        return out;
    }

    /** Transposed-conv kernel size that maps {@code in} to {@code out} with stride 2 and padding 1. */
    static int deconvKernel(int in, int out) {
        // ConvTranspose2d output = (in - 1) * 2 - 2 * 1 + k  =>  k = out - 2 * in + 4 (3 or 4 here)
        return out - 2 * in + 4;
    }

    private void dense(String w, String b, int in, int out) {
        params.add(new Parameters.Param(w, new long[]{in, out}, in));
        params.add(new Parameters.Param(b, new long[]{out}, in));
    }

    /**
     * Adds the encoder and both heads: returns {mu, logvar}, each [n, d].
     *
     * @param x     [n, D] pixels
     * @param param binds a parameter name to the graph's variable for it
     */
    public SDVariable[] encode(SameDiff sd, SDVariable x, Function<String, SDVariable> param) {
        return encode(sd, x, param, true);
    }

    /** {@link #encode(SameDiff, SDVariable, Function)} for a training or an evaluation graph (batchnorm's mode). */
    public SDVariable[] encode(SameDiff sd, SDVariable x, Function<String, SDVariable> param, boolean training) {
        return encode(new ParamContext(sd, param, null, training), x);
    }

    /**
     * Adds the encoder and both heads through {@code g} (its parameters, state and mode; a training graph's
     * state updates are collected there): returns {mu, logvar}, each [n, d].
     */
    public SDVariable[] encode(ParamContext g, SDVariable x) {
        SameDiff sd = g.sd();
        // the twins take the image NHWC; one channel: the same memory as the pixel rows
        SDVariable h = sd.reshape(x, -1, rows, cols, 1);
        for (Layer l : encoderStack().running()) {
            h = l.graph(g, h);
        }
        SDVariable mu = sd.nn.linear(h, g.param(GraphNames.encMu(true)), g.param(GraphNames.encMu(false)));
        SDVariable logvar = sd.nn.linear(h, g.param(GraphNames.encLogvar(true)), g.param(GraphNames.encLogvar(false)));
        return new SDVariable[]{mu, logvar};
    }

    /** Adds the decoder: z [m, d] to logits [m, D]. */
    public SDVariable decodeLogits(SameDiff sd, SDVariable z, Function<String, SDVariable> param) {
        return decodeLogits(sd, z, param, true);
    }

    /** {@link #decodeLogits(SameDiff, SDVariable, Function)} for a training or an evaluation graph. */
    public SDVariable decodeLogits(SameDiff sd, SDVariable z, Function<String, SDVariable> param, boolean training) {
        return decodeLogits(new ParamContext(sd, param, null, training), z);
    }

    /** Adds the decoder through {@code g}: z [m, d] to logits [m, D]. */
    public SDVariable decodeLogits(ParamContext g, SDVariable z) {
        SDVariable h = z;
        for (Layer l : decoderStack().running()) {
            h = l.graph(g, h);
        }
        return h;
    }

    /**
     * One line for logs and reports: the shorthands as before (e.g. {@code mlp[256,256] -> 32 -> mlp[256,256],
     * relu, 28x28}), a layer list by its layers' labels (e.g. {@code [conv32k3s2-relu-flatten] -> 16 ->
     * [linear784], 28x28}).
     */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        if (spec.encoder() == NetKind.MLP) {
            sb.append("mlp").append(spec.hidden());
        } else if (spec.encoder() == NetKind.CONV) {
            sb.append("conv").append(spec.channels()).append(" sizes");
            for (int i = 0; i < heights.length; i++) {
                sb.append(i == 0 ? " " : ">").append(heights[i]).append('x').append(widths[i]);
            }
        } else {
            sb.append(labels(spec.encoderLayers()));
        }
        sb.append(" -> ").append(spec.latentDim()).append(" -> ");
        if (spec.decoder() == NetKind.MLP) {
            List<Integer> rev = new ArrayList<>(spec.hidden());
            java.util.Collections.reverse(rev);
            sb.append("mlp").append(rev);
        } else if (spec.decoder() == NetKind.CONV) {
            sb.append("deconv kernels");
            for (int l = spec.channels().size(); l >= 1; l--) {
                sb.append(' ').append(deconvKernel(heights[l], heights[l - 1]));
            }
        } else {
            sb.append(labels(spec.decoderLayers()));
        }
        if (spec.encoder() != NetKind.LAYERS || spec.decoder() != NetKind.LAYERS) {
            // the shorthands' nonlinearity; a list names its own
            sb.append(", ").append(spec.activation().yaml());
        }
        sb.append(", ").append(rows).append('x').append(cols);
        return sb.toString();
    }

    private static String labels(List<LayerSpec> layers) {
        StringBuilder sb = new StringBuilder("[");
        for (LayerSpec l : layers) {
            sb.append(sb.length() > 1 ? "-" : "").append(l.label());
        }
        return sb.append(']').toString();
    }
}
