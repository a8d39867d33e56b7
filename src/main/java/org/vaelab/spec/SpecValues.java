package org.vaelab.spec;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Renders spec values the way a spec file would write them: {@code 4} not {@code 4.0}, {@code [64,64]}. */
public final class SpecValues {
    private SpecValues() {
    }

    /**
     * The shortest decimal that reads back as exactly {@code x}, without a trailing {@code .0}.
     * Computed with BigDecimal rather than {@link Double#toString}, whose output changed between JDK 17
     * and 19 for some values: run ids hash this text, so it must not depend on the JDK.
     */
    public static String formatNumber(double x) {
        if (Double.isNaN(x)) {
            return ".nan";
        }
        if (Double.isInfinite(x)) {
            return x > 0 ? ".inf" : "-.inf";
        }
        if (x == 0) {
            return "0"; // also -0.0: a sign on zero changes no config
        }
        if (x == Math.rint(x) && Math.abs(x) < 1e15) {
            return Long.toString((long) x);
        }
        BigDecimal exact = new BigDecimal(x);
        BigDecimal shortest = exact;
        for (int digits = 1; digits <= 17; digits++) {
            BigDecimal candidate = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
            if (candidate.doubleValue() == x) {
                shortest = candidate;
                break;
            }
        }
        shortest = shortest.stripTrailingZeros();
        if (Math.abs(x) >= 1e-4 && Math.abs(x) < 1e15) {
            return shortest.toPlainString();
        }
        // Scientific below 1e-4: 1.5e-5 reads better than 0.000015 and is never longer than Java's own form.
        String digits = shortest.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - shortest.scale();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (x < 0 ? "-" : "") + mantissa + "e" + exponent;
    }

    /** Integers as they are (an overload so that a long is never widened to double and rounded). */
    public static String formatNumber(long x) {
        return Long.toString(x);
    }

    /** Formats any number: integers as they are, floating point values as {@link #formatNumber(double)}. */
    public static String formatNumber(Number n) {
        if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte
                || n instanceof BigInteger) {
            return n.toString();
        }
        if (n instanceof BigDecimal bd) {
            return bd.stripTrailingZeros().toPlainString();
        }
        return formatNumber(n.doubleValue());
    }

    /**
     * Compact form for run names and tables: strings bare, numbers minimal, lists {@code [64,64]}, layer lists
     * by their layers' labels joined by '-' ({@code conv16k3s2p1-relu-flatten}).
     */
    public static String format(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Number n) {
            return formatNumber(n);
        }
        if (value instanceof Choice c) {
            return c.yaml();
        }
        if (LayerTrees.isTree(value)) {
            try {
                return LayerTrees.label((List<?>) value); // a layer list by its layers' labels, conv16k3s2p1-relu-...
            } catch (RuntimeException notBound) {
                // raw YAML that looks like a layer list but did not bind: shown as a plain list below
            }
        }
        if (value instanceof List<?> list) {
            return list.stream().map(SpecValues::format).collect(Collectors.joining(",", "[", "]"));
        }
        if (value instanceof Map<?, ?> map) {
            return map.entrySet().stream().map(e -> e.getKey() + ": " + format(e.getValue()))
                    .collect(Collectors.joining(", ", "{", "}"));
        }
        return value.toString();
    }

    /** Form for error messages ("got X"): strings quoted so that {@code 'ten'} and {@code 10} differ. */
    public static String show(Object value) {
        if (value instanceof String s) {
            return "'" + s + "'";
        }
        if ((value instanceof Double || value instanceof Float) && Math.abs(((Number) value).doubleValue()) < 1e15
                && ((Number) value).doubleValue() == Math.rint(((Number) value).doubleValue())) {
            return formatNumber((Number) value) + ".0"; // echo 4.0 as written: "expected an integer (got 4)" would puzzle
        }
        if (value instanceof List<?> list) {
            return list.stream().map(SpecValues::show).collect(Collectors.joining(", ", "[", "]"));
        }
        if (value instanceof Map<?, ?> map) {
            String text = map.entrySet().stream().map(e -> e.getKey() + ": " + show(e.getValue()))
                    .collect(Collectors.joining(", ", "{", "}"));
            return text.length() <= 60 ? text : "a map";
        }
        return format(value);
    }
}
