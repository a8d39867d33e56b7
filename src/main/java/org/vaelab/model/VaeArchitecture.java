package org.vaelab.model;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.vaelab.spec.Activation;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;

/**
 * The shapes of one VAE (encoder, Gaussian heads, decoder) for a given image size, and the code that adds
 * its layers to a SameDiff graph. See the package documentation for the exact architecture.
 */
public final class VaeArchitecture {
    private final ModelSpec spec;
    private final int rows;
    private final int cols;
    /** Spatial sizes of the conv encoder: sizes[0] = input, sizes[i+1] after conv i. Also the decoder's targets. */
    private final int[] heights;
    private final int[] widths;
    private final List<Parameters.Param> params = new ArrayList<>();

    private VaeArchitecture(ModelSpec spec, int rows, int cols) {
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
        declareParameters();
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
        return new VaeArchitecture(spec, rows, cols);
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
        if (spec.encoder() == NetKind.MLP) {
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
