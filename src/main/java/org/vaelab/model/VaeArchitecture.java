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
import org.vaelab.spec.Activation;
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
    /** Whether every layer kind has a layer class in this build (else the conv graph code of old is used). */
    private final boolean layered;
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
        this.layered = Layers.available(encoderSpecs) && Layers.available(decoderSpecs);
        if (layered) {
            params.addAll(encoderStack().params());
            dense(GraphNames.encMu(true), GraphNames.encMu(false), features, spec.latentDim());
            dense(GraphNames.encLogvar(true), GraphNames.encLogvar(false), features, spec.latentDim());
            params.addAll(decoderStack().params());
        } else {
            declareParameters();
        }
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

    /** Whether every layer of {@code spec}'s lists has a fast layer class in this build. */
    public static boolean layered(ModelSpec spec) {
        // the kinds do not depend on the image size
        return Layers.available(LayerLists.encoder(spec, 28, 28)) && Layers.available(LayerLists.decoder(spec, 28, 28));
    }

    /** Whether every layer has a fast layer class in this build (the fast engine can run this model). */
    public boolean layered() {
        return layered;
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

    /** Transposed-conv kernel size that maps {@code in} to {@code out} with stride 2 and padding 1. */
    static int deconvKernel(int in, int out) {
        // ConvTranspose2d output = (in - 1) * 2 - 2 * 1 + k  =>  k = out - 2 * in + 4 (3 or 4 here)
        return out - 2 * in + 4;
    }

    private int encoderFeatures() {
        if (spec.encoder() == NetKind.MLP) {
            return spec.hidden().isEmpty() ? dim() : spec.hidden().get(spec.hidden().size() - 1);
        }
        int last = spec.channels().size();
        return spec.channels().get(last - 1) * heights[last] * widths[last];
    }

    private void dense(String w, String b, int in, int out) {
        params.add(new Parameters.Param(w, new long[]{in, out}, in));
        params.add(new Parameters.Param(b, new long[]{out}, in));
    }

    private void declareParameters() {
        int d = spec.latentDim();
        List<Integer> hidden = spec.hidden();
        List<Integer> ch = spec.channels();
        int layers = ch.size();
        if (spec.encoder() == NetKind.MLP) {
            int in = dim();
            for (int i = 0; i < hidden.size(); i++) {
                dense(GraphNames.encDense(i, true), GraphNames.encDense(i, false), in, hidden.get(i));
                in = hidden.get(i);
            }
        } else {
            int in = 1;
            for (int i = 0; i < layers; i++) {
                int out = ch.get(i);
                // SameDiff conv2d weights are [kH, kW, inC, outC] (PyTorch: [outC, inC, kH, kW])
                params.add(new Parameters.Param(GraphNames.encConv(i, true), new long[]{3, 3, in, out}, 9L * in));
                params.add(new Parameters.Param(GraphNames.encConv(i, false), new long[]{out}, 9L * in));
                in = out;
            }
        }
        int f = encoderFeatures();
        dense(GraphNames.encMu(true), GraphNames.encMu(false), f, d);
        dense(GraphNames.encLogvar(true), GraphNames.encLogvar(false), f, d);

        if (spec.decoder() == NetKind.MLP) {
            int in = d;
            for (int i = hidden.size() - 1, j = 0; i >= 0; i--, j++) {
                dense(GraphNames.decDense(j, true), GraphNames.decDense(j, false), in, hidden.get(i));
                in = hidden.get(i);
            }
            dense(GraphNames.decDense(hidden.size(), true), GraphNames.decDense(hidden.size(), false), in, dim());
        } else {
            int cl = ch.get(layers - 1);
            dense(GraphNames.decDense(0, true), GraphNames.decDense(0, false), d, cl * heights[layers] * widths[layers]);
            for (int j = 0; j < layers; j++) {
                int level = layers - j; // from this encoder level back to level - 1
                int inC = ch.get(level - 1);
                int outC = level - 1 == 0 ? 1 : ch.get(level - 2);
                int kh = deconvKernel(heights[level], heights[level - 1]);
                int kw = deconvKernel(widths[level], widths[level - 1]);
                // SameDiff deconv2d weights are [kH, kW, outC, inC] (PyTorch: [inC, outC, kH, kW]); PyTorch
                // takes fan_in of a transposed conv from weight.size(1) * kH * kW = outC * kH * kW
                long fanIn = (long) outC * kh * kw;
                params.add(new Parameters.Param(GraphNames.decDeconv(j, true), new long[]{kh, kw, outC, inC}, fanIn));
                params.add(new Parameters.Param(GraphNames.decDeconv(j, false), new long[]{outC}, fanIn));
            }
        }
    }

    private SDVariable activate(SameDiff sd, SDVariable v) {
        Activation a = spec.activation();
        return switch (a) {
            case RELU -> sd.nn.relu(v, 0.0);
            case TANH -> sd.nn.tanh(v);
            case ELU -> sd.nn.elu(v);
            case LEAKY_RELU -> sd.nn.leakyRelu(v, 0.01); // PyTorch's default negative slope
        };
    }

    /** The hidden activation on a conv layer's output (relu by the fast formulation in ConvLayers). */
    private SDVariable activateConv(SameDiff sd, SDVariable v) {
        return spec.activation() == Activation.RELU ? ConvLayers.relu(sd, v) : activate(sd, v);
    }

    /** Dense layer x W + b, with the hidden activation when {@code act}; relu uses the fused op. */
    private SDVariable denseLayer(SameDiff sd, SDVariable in, SDVariable w, SDVariable b, boolean act) {
        if (!act) {
            return sd.nn.linear(in, w, b);
        }
        // M2.1's relu_layer refuses an input of width 1 (a 1-unit latent feeding the decoder)
        if (spec.activation() == Activation.RELU && w.getShape() != null && w.getShape()[0] > 1) {
            // one op instead of two forward; note its M2.1 backprop recomputes x W + b for the relu mask
            // (an extra matmul per layer), yet it measured no slower than linear + relu on the seed model
            return sd.nn.reluLayer(in, w, b);
        }
        return activate(sd, sd.nn.linear(in, w, b));
    }

    /**
     * Adds the encoder and both heads: returns {mu, logvar}, each [n, d].
     *
     * @param x     [n, D] pixels
     * @param param binds a parameter name to the graph's variable for it
     */
    public SDVariable[] encode(SameDiff sd, SDVariable x, Function<String, SDVariable> param) {
        SDVariable h = x;
        if (layered) {
            // the twins take the image NHWC; one channel: the same memory as the pixel rows
            ParamContext g = new ParamContext(sd, param, null, true);
            h = sd.reshape(x, -1, rows, cols, 1);
            for (Layer l : encoderStack().running()) {
                h = l.graph(g, h);
            }
        } else if (spec.encoder() == NetKind.MLP) {
            for (int i = 0; i < spec.hidden().size(); i++) {
                h = denseLayer(sd, h, param.apply(GraphNames.encDense(i, true)),
                        param.apply(GraphNames.encDense(i, false)), true);
            }
        } else {
            // NHWC inside the conv stack (see ConvLayers for why not sd.cnn.conv2d); one channel: same memory
            h = sd.reshape(x, -1, rows, cols, 1);
            int in = 1;
            List<Integer> ch = spec.channels();
            for (int i = 0; i < ch.size(); i++) {
                h = activateConv(sd, ConvLayers.conv3x3Stride2(sd, h, param.apply(GraphNames.encConv(i, true)),
                        param.apply(GraphNames.encConv(i, false)), heights[i], widths[i], in, ch.get(i)));
                in = ch.get(i);
            }
            // flatten in NCHW order, as PyTorch's nn.Flatten: the heads' weights keep PyTorch's row order
            h = sd.reshape(sd.permute(h, 0, 3, 1, 2), -1, encoderFeatures());
        }
        SDVariable mu = sd.nn.linear(h, param.apply(GraphNames.encMu(true)), param.apply(GraphNames.encMu(false)));
        SDVariable logvar = sd.nn.linear(h, param.apply(GraphNames.encLogvar(true)),
                param.apply(GraphNames.encLogvar(false)));
        return new SDVariable[]{mu, logvar};
    }

    /** Adds the decoder: z [m, d] to logits [m, D]. */
    public SDVariable decodeLogits(SameDiff sd, SDVariable z, Function<String, SDVariable> param) {
        if (layered) {
            ParamContext g = new ParamContext(sd, param, null, true);
            SDVariable h = z;
            for (Layer l : decoderStack().running()) {
                h = l.graph(g, h);
            }
            return h;
        }
        List<Integer> hidden = spec.hidden();
        if (spec.decoder() == NetKind.MLP) {
            SDVariable h = z;
            for (int j = 0; j < hidden.size(); j++) {
                h = denseLayer(sd, h, param.apply(GraphNames.decDense(j, true)),
                        param.apply(GraphNames.decDense(j, false)), true);
            }
            return denseLayer(sd, h, param.apply(GraphNames.decDense(hidden.size(), true)),
                    param.apply(GraphNames.decDense(hidden.size(), false)), false);
        }
        List<Integer> ch = spec.channels();
        int layers = ch.size();
        SDVariable h = denseLayer(sd, z, param.apply(GraphNames.decDense(0, true)),
                param.apply(GraphNames.decDense(0, false)), true);
        // the dense output is read as NCHW (PyTorch's view), then the deconv stack runs in NHWC (ConvLayers)
        h = sd.reshape(h, -1, ch.get(layers - 1), heights[layers], widths[layers]);
        h = sd.permute(h, 0, 2, 3, 1);
        for (int j = 0; j < layers; j++) {
            int level = layers - j;
            int inC = ch.get(level - 1);
            int outC = level - 1 == 0 ? 1 : ch.get(level - 2);
            h = ConvLayers.deconvStride2(sd, h, param.apply(GraphNames.decDeconv(j, true)),
                    param.apply(GraphNames.decDeconv(j, false)), heights[level], widths[level], inC, outC,
                    heights[level - 1], widths[level - 1]);
            if (j < layers - 1) {
                h = activateConv(sd, h);
            }
        }
        return sd.reshape(h, -1, dim()); // one output channel: NHWC is the image in row-major order
    }

    /** One line for logs and reports, e.g. {@code mlp[256,256] -> 32 -> mlp[256,256], 28x28}. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        if (spec.encoder() == NetKind.MLP) {
            sb.append("mlp").append(spec.hidden());
        } else {
            sb.append("conv").append(spec.channels()).append(" sizes");
            for (int i = 0; i < heights.length; i++) {
                sb.append(i == 0 ? " " : ">").append(heights[i]).append('x').append(widths[i]);
            }
        }
        sb.append(" -> ").append(spec.latentDim()).append(" -> ");
        if (spec.decoder() == NetKind.MLP) {
            List<Integer> rev = new ArrayList<>(spec.hidden());
            java.util.Collections.reverse(rev);
            sb.append("mlp").append(rev);
        } else {
            sb.append("deconv kernels");
            for (int l = spec.channels().size(); l >= 1; l--) {
                sb.append(' ').append(deconvKernel(heights[l], heights[l - 1]));
            }
        }
        sb.append(", ").append(spec.activation().yaml()).append(", ").append(rows).append('x').append(cols);
        return sb.toString();
    }
}
