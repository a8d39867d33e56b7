package org.vaelab.spec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Layer lists as they stand in a spec tree: binds the YAML of {@code model.encoder}/{@code model.decoder}
 * lists ({@code {conv: 32, kernel: 5}}, {@code relu}, ...) into a canonical tree, and converts between that
 * tree and {@link LayerSpec}s.
 *
 * <p>The canonical tree is the bound form the binder, the sweep and the run id work on: a list whose items
 * are the bare word of a layer without options ({@code relu}, {@code flatten}, {@code layernorm}) or a map
 * stating every option, defaults included, in a fixed order ({@code {conv: 16, kernel: 3, stride: 1,
 * padding: 0}}), so {@code {conv: 16}} and {@code {conv: 16, kernel: 3}} are the same model with the same id.
 * A square kernel (or padding) is one number, a rectangular one {@code [h, w]}.
 */
final class LayerTrees {
    /** Every layer word, in the order the docs list them. */
    static final List<String> KINDS = List.of("linear", "conv", "conv_transpose", "maxpool", "upsample",
            "layernorm", "batchnorm", "relu", "leaky_relu", "elu", "tanh", "sigmoid", "flatten", "reshape");

    /** Words that are a whole layer by themselves. */
    private static final List<String> BARE = List.of("layernorm", "batchnorm", "relu", "leaky_relu", "elu", "tanh",
            "sigmoid", "flatten");

    private static final List<String> CONV_OPTIONS = List.of("kernel", "stride", "padding");
    private static final List<String> CONV_T_OPTIONS = List.of("kernel", "stride", "padding", "output_padding");

    /** PyTorch's names for our layers and options (compared after {@link Suggest#fold}). */
    private static final Map<String, String> ALIASES = Map.ofEntries(
            Map.entry("conv2d", "conv"),
            Map.entry("convtranspose2d", "conv_transpose"),
            Map.entry("deconv", "conv_transpose"),
            Map.entry("maxpool2d", "maxpool"),
            Map.entry("upsamplingnearest2d", "upsample"),
            Map.entry("batchnorm1d", "batchnorm"),
            Map.entry("batchnorm2d", "batchnorm"),
            Map.entry("dense", "linear"),
            Map.entry("view", "reshape"),
            Map.entry("unflatten", "reshape"),
            Map.entry("kernelsize", "kernel"));

    /** How to write each layer that needs a value, for messages. */
    private static final Map<String, String> EXAMPLES = Map.of(
            "linear", "{linear: 256}",
            "conv", "{conv: 32, kernel: 3, stride: 1, padding: 0}",
            "conv_transpose", "{conv_transpose: 32, kernel: 3, stride: 2, padding: 1, output_padding: 1}",
            "maxpool", "{maxpool: 2}",
            "upsample", "{upsample: 2}",
            "reshape", "{reshape: [64, 7, 7]}");

    private LayerTrees() {
    }

    // ---------------------------------------------------------------- binding YAML

    /**
     * Binds a raw YAML list of layers: the canonical tree (an unmodifiable list), or {@link SpecKeys#INVALID}
     * after adding a problem for every bad item, at {@code path[i]} or at the option's key.
     */
    static Object bindList(List<?> raw, String path, List<SpecProblem> out) {
        List<Object> tree = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < raw.size(); i++) {
            Object item = bindLayer(raw.get(i), path + "[" + i + "]", out);
            ok &= item != SpecKeys.INVALID;
            tree.add(item);
        }
        return ok ? Collections.unmodifiableList(tree) : SpecKeys.INVALID;
    }

    private static Object bindLayer(Object raw, String path, List<SpecProblem> out) {
        if (raw instanceof String word) {
            if (BARE.contains(word)) {
                return word;
            }
            if (KINDS.contains(word)) {
                out.add(new SpecProblem(path, word + " needs a value: write " + EXAMPLES.get(word)));
            } else {
                out.add(new SpecProblem(path, unknownLayer(word)));
            }
            return SpecKeys.INVALID;
        }
        if (!(raw instanceof Map<?, ?> map) || map.isEmpty()) {
            out.add(new SpecProblem(path, "expected a layer such as relu or {linear: 256} (got "
                    + (raw instanceof List ? "a list: a layer list holds layers, not lists" : SpecValues.show(raw))
                    + ")"));
            return SpecKeys.INVALID;
        }
        List<String> kinds = map.keySet().stream().map(String::valueOf).filter(KINDS::contains).toList();
        if (kinds.size() > 1) {
            out.add(new SpecProblem(path, "holds " + kinds.size() + " layers (" + String.join(", ", kinds)
                    + "); write one layer per list item"));
            return SpecKeys.INVALID;
        }
        if (kinds.isEmpty()) {
            String first = String.valueOf(map.keySet().iterator().next());
            out.add(new SpecProblem(path + "." + first, unknownLayer(first)));
            return SpecKeys.INVALID;
        }
        String kind = kinds.get(0);
        Object value = map.get(kind);
        boolean ok = true;
        for (Object k : map.keySet()) {
            String key = String.valueOf(k);
            if (!key.equals(kind) && !options(kind).contains(key)) {
                out.add(new SpecProblem(path + "." + key, unknownOption(kind, key)));
                ok = false;
            }
        }
        String at = path + "." + kind;
        if (BARE.contains(kind)) {
            if (value != null) {
                out.add(new SpecProblem(at, kind + " takes no value (got " + SpecValues.show(value) + "; write - "
                        + kind + (kind.equals("leaky_relu") ? ", whose slope is PyTorch's default 0.01"
                        : kind.equals("elu") ? ", whose alpha is PyTorch's default 1" : "") + ")"));
                return SpecKeys.INVALID;
            }
            return ok ? kind : SpecKeys.INVALID;
        }
        Map<String, Object> tree = new LinkedHashMap<>();
        switch (kind) {
            case "linear", "maxpool", "upsample" -> tree.put(kind, positive(value, at, out));
            case "reshape" -> tree.put(kind, chw(value, at, out));
            case "conv", "conv_transpose" -> {
                tree.put(kind, positive(value, at, out));
                tree.put("kernel", pair(map.containsKey("kernel") ? map.get("kernel") : 3L, 1, false,
                        path + ".kernel", out));
                tree.put("stride", positive(map.containsKey("stride") ? map.get("stride") : 1L, path + ".stride", out));
                tree.put("padding", pair(map.containsKey("padding") ? map.get("padding") : 0L, 0,
                        kind.equals("conv"), path + ".padding", out));
                if (kind.equals("conv_transpose")) {
                    tree.put("output_padding", pair(map.containsKey("output_padding") ? map.get("output_padding") : 0L,
                            0, false, path + ".output_padding", out));
                }
            }
            default -> throw new AssertionError(kind);
        }
        if (!ok || tree.containsValue(SpecKeys.INVALID)) {
            return SpecKeys.INVALID;
        }
        return Collections.unmodifiableMap(tree);
    }

    private static List<String> options(String kind) {
        return switch (kind) {
            case "conv" -> CONV_OPTIONS;
            case "conv_transpose" -> CONV_T_OPTIONS;
            default -> List.of();
        };
    }

    private static String unknownLayer(String word) {
        Optional<String> guess = closest(word, KINDS);
        return "unknown layer '" + word + "' (" + guess.map(g -> "did you mean " + g + "?")
                .orElse("layers: " + String.join(", ", KINDS)) + ")";
    }

    private static String unknownOption(String kind, String key) {
        if (options(kind).isEmpty()) {
            return "unknown option: " + kind + " takes only its value, e.g. "
                    + EXAMPLES.getOrDefault(kind, "- " + kind) + (kind.equals("maxpool")
                    ? " (the stride is the window, as nn.MaxPool2d(k))" : "");
        }
        String folded = Suggest.fold(key);
        if (folded.equals("inchannels")) {
            return "unknown option: the input channels come from the layer before; remove in_channels";
        }
        if (folded.equals("outchannels")) {
            return "unknown option: the output channels are " + kind + "'s value, e.g. {" + kind + ": 32}";
        }
        Optional<String> guess = closest(key, options(kind));
        return "unknown option of " + kind + " (" + guess.map(g -> "did you mean " + g + "?")
                .orElse("options: " + String.join(", ", options(kind))) + ")";
    }

    private static Optional<String> closest(String word, List<String> candidates) {
        String alias = ALIASES.get(Suggest.fold(word));
        if (alias != null && candidates.contains(alias)) {
            return Optional.of(alias);
        }
        return Suggest.closest(word, candidates);
    }

    private static Object positive(Object raw, String path, List<SpecProblem> out) {
        return SpecKeys.bindInteger(true, SpecKeys.Range.atLeast(1), raw, path, out);
    }

    /** One number for both axes, or {@code [h, w]}; 'same' where {@code sameAllowed}. */
    private static Object pair(Object raw, int min, boolean sameAllowed, String path, List<SpecProblem> out) {
        if (sameAllowed && "same".equals(raw)) {
            return "same";
        }
        if (raw instanceof List<?> list) {
            if (list.size() != 2) {
                out.add(new SpecProblem(path, "expected one integer or [height, width] (got "
                        + SpecValues.show(raw) + ")"));
                return SpecKeys.INVALID;
            }
            Object h = SpecKeys.bindInteger(true, SpecKeys.Range.atLeast(min), list.get(0), path + "[0]", out);
            Object w = SpecKeys.bindInteger(true, SpecKeys.Range.atLeast(min), list.get(1), path + "[1]", out);
            if (h == SpecKeys.INVALID || w == SpecKeys.INVALID) {
                return SpecKeys.INVALID;
            }
            return h.equals(w) ? h : List.of(h, w);
        }
        if (raw instanceof String s && !sameAllowed && s.equals("same")) {
            out.add(new SpecProblem(path, "'same' is allowed only for conv; give a number"));
            return SpecKeys.INVALID;
        }
        if (raw instanceof String s) {
            out.add(new SpecProblem(path, "expected an integer" + (sameAllowed ? ", [height, width] or 'same'"
                    : " or [height, width]") + " (got " + SpecValues.show(s) + ")"));
            return SpecKeys.INVALID;
        }
        return SpecKeys.bindInteger(true, SpecKeys.Range.atLeast(min), raw, path, out);
    }

    private static Object chw(Object raw, String path, List<SpecProblem> out) {
        if (!(raw instanceof List<?> list) || list.size() != 3) {
            out.add(new SpecProblem(path, "expected [C, H, W], three positive integers (got " + SpecValues.show(raw)
                    + ")"));
            return SpecKeys.INVALID;
        }
        List<Object> bound = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            bound.add(positive(list.get(i), path + "[" + i + "]", out));
        }
        return bound.contains(SpecKeys.INVALID) ? SpecKeys.INVALID : List.copyOf(bound);
    }

    // ---------------------------------------------------------------- tree <-> LayerSpec

    /** The layers of a canonical tree (as {@link #bindList} returns it). */
    static List<LayerSpec> specs(List<?> tree) {
        List<LayerSpec> layers = new ArrayList<>();
        for (Object item : tree) {
            layers.add(spec(item));
        }
        return List.copyOf(layers);
    }

    private static LayerSpec spec(Object item) {
        if (item instanceof String word) {
            return switch (word) {
                case "layernorm" -> new LayerSpec.LayerNorm();
                case "batchnorm" -> new LayerSpec.BatchNorm();
                case "flatten" -> new LayerSpec.Flatten();
                default -> new LayerSpec.Act(nonlinearity(word));
            };
        }
        Map<?, ?> map = (Map<?, ?>) item;
        if (map.containsKey("linear")) {
            return new LayerSpec.Linear(integer(map.get("linear")));
        }
        if (map.containsKey("maxpool")) {
            return new LayerSpec.MaxPool(integer(map.get("maxpool")));
        }
        if (map.containsKey("upsample")) {
            return new LayerSpec.Upsample(integer(map.get("upsample")));
        }
        if (map.containsKey("reshape")) {
            List<?> chw = (List<?>) map.get("reshape");
            return new LayerSpec.Reshape(integer(chw.get(0)), integer(chw.get(1)), integer(chw.get(2)));
        }
        int[] k = axes(map.get("kernel"));
        int stride = integer(map.get("stride"));
        if (map.containsKey("conv")) {
            boolean same = "same".equals(map.get("padding"));
            int[] p = same ? new int[] {0, 0} : axes(map.get("padding"));
            return new LayerSpec.Conv(integer(map.get("conv")), k[0], k[1], stride, p[0], p[1], same);
        }
        int[] p = axes(map.get("padding"));
        int[] op = axes(map.get("output_padding"));
        return new LayerSpec.ConvTranspose(integer(map.get("conv_transpose")), k[0], k[1], stride, p[0], p[1],
                op[0], op[1]);
    }

    private static LayerSpec.Nonlinearity nonlinearity(String word) {
        for (LayerSpec.Nonlinearity n : LayerSpec.Nonlinearity.values()) {
            if (n.yaml().equals(word)) {
                return n;
            }
        }
        throw new IllegalArgumentException("not a layer: " + word);
    }

    private static int integer(Object x) {
        return ((Number) x).intValue();
    }

    private static int[] axes(Object x) {
        if (x instanceof List<?> l) {
            return new int[] {integer(l.get(0)), integer(l.get(1))};
        }
        return new int[] {integer(x), integer(x)};
    }

    /** The canonical tree of a layer list: what the spec file would state for it, every option included. */
    static List<Object> tree(List<LayerSpec> layers) {
        List<Object> tree = new ArrayList<>();
        for (LayerSpec layer : layers) {
            tree.add(tree(layer));
        }
        return Collections.unmodifiableList(tree);
    }

    /** One layer's canonical tree item. */
    static Object tree(LayerSpec layer) {
        Map<String, Object> map = new LinkedHashMap<>();
        if (layer instanceof LayerSpec.Linear l) {
            map.put("linear", l.features());
        } else if (layer instanceof LayerSpec.MaxPool p) {
            map.put("maxpool", p.k());
        } else if (layer instanceof LayerSpec.Upsample u) {
            map.put("upsample", u.k());
        } else if (layer instanceof LayerSpec.Reshape r) {
            map.put("reshape", List.of(r.channels(), r.height(), r.width()));
        } else if (layer instanceof LayerSpec.Conv c) {
            map.put("conv", c.channels());
            map.put("kernel", axes(c.kh(), c.kw()));
            map.put("stride", c.stride());
            map.put("padding", c.same() ? "same" : axes(c.padH(), c.padW()));
        } else if (layer instanceof LayerSpec.ConvTranspose c) {
            map.put("conv_transpose", c.channels());
            map.put("kernel", axes(c.kh(), c.kw()));
            map.put("stride", c.stride());
            map.put("padding", axes(c.padH(), c.padW()));
            map.put("output_padding", axes(c.outPadH(), c.outPadW()));
        } else {
            return layer.kind(); // the options-free kinds are their word
        }
        return Collections.unmodifiableMap(map);
    }

    private static Object axes(int h, int w) {
        return h == w ? (Object) h : List.of(h, w);
    }

    /** True for a bound layer-list tree (a list of layer words and maps), as opposed to a list of integers. */
    static boolean isTree(Object value) {
        return value instanceof List<?> list && !list.isEmpty()
                && list.stream().allMatch(x -> x instanceof Map || x instanceof String);
    }

    /** The layers' labels joined by '-': {@code conv16k3s2p1-relu-conv32k3s2p1-relu}. */
    static String label(List<?> tree) {
        return specs(tree).stream().map(LayerSpec::label).collect(Collectors.joining("-"));
    }

    /** One layer as the spec would write it, without braces: {@code conv: 16, kernel: 3, stride: 2, padding: 1}. */
    static String describe(LayerSpec layer) {
        Object item = tree(layer);
        if (item instanceof Map<?, ?> map) {
            return map.entrySet().stream().map(e -> e.getKey() + ": " + (e.getValue() instanceof List<?> l
                    ? l.stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]"))
                    : String.valueOf(e.getValue()))).collect(Collectors.joining(", "));
        }
        return item.toString();
    }
}
