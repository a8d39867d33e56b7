package org.vaelab.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SpecValuesTest {
    @Test
    void numbersAreWrittenMinimally() {
        assertEquals("4", SpecValues.formatNumber(4.0));
        assertEquals("0", SpecValues.formatNumber(-0.0));
        assertEquals("-3", SpecValues.formatNumber(-3.0));
        assertEquals("0.5", SpecValues.formatNumber(0.5));
        assertEquals("0.1", SpecValues.formatNumber(0.1));
        assertEquals("0.001", SpecValues.formatNumber(1e-3));
        assertEquals("0.0003", SpecValues.formatNumber(3e-4));
        assertEquals("1e-7", SpecValues.formatNumber(1e-7));
        assertEquals("1e20", SpecValues.formatNumber(1e20));
        assertEquals("0.30000000000000004", SpecValues.formatNumber(0.1 + 0.2));
        assertEquals("123456789.125", SpecValues.formatNumber(123456789.125));
        assertEquals(".inf", SpecValues.formatNumber(Double.POSITIVE_INFINITY));
        assertEquals("9007199254740993", SpecValues.formatNumber(9007199254740993L));
        assertEquals("9007199254740993", SpecValues.formatNumber(Long.valueOf(9007199254740993L)));
        assertEquals("1.5e-5", SpecValues.formatNumber(1.5e-5));
        assertEquals("-2.5e-9", SpecValues.formatNumber(-2.5e-9));
        assertEquals("1.2345e15", SpecValues.formatNumber(1.2345e15));
    }

    @Test
    void everyFormattedDoubleReadsBackExactly() {
        SplittableRandom random = new SplittableRandom(20240611L);
        for (int i = 0; i < 20_000; i++) {
            double x = i % 2 == 0 ? Double.longBitsToDouble(random.nextLong()) : random.nextDouble() * Math.pow(10, random.nextInt(-8, 9));
            if (!Double.isFinite(x)) {
                continue;
            }
            String s = SpecValues.formatNumber(x);
            assertEquals(x == 0 ? 0.0 : x, Double.parseDouble(s) == 0 ? 0.0 : Double.parseDouble(s), s);
            // Never longer than the JDK's own shortest-ish form (which adds ".0" and "E").
            assertTrue(s.length() <= Double.toString(x).length() + 1, s + " vs " + Double.toString(x));
        }
    }

    @Test
    void valuesAreShownForNamesAndForMessages() {
        assertEquals("[64,64]", SpecValues.format(List.of(64, 64)));
        assertEquals("relu", SpecValues.format("relu"));
        assertEquals("fashion-mnist", SpecValues.format(DatasetName.FASHION_MNIST));
        assertEquals("null", SpecValues.format(null));
        assertEquals("'ten'", SpecValues.show("ten"));
        assertEquals("4.0", SpecValues.show(4.0), "a float written 4.0 is echoed as 4.0, so 'expected an integer' makes sense");
        assertEquals("4", SpecValues.show(4L));
        assertEquals("[64, 'x', null]", SpecValues.show(Arrays.asList(64L, "x", null)));
    }
}
