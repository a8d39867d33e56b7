package org.vaelab.spec;

/**
 * One layer of an encoder or decoder layer list, named and parameterised as PyTorch's {@code nn} module of the
 * same name, so a notebook's {@code nn.Sequential} translates line by line. Each kind owns its shape rule:
 * {@link #output} maps an input shape to the output shape or throws {@link LayerShapeException} saying why
 * the layer does not fit.
 *
 * <p>Image layers read and write {@code [C, H, W]}; {@code linear} needs a vector (use {@code flatten}
 * first, as in PyTorch); normalisation and nonlinearities keep the shape.
 */
public sealed interface LayerSpec {

    /** The output shape for {@code in}. */
    Shape output(Shape in);

    /** The YAML word of this kind, e.g. {@code conv_transpose}. */
    String kind();

    /** A short label for run names and summaries, e.g. {@code conv32k3s2} or {@code relu}. */
    String label();

    /** Thrown by {@link #output} when a layer does not fit its input; the message names both shapes and the fix. */
    final class LayerShapeException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public LayerShapeException(String message) {
            super(message);
        }
    }

    /** Elementwise nonlinearities (PyTorch defaults: leaky_relu slope 0.01, elu alpha 1). */
    enum Nonlinearity {
        RELU("relu"), LEAKY_RELU("leaky_relu"), ELU("elu"), TANH("tanh"), SIGMOID("sigmoid");

        private final String yaml;

        Nonlinearity(String yaml) {
            this.yaml = yaml;
        }

        /** The YAML word. */
        public String yaml() {
            return yaml;
        }

        /** The layer form of a {@code model.activation} choice. */
        public static Nonlinearity of(Activation a) {
            return switch (a) {
                case RELU -> RELU;
                case LEAKY_RELU -> LEAKY_RELU;
                case ELU -> ELU;
                case TANH -> TANH;
            };
        }
    }

    private static Shape needImage(Shape in, String layer) {
        if (!in.image()) {
            throw new LayerShapeException(layer + " needs an image [C, H, W] input, got the vector " + in
                    + "; add {reshape: [C, H, W]} before it");
        }
        return in;
    }

    private static Shape needVector(Shape in, String layer) {
        if (in.image()) {
            throw new LayerShapeException(layer + " needs a vector input, got the image " + in
                    + "; add flatten before it");
        }
        return in;
    }

    private static void positive(int v, String what) {
        if (v < 1) {
            throw new LayerShapeException(what + " must be >= 1, got " + v);
        }
    }

    /** {@code nn.Linear(in, features)}. */
    record Linear(int features) implements LayerSpec {
        @Override
        public Shape output(Shape in) {
            needVector(in, "linear");
            positive(features, "linear");
            return Shape.vector(features);
        }

        @Override
        public String kind() {
            return "linear";
        }

        @Override
        public String label() {
            return "linear" + features;
        }
    }

    /**
     * {@code nn.Conv2d(in, channels, (kh, kw), stride, (padH, padW))}; {@code same} pads so that the output
     * keeps the input's size (stride 1 only, as PyTorch; an even kernel pads one more at the bottom/right).
     */
    record Conv(int channels, int kh, int kw, int stride, int padH, int padW, boolean same) implements LayerSpec {
        @Override
        public Shape output(Shape in) {
            needImage(in, "conv");
            positive(channels, "conv channels");
            positive(kh, "conv kernel");
            positive(kw, "conv kernel");
            positive(stride, "conv stride");
            if (same) {
                if (stride != 1) {
                    throw new LayerShapeException("conv: padding 'same' needs stride 1, got stride " + stride
                            + "; give the padding as a number");
                }
                return Shape.image(channels, in.height(), in.width());
            }
            if (padH < 0 || padW < 0) {
                throw new LayerShapeException("conv: padding must be >= 0, got " + Math.min(padH, padW));
            }
            int h = in.height() + 2 * padH - kh;
            int w = in.width() + 2 * padW - kw;
            if (h < 0 || w < 0) {
                throw new LayerShapeException("conv: a " + kh + "x" + kw + " kernel does not fit the input " + in
                        + " with padding " + padH + (padH == padW ? "" : "x" + padW)
                        + "; use a kernel of at most " + (in.height() + 2 * padH) + "x" + (in.width() + 2 * padW)
                        + " or more padding");
            }
            return Shape.image(channels, h / stride + 1, w / stride + 1);
        }

        @Override
        public String kind() {
            return "conv";
        }

        @Override
        public String label() {
            return "conv" + channels + "k" + (kh == kw ? "" + kh : kh + "x" + kw)
                    + (stride == 1 ? "" : "s" + stride) + (same ? "same" : padH == 0 && padW == 0 ? "" : "p" + padH);
        }
    }

    /**
     * {@code nn.ConvTranspose2d(in, channels, (kh, kw), stride, padding, output_padding)}: output size
     * {@code (in - 1) * stride - 2 * padding + kernel + output_padding} per axis.
     */
    record ConvTranspose(int channels, int kh, int kw, int stride, int padH, int padW, int outPadH, int outPadW)
            implements LayerSpec {
        @Override
        public Shape output(Shape in) {
            needImage(in, "conv_transpose");
            positive(channels, "conv_transpose channels");
            positive(kh, "conv_transpose kernel");
            positive(kw, "conv_transpose kernel");
            positive(stride, "conv_transpose stride");
            if (padH < 0 || padW < 0 || outPadH < 0 || outPadW < 0) {
                throw new LayerShapeException("conv_transpose: padding and output_padding must be >= 0");
            }
            if (outPadH >= stride || outPadW >= stride) {
                throw new LayerShapeException("conv_transpose: output_padding must be smaller than the stride ("
                        + stride + "), got " + Math.max(outPadH, outPadW) + " (PyTorch's rule)");
            }
            int h = (in.height() - 1) * stride - 2 * padH + kh + outPadH;
            int w = (in.width() - 1) * stride - 2 * padW + kw + outPadW;
            if (h < 1 || w < 1) {
                throw new LayerShapeException("conv_transpose: input " + in + " gives an empty output ("
                        + h + "x" + w + "); use less padding or a larger kernel");
            }
            return Shape.image(channels, h, w);
        }

        @Override
        public String kind() {
            return "conv_transpose";
        }

        @Override
        public String label() {
            return "convt" + channels + "k" + (kh == kw ? "" + kh : kh + "x" + kw)
                    + (stride == 1 ? "" : "s" + stride) + (padH == 0 && padW == 0 ? "" : "p" + padH)
                    + (outPadH == 0 && outPadW == 0 ? "" : "op" + outPadH);
        }
    }

    /** {@code nn.MaxPool2d(k)}: stride k, no padding, the last incomplete window dropped (floor). */
    record MaxPool(int k) implements LayerSpec {
        @Override
        public Shape output(Shape in) {
            needImage(in, "maxpool");
            positive(k, "maxpool");
            if (in.height() < k || in.width() < k) {
                throw new LayerShapeException("maxpool: a " + k + "x" + k + " window does not fit the input " + in
                        + "; use a window of at most " + Math.min(in.height(), in.width()));
            }
            return Shape.image(in.channels(), in.height() / k, in.width() / k);
        }

        @Override
        public String kind() {
            return "maxpool";
        }

        @Override
        public String label() {
            return "maxpool" + k;
        }
    }

    /** {@code nn.Upsample(scale_factor=k, mode='nearest')}. */
    record Upsample(int k) implements LayerSpec {
        @Override
        public Shape output(Shape in) {
            needImage(in, "upsample");
            positive(k, "upsample");
            return Shape.image(in.channels(), in.height() * k, in.width() * k);
        }

        @Override
        public String kind() {
            return "upsample";
        }

        @Override
        public String label() {
            return "up" + k;
        }
    }

    /** {@code nn.LayerNorm(shape of its input)}: over all features of an example, affine, eps 1e-5. */
    record LayerNorm() implements LayerSpec {
        @Override
        public Shape output(Shape in) {
            return in;
        }

        @Override
        public String kind() {
            return "layernorm";
        }

        @Override
        public String label() {
            return "ln";
        }
    }

    /**
     * {@code nn.BatchNorm2d(C)} on images, {@code nn.BatchNorm1d(F)} on vectors: batch statistics in training,
     * running statistics (momentum 0.1, unbiased variance) in evaluation, eps 1e-5, affine.
     */
    record BatchNorm() implements LayerSpec {
        @Override
        public Shape output(Shape in) {
            return in;
        }

        @Override
        public String kind() {
            return "batchnorm";
        }

        @Override
        public String label() {
            return "bn";
        }
    }

    /** An elementwise nonlinearity. */
    record Act(Nonlinearity fn) implements LayerSpec {
        @Override
        public Shape output(Shape in) {
            return in;
        }

        @Override
        public String kind() {
            return fn.yaml();
        }

        @Override
        public String label() {
            return fn.yaml();
        }
    }

    /** {@code nn.Flatten()}: an image to a vector in C, H, W order. */
    record Flatten() implements LayerSpec {
        @Override
        public Shape output(Shape in) {
            return Shape.vector(in.size());
        }

        @Override
        public String kind() {
            return "flatten";
        }

        @Override
        public String label() {
            return "flatten";
        }
    }

    /** {@code x.view(-1, C, H, W)}: a vector (or image) to an image of the same size, read in C, H, W order. */
    record Reshape(int channels, int height, int width) implements LayerSpec {
        @Override
        public Shape output(Shape in) {
            positive(channels, "reshape C");
            positive(height, "reshape H");
            positive(width, "reshape W");
            long size = (long) channels * height * width;
            if (size != in.size()) {
                throw new LayerShapeException("reshape: [" + channels + ", " + height + ", " + width + "] holds "
                        + size + " values but its input " + in + " has " + in.size()
                        + "; pick C, H, W whose product is " + in.size());
            }
            return Shape.image(channels, height, width);
        }

        @Override
        public String kind() {
            return "reshape";
        }

        @Override
        public String label() {
            return "view" + channels + "x" + height + "x" + width;
        }
    }
}
