package org.vaelab.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ValuesTest {
    @Test
    void configValuesReadAsWritten() {
        assertEquals("1", Values.format(1.0));
        assertEquals("0.5", Values.format(0.5));
        assertEquals("0.001", Values.format(0.001));
        assertEquals("1.0E-5", Values.format(1e-5));
        assertEquals("0.1", Values.format(0.1f));
        assertEquals("[256, 256]", Values.format(List.of(256, 256)));
        assertEquals("", Values.format(null));
    }

    @Test
    void metricsKeepAboutFourDigitsAndNameNonFiniteValues() {
        assertEquals("1234", Values.metric(1234.4));
        assertEquals("152.4", Values.metric(152.44));
        assertEquals("12.06", Values.metric(12.0649));
        assertEquals("0.436", Values.metric(0.43612));
        assertEquals("NaN", Values.metric(Double.NaN));
        assertEquals("inf", Values.metric(Double.POSITIVE_INFINITY));
        assertEquals("", Values.metric(null));
    }

    @Test
    void numbersSortNumericallyAndOneEqualsOnePointZero() {
        assertEquals(List.of(0.5, 2, 10.0, "abc"), Values.distinct(List.of(10.0, "abc", 2, 0.5, 2.0)));
    }

    @Test
    void durationsAndNames() {
        assertEquals("42.1 s", Values.duration(42.06));
        assertEquals("3 m 20 s", Values.duration(200));
        assertEquals("1 h 02 m", Values.duration(3725));
        assertEquals(Map.of("model.latent_dim", "latent_dim", "a.beta", "a.beta", "b.beta", "b.beta"),
                Values.shortNames(List.of("model.latent_dim", "a.beta", "b.beta")));
        assertEquals(Map.of("model.latent_dim", 2, "loss.beta", 1.0),
                Values.flatten(Map.of("model", Map.of("latent_dim", 2), "loss", Map.of("beta", 1.0))));
    }
}
