package org.vaelab.spec;

import java.util.List;
import java.util.Objects;

/**
 * Encoder/decoder architecture: per side either a shorthand ({@code mlp}, {@code conv}) or an explicit
 * layer list; {@link LayerLists} turns either into the layers a model is built from.
 *
 * <p>Keys no layer reads are reset to their defaults when a side is a layer list (hidden without an mlp side,
 * channels without a conv side, activation without any shorthand), so that they cannot change the run id of
 * a model they do not touch; the binder reports such keys as having no effect. Models made only of
 * shorthands keep every value as given, as before layer lists existed.
 *
 * @param encoder       mlp, conv, or {@link NetKind#LAYERS} when {@code encoderLayers} holds the list
 * @param decoder       mlp, conv, or {@link NetKind#LAYERS} when {@code decoderLayers} holds the list
 * @param hidden        hidden widths of mlp encoders (input to code); mlp decoders mirror them
 * @param channels      channels of the stride-2 convolutions of conv encoders; conv decoders mirror them
 * @param activation    hidden nonlinearity of the shorthands
 * @param latentDim     number of latent dimensions
 * @param encoderLayers the explicit encoder list, from the image {@code [1, rows, cols]} to the heads' input
 *                      (flattened when it ends on an image); empty for a shorthand
 * @param decoderLayers the explicit decoder list, from {@code [latentDim]} to rows * cols values; empty for a
 *                      shorthand
 */
public record ModelSpec(NetKind encoder, NetKind decoder, List<Integer> hidden, List<Integer> channels,
                        Activation activation, int latentDim, List<LayerSpec> encoderLayers,
                        List<LayerSpec> decoderLayers) {
    static final List<Integer> DEFAULT_HIDDEN = List.of(256, 256);
    static final List<Integer> DEFAULT_CHANNELS = List.of(32, 64);

    public static final ModelSpec DEFAULT = new ModelSpec(NetKind.MLP, NetKind.MLP, DEFAULT_HIDDEN,
            DEFAULT_CHANNELS, Activation.RELU, 32);

    public ModelSpec {
        Objects.requireNonNull(encoder, "model.encoder");
        Objects.requireNonNull(decoder, "model.decoder");
        Objects.requireNonNull(activation, "model.activation");
        encoderLayers = List.copyOf(encoderLayers);
        decoderLayers = List.copyOf(decoderLayers);
        if (encoder != NetKind.LAYERS && !encoderLayers.isEmpty() || decoder != NetKind.LAYERS && !decoderLayers.isEmpty()) {
            throw new IllegalArgumentException("model: a layer list needs NetKind.LAYERS on its side (got "
                    + encoder + "/" + decoder + ")");
        }
        if (encoder == NetKind.LAYERS || decoder == NetKind.LAYERS) {
            boolean mlp = encoder == NetKind.MLP || decoder == NetKind.MLP;
            boolean conv = encoder == NetKind.CONV || decoder == NetKind.CONV;
            hidden = mlp ? hidden : DEFAULT_HIDDEN;
            channels = conv ? channels : DEFAULT_CHANNELS;
            activation = mlp || conv ? activation : Activation.RELU;
        }
        hidden = List.copyOf(hidden);
        channels = List.copyOf(channels);
        SpecKeys.require("model.hidden", hidden);
        SpecKeys.require("model.channels", channels);
        SpecKeys.require("model.latent_dim", latentDim);
    }

    /** A model of shorthands only ({@code mlp}/{@code conv} on both sides), as before layer lists existed. */
    public ModelSpec(NetKind encoder, NetKind decoder, List<Integer> hidden, List<Integer> channels,
                     Activation activation, int latentDim) {
        this(encoder, decoder, hidden, channels, activation, latentDim, List.of(), List.of());
    }

    /** A model with explicit layer lists on both sides. */
    public static ModelSpec layers(List<LayerSpec> encoder, List<LayerSpec> decoder, int latentDim) {
        return new ModelSpec(NetKind.LAYERS, NetKind.LAYERS, DEFAULT_HIDDEN, DEFAULT_CHANNELS, Activation.RELU,
                latentDim, encoder, decoder);
    }

    /** This model with the encoder replaced by an explicit list. */
    public ModelSpec withEncoderLayers(List<LayerSpec> layers) {
        return new ModelSpec(NetKind.LAYERS, decoder, hidden, channels, activation, latentDim, layers, decoderLayers);
    }

    /** This model with the decoder replaced by an explicit list. */
    public ModelSpec withDecoderLayers(List<LayerSpec> layers) {
        return new ModelSpec(encoder, NetKind.LAYERS, hidden, channels, activation, latentDim, encoderLayers, layers);
    }
}
