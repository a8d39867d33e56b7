package org.vaelab.report;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Ordering and display of config values and metrics: numbers compare as numbers, everything else as text. */
final class Values {
    private Values() {
    }

    /** Numbers before text; numbers numerically, text lexically; null last. */
    static final Comparator<Object> ORDER = (a, b) -> {
        if (a == null || b == null) {
            return a == null ? (b == null ? 0 : 1) : -1;
        }
        if (a instanceof Number x && b instanceof Number y) {
            return Double.compare(x.doubleValue(), y.doubleValue());
        }
        if (a instanceof Number) {
            return -1;
        }
        if (b instanceof Number) {
            return 1;
        }
        return format(a).compareTo(format(b));
    };

    /** The distinct values, sorted by {@link #ORDER}; 1 and 1.0 count as one value. */
    static List<Object> distinct(Collection<?> values) {
        Map<String, Object> byText = new LinkedHashMap<>();
        for (Object v : values) {
            byText.putIfAbsent(format(v), v);
        }
        List<Object> out = new ArrayList<>(byText.values());
        out.sort(ORDER);
        return out;
    }

    /** A config value as people write it: 1 not 1.0, 0.5, lists as [a, b]. */
    static String format(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                return Long.toString((long) d);
            }
            // Java's shortest round-trip form is what the user typed for every value a spec holds (0.001, 0.5).
            return v instanceof Float f ? Float.toString(f) : Double.toString(d);
        }
        if (v instanceof Collection<?> c) {
            List<String> parts = new ArrayList<>();
            for (Object o : c) {
                parts.add(format(o));
            }
            return "[" + String.join(", ", parts) + "]";
        }
        return v.toString();
    }

    /** A metric for a table cell: about four significant digits, "" for null, "NaN"/"inf" spelled out. */
    static String metric(Double v) {
        if (v == null) {
            return "";
        }
        if (v.isNaN()) {
            return "NaN";
        }
        if (v.isInfinite()) {
            return v > 0 ? "inf" : "-inf";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        if (a == 0) {
            return "0";
        }
        return trim(String.format(Locale.ROOT, "%.3g", v));
    }

    /** Seconds as people read them: 42.1 s, 3 m 20 s, 1 h 02 m. */
    static String duration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return "";
        }
        if (seconds < 60) {
            return String.format(Locale.ROOT, "%.1f s", seconds);
        }
        long s = Math.round(seconds);
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d m %02d s", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d m", s / 3600, (s % 3600) / 60);
    }

    /** A double or null from a JSON-ish value. */
    static Double number(Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof String s) {
            try {
                return Double.parseDouble(s.strip());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    /** Nested maps flattened to dotted keys in their order ({model: {latent_dim: 2}} becomes model.latent_dim). */
    static Map<String, Object> flatten(Map<String, Object> tree) {
        Map<String, Object> out = new LinkedHashMap<>();
        flatten("", tree, out);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Map<String, Object> tree, Map<String, Object> out) {
        if (tree == null) {
            return;
        }
        for (Map.Entry<String, Object> e : tree.entrySet()) {
            String k = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue() instanceof Map<?, ?> m) {
                flatten(k, (Map<String, Object>) m, out);
            } else {
                out.put(k, e.getValue());
            }
        }
    }

    /** Short display names for dotted keys: the last segment, unless two keys would share it. */
    static Map<String, String> shortNames(Collection<String> keys) {
        Map<String, Integer> count = new LinkedHashMap<>();
        for (String k : keys) {
            count.merge(last(k), 1, Integer::sum);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : new LinkedHashSet<>(keys)) {
            out.put(k, count.get(last(k)) == 1 ? last(k) : k);
        }
        return out;
    }

    private static String last(String key) {
        int i = key.lastIndexOf('.');
        return i < 0 ? key : key.substring(i + 1);
    }

    private static String trim(String s) {
        if (s.contains("e") || s.contains("E")) {
            return s;
        }
        if (s.contains(".")) {
            s = s.replaceAll("0+$", "");
            if (s.endsWith(".")) {
                s = s.substring(0, s.length() - 1);
            }
        }
        return s;
    }
}
