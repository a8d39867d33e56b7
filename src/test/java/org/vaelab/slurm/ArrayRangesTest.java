package org.vaelab.slurm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** --array lists: compact, sorted, and read back to the same indices. */
class ArrayRangesTest {
    @Test
    void consecutiveIndicesBecomeRanges() {
        assertEquals("0-3", ArrayRanges.format(List.of(0, 1, 2, 3)));
        assertEquals("0,2,5", ArrayRanges.format(List.of(5, 0, 2)));
        assertEquals("0,1,3-6,9", ArrayRanges.format(List.of(9, 6, 5, 4, 3, 1, 0, 3)));
        assertEquals("7", ArrayRanges.format(List.of(7)));
    }

    @Test
    void parseReadsWhatFormatWritesAndSbatchSteps() {
        List<Integer> xs = List.of(0, 1, 3, 4, 5, 6, 9, 11, 12);
        assertEquals(xs, ArrayRanges.parse(ArrayRanges.format(xs)));
        assertEquals(List.of(0, 2, 4), ArrayRanges.parse("0-4:2"));
    }

    @Test
    void emptyOrNegativeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ArrayRanges.format(List.of()));
        assertThrows(IllegalArgumentException.class, () -> ArrayRanges.format(List.of(-1, 2)));
    }
}
