package org.vaelab.spec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Converts between configs and the nested-map trees a YAML spec parses into, and binds trees to
 * validated records. Pure: no I/O and no YAML library; {@code spec.yaml} feeds it parsed trees.
 *
 * <p>A tree is a {@code Map<String, Object>} whose values are maps, lists, strings, numbers (Integer,
 * Long, BigInteger, Double), booleans or null, keyed by the spec's snake_case names ({@code latent_dim}).
 */
public final class ConfigTree {
    private ConfigTree() {
    }

    /** Every config key as a dotted path, in reference order ({@code dataset.name} ... {@code eval.loglik_subset}). */
    public static List<String> keyPaths() {
        return SpecKeys.LEAVES.stream().map(SpecKeys.Leaf::path).toList();
    }

    /** The allowed spellings of a key with a fixed set of values ({@code model.activation}), else an empty list. */
    public static List<String> allowedValues(String keyPath) {
        SpecKeys.Leaf leaf = SpecKeys.BY_PATH.get(keyPath);
        if (leaf == null) {
            throw new IllegalArgumentException("not a config key: " + keyPath);
        }
        return leaf.choices() == null ? List.of() : leaf.choices();
    }

    /** The config as a tree in the spec's shape: sections in order, snake_case keys, enums by {@link Choice#yaml()}. */
    public static Map<String, Object> toTree(RunConfig config) {
        Map<String, Object> tree = new LinkedHashMap<>();
        for (SpecKeys.Leaf leaf : SpecKeys.LEAVES) {
            Object value = leaf.getter().apply(config);
            put(tree, Arrays.asList(leaf.path().split("\\.")), value instanceof List<?> l ? new ArrayList<>(l) : value);
        }
        return tree;
    }

    /** Binds a whole spec tree; a missing {@code name} is a problem. */
    public static BindResult<ExperimentSpec> bind(Map<String, ?> tree) {
        return SpecBinder.bindSpec(tree, null);
    }

    /**
     * Binds a whole spec tree (name, description, the five config sections, sweep) over the defaults,
     * reporting every problem: unknown keys with a did-you-mean, wrong types, out-of-range values,
     * invalid sweep values and sweep shapes, and cross-field rules checked on every run the sweep makes.
     *
     * @param tree        the parsed spec; null or empty means all defaults
     * @param defaultName name to use when the tree has no {@code name} (the loader passes the file name's
     *                    stem), or null to require one
     */
    public static BindResult<ExperimentSpec> bind(Map<String, ?> tree, String defaultName) {
        return SpecBinder.bindSpec(tree, defaultName);
    }

    /** Binds a tree holding only config sections (like {@link #toTree}'s output) over the defaults. */
    public static BindResult<RunConfig> bindConfig(Map<String, ?> tree) {
        return SpecBinder.bindConfig(tree);
    }

    /**
     * The config with some keys replaced, validated: {@code values} maps dotted key paths to raw or bound
     * values ({@code loss.beta -> 4}). Cross-field rules are checked on the result.
     */
    public static BindResult<RunConfig> override(RunConfig config, Map<String, ?> values) {
        return SpecBinder.override(config, values);
    }

    /** The value at a dotted path of a tree (see {@link #splitPath}), or null when absent. */
    public static Object get(Map<String, ?> tree, String path) {
        Object node = tree;
        for (String segment : splitPath(path)) {
            if (!(node instanceof Map<?, ?> map)) {
                return null;
            }
            node = map.get(segment);
        }
        return node;
    }

    /**
     * Splits a dotted path into tree keys. Under {@code sweep.grid} and {@code sweep.zip} the rest is one
     * key, because sweep keys are themselves dotted: {@code sweep.grid.model.latent_dim} ->
     * [sweep, grid, model.latent_dim].
     */
    public static List<String> splitPath(String path) {
        for (String prefix : List.of("sweep.grid.", "sweep.zip.")) {
            if (path.startsWith(prefix) && path.length() > prefix.length()) {
                return List.of("sweep", prefix.substring(6, prefix.length() - 1), path.substring(prefix.length()));
            }
        }
        return Arrays.asList(path.split("\\.", -1));
    }

    /**
     * Why {@code path} cannot be the target of a {@code --set}, or empty when it can. Targets are name,
     * description, any section or key of the config, sweep, sweep.grid, sweep.zip, sweep.seeds and
     * any key under sweep.grid / sweep.zip (checked when the tree is bound).
     */
    public static Optional<SpecProblem> setTargetProblem(String path) {
        List<String> targets = setTargets();
        if (targets.contains(path) || (path.startsWith("sweep.grid.") || path.startsWith("sweep.zip."))
                && !path.endsWith(".")) {
            return Optional.empty();
        }
        Optional<String> guess = Suggest.closest(path, targets);
        if (guess.isEmpty()) {
            String last = path.substring(path.lastIndexOf('.') + 1);
            guess = Suggest.closest(last, keyPaths().stream().map(p -> p.substring(p.lastIndexOf('.') + 1)).toList())
                    .flatMap(name -> keyPaths().stream().filter(p -> p.endsWith("." + name)).findFirst());
        }
        return Optional.of(new SpecProblem(path, guess.map(g -> "unknown key (did you mean '" + g + "'?)")
                .orElse("unknown key (keys are dotted paths such as model.latent_dim or loss.warmup.schedule)")));
    }

    private static List<String> setTargets() {
        List<String> targets = new ArrayList<>(List.of("name", "description"));
        targets.addAll(SpecKeys.SECTIONS);
        targets.addAll(keyPaths());
        targets.addAll(List.of("sweep", "sweep.grid", "sweep.zip", "sweep.seeds"));
        return targets;
    }

    /**
     * A copy of {@code tree} with the value at {@code path} replaced (created with its parents if absent).
     * The path is not validated here: see {@link #setTargetProblem}; binding the result reports bad values.
     */
    public static Map<String, Object> withValue(Map<String, ?> tree, String path, Object value) {
        @SuppressWarnings("unchecked")
        Map<String, Object> copy = (Map<String, Object>) deepCopy(tree == null ? Map.of() : tree);
        put(copy, splitPath(path), deepCopy(value));
        return copy;
    }

    @SuppressWarnings("unchecked")
    private static void put(Map<String, Object> tree, List<String> segments, Object value) {
        Map<String, Object> node = tree;
        for (String segment : segments.subList(0, segments.size() - 1)) {
            Object child = node.get(segment);
            if (!(child instanceof Map)) {
                child = new LinkedHashMap<String, Object>();
                node.put(segment, child);
            }
            node = (Map<String, Object>) child;
        }
        node.put(segments.get(segments.size() - 1), value);
    }

    private static Object deepCopy(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put(String.valueOf(k), deepCopy(v)));
            return copy;
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>();
            list.forEach(v -> copy.add(deepCopy(v)));
            return copy;
        }
        return value;
    }

    /**
     * A canonical text for a tree, the input of run ids and spec hashes: JSON with keys sorted at every
     * level, no whitespace, and numbers by value ({@code 4}, {@code 4.0} and {@code 4L} all read {@code 4};
     * {@code 0.001} and {@code 1e-3} both {@code 0.001}), so formatting and key order in the spec file
     * never change it. Enum constants are written by their YAML spelling.
     */
    public static String canonical(Map<String, ?> tree) {
        return canonicalValue(tree);
    }

    static String canonicalValue(Object value) {
        StringBuilder out = new StringBuilder();
        writeCanonical(value, out);
        return out.toString();
    }

    private static void writeCanonical(Object value, StringBuilder out) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Boolean b) {
            out.append(b);
        } else if (value instanceof Number n) {
            out.append(SpecValues.formatNumber(n));
        } else if (value instanceof Choice c) {
            writeString(c.yaml(), out);
        } else if (value instanceof Map<?, ?> map) {
            Map<String, Object> sorted = new TreeMap<>();
            map.forEach((k, v) -> sorted.put(String.valueOf(k), v));
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, Object> e : sorted.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                writeString(e.getKey(), out);
                out.append(':');
                writeCanonical(e.getValue(), out);
            }
            out.append('}');
        } else if (value instanceof List<?> list) {
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                writeCanonical(list.get(i), out);
            }
            out.append(']');
        } else {
            writeString(value.toString(), out);
        }
    }

    private static void writeString(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
