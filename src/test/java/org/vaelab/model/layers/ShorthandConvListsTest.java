package org.vaelab.model.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vaelab.model.Parameters;
import org.vaelab.model.VaeArchitecture;
import org.vaelab.spec.Activation;
import org.vaelab.spec.LayerLists;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.Shape;

/**
 * The conv shorthand's layer lists ({@link LayerLists}) at MNIST's 28x28, with the bench model's channels
 * [32, 64] and with three levels (28 > 14 > 7 > 4 and back, transposed-conv kernels 3 and 4), run through these
 * layers: each conv and transposed conv (with the following activation fused, as the engine may) at its place
 * in the list against its twin, the shapes chaining to the encoder's features and the decoder's 28x28 logits,
 * and the parameters (order, shapes, fan-in) those of today's {@link VaeArchitecture}, so models initialise the
 * same.
 */
class ShorthandConvListsTest {

    private static List<Integer> ints(String s) {
        return Arrays.stream(s.split(",")).map(Integer::valueOf).toList();
    }

    /** Runs the list's conv-family layers from {@code shape}; returns their parameters in order. */
    private static List<Parameters.Param> run(List<LayerSpec> list, Shape shape, String prefix, Shape expectedEnd) {
        List<Parameters.Param> params = new ArrayList<>();
        int convs = 0;
        int deconvs = 0;
        for (int i = 0; i < list.size(); i++) {
            LayerSpec s = list.get(i);
            Layer l = null;
            if (s instanceof LayerSpec.Conv c) {
                ConvLayer cl = new ConvLayer(prefix + "_conv" + convs++, shape, c);
                if (i + 1 < list.size() && list.get(i + 1) instanceof LayerSpec.Act a) {
                    assertTrue(cl.fuse(a.fn()));
                    i++;
                }
                l = cl;
            } else if (s instanceof LayerSpec.ConvTranspose c) {
                ConvTransposeLayer tl = new ConvTransposeLayer(prefix + "_deconv" + deconvs++, shape, c);
                if (i + 1 < list.size() && list.get(i + 1) instanceof LayerSpec.Act a) {
                    assertTrue(tl.fuse(a.fn()));
                    i++;
                }
                l = tl;
            }
            if (l == null) {
                shape = s.output(shape); // linear, activation, flatten, reshape: not this package's layers
                continue;
            }
            assertEquals(s.output(shape), l.outShape());
            LayerHarness.compareWithTwin(l, LayerHarness.Values.random(l, 2, i));
            params.addAll(l.params());
            shape = l.outShape();
        }
        assertEquals(expectedEnd, shape);
        return params;
    }

    @ParameterizedTest(name = "channels {0}, last map {1}x{1}")
    @CsvSource({"'32,64', 7", "'4,8,16', 4"})
    void theShorthandsRunThroughTheseLayers(String channels, int last) {
        ModelSpec m = new ModelSpec(NetKind.CONV, NetKind.CONV, List.of(), ints(channels), Activation.RELU, 8);
        List<Integer> ch = m.channels();
        int top = ch.get(ch.size() - 1);
        List<Parameters.Param> mine = new ArrayList<>(run(LayerLists.encoder(m, 28, 28), LayerLists.input(28, 28),
                "enc", Shape.vector(top * last * last)));
        mine.addAll(run(LayerLists.decoder(m, 28, 28), Shape.vector(8), "dec", Shape.image(1, 28, 28)));

        List<Parameters.Param> today = VaeArchitecture.of(m, 28, 28).parameters().stream()
                .filter(p -> p.name().contains("conv")).toList();
        assertEquals(today.size(), mine.size());
        for (int i = 0; i < today.size(); i++) {
            assertEquals(today.get(i).name(), mine.get(i).name());
            assertArrayEquals(today.get(i).shape(), mine.get(i).shape(), today.get(i).name());
            assertEquals(today.get(i).fanIn(), mine.get(i).fanIn(), today.get(i).name());
            assertEquals(today.get(i).init(), mine.get(i).init(), today.get(i).name());
        }
    }
}
