package org.vaelab.spec;

import java.util.List;
import java.util.Objects;

/**
 * Encoder/decoder architecture.
 *
 * @param encoder    mlp or conv
 * @param decoder    mlp or conv
 * @param hidden     hidden widths of mlp encoders (input to code); mlp decoders mirror them
 * @param channels   channels of the stride-2 convolutions of conv encoders; conv decoders mirror them
 * @param activation hidden nonlinearity
 * @param latentDim  number of latent dimensions
 */
public record ModelSpec(NetKind encoder, NetKind decoder, List<Integer> hidden, List<Integer> channels,
                        Activation activation, int latentDim) {
    public static final ModelSpec DEFAULT = new ModelSpec(NetKind.MLP, NetKind.MLP, List.of(256, 256),
            List.of(32, 64), Activation.RELU, 32);

    public ModelSpec {
        Objects.requireNonNull(encoder, "model.encoder");
        Objects.requireNonNull(decoder, "model.decoder");
        Objects.requireNonNull(activation, "model.activation");
        hidden = List.copyOf(hidden);
        channels = List.copyOf(channels);
        SpecKeys.require("model.hidden", hidden);
        SpecKeys.require("model.channels", channels);
        SpecKeys.require("model.latent_dim", latentDim);
    }
}
