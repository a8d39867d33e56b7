package org.vaelab.tracking;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.spec.RunConfig;
import org.vaelab.spec.RunSpec;
import org.vaelab.tracking.RunVisuals.Images;

class RunVisualsTest {
    @TempDir
    java.nio.file.Path tmp;

    static RunVisuals small() {
        float[] two = new float[2 * 4];
        for (int i = 0; i < two.length; i++) {
            two[i] = i / 7f;
        }
        Images im = Images.of(two, 2, 2, 2, new int[] {3, 5});
        return new RunVisuals(RunVisuals.FORMAT, 4, 2, 2, im, Images.of(two, 2, 2, 2, null), null, 7L,
                new RunVisuals.Traversals("zero", null, List.of(-1.0, 1.0),
                        List.of(new RunVisuals.Traversal(0, 1.25, Images.of(two, 2, 2, 2, null)))),
                null, null,
                RunVisuals.LatentScatter.of("pca", List.of(), "PC1", "PC2", List.of(0.5, 0.2),
                        new double[] {0.123456789, -1}, new double[] {2, 3}, new int[] {3, 5}),
                List.of(RunVisuals.LatentHistogram.of(0, "sampled", new double[] {-1, 0, 0.5, 9}, -2, 2, 4)),
                List.of(new RunVisuals.LatentMoments(1, List.of(0.1), List.of(0.9))));
    }

    @Test
    void imagesQuantiseToBytesAndDecodeBack() {
        Images im = Images.of(new float[] {0f, 1f, 0.5f, Float.NaN, -3f, 2f}, 1, 2, 3, null);
        assertArrayEquals(new int[] {0, 255, 128, 0, 0, 255}, im.pixels(0), "clamped, NaN as background");
        assertEquals(8, im.data().length(), "6 bytes are 8 base64 characters");
    }

    @Test
    void roundTripsThroughTheRunFolder() throws IOException {
        RunStore store = new RunStore(tmp, "s");
        RunRecorder rec = store.open(new RunSpec("r1", "n", "s", 0, Map.of(), RunConfig.DEFAULT), Map.of(), "");
        assertTrue(store.readVisuals("r1").isEmpty(), "no visuals.json yet");
        RunVisuals v = small();
        rec.writeVisuals(v);
        RunVisuals back = store.readVisuals("r1").orElseThrow();
        assertEquals(v, back);
        assertArrayEquals(v.originals().pixels(1), back.originals().pixels(1));
        assertEquals(0.1235, back.scatter().x().get(0), "coordinates rounded to 4 decimals");
        assertEquals(List.of(0, 1, 2, 0), back.histograms().get(0).counts(), "-1 in [-1, 0), 0 and 0.5 in [0, 1), 9 outside");
        assertNull(back.grid());
        String file = Files.readString(rec.dir().resolve("visuals.json"));
        assertEquals(1, file.strip().lines().count(), "one compact line");
        assertTrue(!file.contains("\"grid\""), "absent parts are left out of the file");
    }

    @Test
    void inconsistentShapesAreRefusedWithTheirNumbers() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Images(2, 28, 28, "AAAA", null));
        assertTrue(e.getMessage().contains("3 bytes") && e.getMessage().contains("1568"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new RunVisuals(2, 1, 28, 28, null, null, null, null,
                null, null, null, null, null, null));
        assertTrue(e.getMessage().contains("format 2"), e.getMessage());
        Images nine = Images.of(new float[9 * 4], 9, 2, 2, null);
        e = assertThrows(IllegalArgumentException.class,
                () -> new RunVisuals.LatentGrid(List.of(-1.0, 0.0, 1.0, 2.0), nine));
        assertTrue(e.getMessage().contains("4x4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new RunVisuals.Traversals("zero", null,
                List.of(-1.0, 0.0, 1.0), List.of(new RunVisuals.Traversal(0, 1, Images.of(new float[8], 2, 2, 2,
                null)))));
        assertTrue(e.getMessage().contains("2 images for 3 values"), e.getMessage());
    }
}
