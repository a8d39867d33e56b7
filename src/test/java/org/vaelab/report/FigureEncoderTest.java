package org.vaelab.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FigureEncoderTest {
    /** What the SVG's numbers were rounded with before: the Formatter, then the ".0" and "-0" trimmed. */
    private static String formatter(double v) {
        String r = String.format(Locale.ROOT, "%.1f", v);
        if (r.endsWith(".0")) {
            r = r.substring(0, r.length() - 2);
        }
        return r.equals("-0") ? "0" : r;
    }

    @Test
    void oneDecimalWritesWhatTheFormatterWrote() {
        // Ties and near-ties of the half-up rule, zeros of both signs, and values as XChart's SVG holds them:
        // coordinates of a few hundred pixels with up to 17 significant digits, and very large and small ones.
        double[] fixed = {0, -0.0, 0.05, -0.05, 0.15, 0.25, 0.35, 2.45, -2.45, 0.04999999999999999, 0.95, 9.95,
                99.95, -99.95, 1e-7, -1e-7, 123456789.05, 1e15 + 0.5, 0.1 + 0.2, 1.0 / 3, -1.0 / 3};
        for (double v : fixed) {
            assertEquals(formatter(v), FigureEncoder.oneDecimal(v), "v = " + v);
        }
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 200_000; i++) {
            double v = switch (i % 4) {
                case 0 -> (r.nextDouble() - 0.2) * 1000; // pixel coordinates
                case 1 -> Math.round((r.nextDouble() - 0.5) * 20000) / 100.0 + 0.05; // ties at the 2nd decimal
                case 2 -> Double.parseDouble(String.format(Locale.ROOT, "%.6f", (r.nextDouble() - 0.5) * 900));
                default -> (r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(-8, 12));
            };
            assertEquals(formatter(v), FigureEncoder.oneDecimal(v), "v = " + v);
        }
    }
}
