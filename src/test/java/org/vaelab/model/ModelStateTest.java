package org.vaelab.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.model.layers.BatchNormLayer;
import org.vaelab.model.layers.Layer;
import org.vaelab.model.layers.LayerNormLayer;
import org.vaelab.spec.LayerSpec;
import org.vaelab.spec.Shape;

class ModelStateTest {
    @Test
    void collectsTheLayersStateInOrderAtPyTorchsInitialValues() {
        List<Layer> layers = List.of(
                new BatchNormLayer("enc_batchnorm1", Shape.image(2, 3, 3), new LayerSpec.BatchNorm()),
                new LayerNormLayer("enc_layernorm1", Shape.vector(4), new LayerSpec.LayerNorm()),
                new BatchNormLayer("dec_batchnorm1", Shape.vector(3), new LayerSpec.BatchNorm()));
        try (ModelState s = ModelState.of(layers, DataType.FLOAT)) {
            assertEquals(List.of("enc_batchnorm1_mean", "enc_batchnorm1_var", "dec_batchnorm1_mean",
                    "dec_batchnorm1_var"), s.names());
            assertEquals(10, s.size());
            assertArrayEquals(new float[]{0, 0, 1, 1, 0, 0, 0, 1, 1, 1}, s.toFloats());
            assertEquals("enc_batchnorm1_mean[2];enc_batchnorm1_var[2];dec_batchnorm1_mean[3];dec_batchnorm1_var[3];",
                    s.signature());
            s.apply(Map.of("dec_batchnorm1_var", Nd4j.createFromArray(4.0, 5.0, 6.0)));
            s.assign(s.toFloats()); // a checkpoint's round trip leaves it unchanged
            assertArrayEquals(new float[]{0, 0, 1, 1, 0, 0, 0, 4, 5, 6}, s.toFloats());
            s.reset();
            assertArrayEquals(new float[]{0, 0, 1, 1, 0, 0, 0, 1, 1, 1}, s.toFloats());
            assertThrows(IllegalArgumentException.class, () -> s.assign(new float[3]));
            assertThrows(IllegalArgumentException.class, () -> s.apply(Map.of("nope", Nd4j.scalar(1.0))));
        }
    }

    @Test
    void aModelWithoutStateHasAnEmptyBuffer() {
        try (ModelState s = ModelState.of(
                List.of(new LayerNormLayer("x", Shape.vector(4), new LayerSpec.LayerNorm())), DataType.DOUBLE)) {
            assertEquals(0, s.size());
            assertEquals("", s.signature());
            assertArrayEquals(new float[0], s.toFloats());
            s.assign(new float[0]);
            s.reset();
            s.apply(Map.of());
        }
    }
}
