package org.vaelab.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SuggestTest {
    static final List<String> MODEL = List.of("encoder", "decoder", "hidden", "channels", "activation", "latent_dim");

    @Test
    void distanceCountsATranspositionAsOneEdit() {
        assertEquals(1, Suggest.distance("gird", "grid"));
        assertEquals(3, Suggest.distance("kitten", "sitting"));
        assertEquals(0, Suggest.distance("relu", "relu"));
        assertEquals(4, Suggest.distance("", "relu"));
    }

    @Test
    void suggestsTyposCaseAndSeparatorVariantsAndPytorchNames() {
        assertEquals(Optional.of("latent_dim"), Suggest.closest("latent_dims", MODEL));
        assertEquals(Optional.of("latent_dim"), Suggest.closest("latentDim", MODEL));
        assertEquals(Optional.of("latent_dim"), Suggest.closest("z_dim", MODEL));
        assertEquals(Optional.of("hidden"), Suggest.closest("hiden", MODEL));
        assertEquals(Optional.of("activation"), Suggest.closest("activ", MODEL));
        assertEquals(Optional.of("learning_rate"), Suggest.closest("lr", List.of("epochs", "learning_rate")));
        assertEquals(Optional.of("cuda"), Suggest.closest("gpu", List.of("cpu", "cuda")), "not 'cpu', one letter away");
        assertEquals(Optional.of("leaky_relu"), Suggest.closest("LeakyReLU", List.of("relu", "tanh", "elu", "leaky_relu")));
    }

    @Test
    void staysSilentWhenNothingIsClose() {
        assertEquals(Optional.empty(), Suggest.closest("momentum", MODEL));
        assertEquals(Optional.empty(), Suggest.closest("x", List.of("relu", "tanh")));
        assertEquals(Optional.empty(), Suggest.closest("sigmoid", List.of("relu", "tanh", "elu", "leaky_relu")));
    }
}
