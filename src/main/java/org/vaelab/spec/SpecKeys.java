package org.vaelab.spec;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The spec's key schema: every config key with its type, range and place in {@link RunConfig}, plus the
 * rules that involve several keys. The single source of truth for the binder, the records' compact
 * constructors and {@link ConfigTree#toTree}.
 */
final class SpecKeys {
    /** Marks a value that failed to bind (null is a legal value for nullable keys). */
    static final Object INVALID = new Object() {
        @Override
        public String toString() {
            return "<invalid>";
        }
    };

    /** NET: a shorthand word ({@code mlp}, {@code conv}) or a layer list (see {@link LayerTrees}). */
    enum Kind { INT, LONG, FLOAT, BOOL, STRING, CHOICE, INT_LIST, NET }

    /** Inclusive/exclusive numeric bounds; null means unbounded on that side. */
    record Range(Double min, boolean minOpen, Double max, boolean maxOpen) {
        static Range atLeast(double min) {
            return new Range(min, false, null, false);
        }

        static Range above(double min) {
            return new Range(min, true, null, false);
        }

        /** The problem with {@code x}, or null when it is in range. */
        String problem(double x) {
            boolean low = min != null && (minOpen ? x <= min : x < min);
            boolean high = max != null && (maxOpen ? x >= max : x > max);
            if (!low && !high) {
                return null;
            }
            String lo = min == null ? null : (minOpen ? "> " : ">= ") + SpecValues.formatNumber(min);
            String hi = max == null ? null : (maxOpen ? "< " : "<= ") + SpecValues.formatNumber(max);
            if (lo != null && hi != null) {
                if (!minOpen && !maxOpen) {
                    return "must be between " + SpecValues.formatNumber(min) + " and " + SpecValues.formatNumber(max);
                }
                return "must be " + lo + " and " + hi;
            }
            return "must be " + (lo != null ? lo : hi);
        }
    }

    /**
     * One config key.
     *
     * @param path     dotted path, e.g. {@code loss.warmup.epochs}
     * @param kind     value type
     * @param nullable whether null is allowed (and means "not set": all data, no clipping, ...)
     * @param choices  allowed spellings for CHOICE keys
     * @param range    bounds of the number (or of each element of an INT_LIST), or null
     * @param nonEmpty lists and strings must not be empty
     * @param distinct list elements must differ
     * @param getter   reads the key from a config, in bound form (enums as their YAML spelling)
     */
    record Leaf(String path, Kind kind, boolean nullable, List<String> choices, Range range, boolean nonEmpty,
                boolean distinct, Function<RunConfig, Object> getter) {
        String name() {
            return path.substring(path.lastIndexOf('.') + 1);
        }

        String section() {
            return path.substring(0, path.lastIndexOf('.'));
        }
    }

    /**
     * A rule over several keys that one run's config breaks.
     *
     * @param at where inside the key's value, e.g. {@code [3]} for the fourth layer of a list; "" for the key
     */
    record Conflict(String path, String message, List<String> involved, String at) {
        Conflict(String path, String message, List<String> involved) {
            this(path, message, involved, "");
        }
    }

    /**
     * A key that only matters under some setting of another key ("has no effect" when set without it).
     *
     * @param reset true for a run whose config resets the key to its default when unused (see {@link ModelSpec}),
     *              or null: when every run does, no resolved spec can state a non-default value, so a stated
     *              switch does not excuse the key
     */
    record Conditional(String path, List<String> dependsOn, Predicate<Map<String, Object>> active, String reason,
                       Predicate<Map<String, Object>> reset) {
        Conditional(String path, List<String> dependsOn, Predicate<Map<String, Object>> active, String reason) {
            this(path, dependsOn, active, reason, null);
        }
    }

    static final List<String> SECTIONS = List.of("dataset", "model", "loss", "loss.warmup", "train", "eval");
    static final List<String> TOP_LEVEL = List.of("name", "description", "dataset", "model", "loss", "train",
            "eval", "sweep");
    static final List<String> SWEEP_KEYS = List.of("grid", "zip", "seeds");

    static final List<Leaf> LEAVES = List.of(
            choice("dataset.name", DatasetName.class, c -> c.dataset().name()),
            new Leaf("dataset.path", Kind.STRING, true, null, null, true, false, c -> c.dataset().path()),
            integer("dataset.subset", true, Range.atLeast(1), c -> c.dataset().subset()),
            integer("dataset.test_subset", true, Range.atLeast(1), c -> c.dataset().testSubset()),
            new Leaf("dataset.classes", Kind.INT_LIST, true, null, new Range(0.0, false, 9.0, false), true, true,
                    c -> c.dataset().classes()),
            choice("dataset.binarize", Binarize.class, c -> c.dataset().binarize()),
            new Leaf("dataset.dequantize", Kind.BOOL, false, null, null, false, false, c -> c.dataset().dequantize()),
            new Leaf("model.encoder", Kind.NET, false, List.of("mlp", "conv"), null, false, false,
                    c -> net(c.model().encoder(), c.model().encoderLayers())),
            new Leaf("model.decoder", Kind.NET, false, List.of("mlp", "conv"), null, false, false,
                    c -> net(c.model().decoder(), c.model().decoderLayers())),
            new Leaf("model.hidden", Kind.INT_LIST, false, null, Range.atLeast(1), false, false, c -> c.model().hidden()),
            new Leaf("model.channels", Kind.INT_LIST, false, null, Range.atLeast(1), true, false,
                    c -> c.model().channels()),
            choice("model.activation", Activation.class, c -> c.model().activation()),
            integer("model.latent_dim", false, Range.atLeast(1), c -> c.model().latentDim()),
            choice("loss.reconstruction", Reconstruction.class, c -> c.loss().reconstruction()),
            number("loss.beta", false, Range.atLeast(0), c -> c.loss().beta()),
            choice("loss.warmup.schedule", WarmupSchedule.class, c -> c.loss().warmup().schedule()),
            integer("loss.warmup.epochs", false, Range.atLeast(0), c -> c.loss().warmup().epochs()),
            integer("loss.warmup.cycles", false, Range.atLeast(1), c -> c.loss().warmup().cycles()),
            number("loss.warmup.ratio", false, new Range(0.0, true, 1.0, false), c -> c.loss().warmup().ratio()),
            number("loss.free_bits", false, Range.atLeast(0), c -> c.loss().freeBits()),
            integer("loss.mc_samples", false, Range.atLeast(1), c -> c.loss().mcSamples()),
            choice("loss.estimator", Estimator.class, c -> c.loss().estimator()),
            integer("train.epochs", false, Range.atLeast(1), c -> c.train().epochs()),
            integer("train.batch_size", false, Range.atLeast(1), c -> c.train().batchSize()),
            choice("train.optimizer", Optimizer.class, c -> c.train().optimizer()),
            number("train.learning_rate", false, Range.above(0), c -> c.train().learningRate()),
            number("train.grad_clip", true, Range.above(0), c -> c.train().gradClip()),
            new Leaf("train.seed", Kind.LONG, false, null, null, false, false, c -> c.train().seed()),
            choice("train.device", Device.class, c -> c.train().device()),
            number("eval.active_unit_threshold", false, Range.atLeast(0), c -> c.eval().activeUnitThreshold()),
            integer("eval.loglik_samples", false, Range.atLeast(0), c -> c.eval().loglikSamples()),
            integer("eval.loglik_subset", false, Range.atLeast(1), c -> c.eval().loglikSubset()));

    static final Map<String, Leaf> BY_PATH = LEAVES.stream()
            .collect(Collectors.toUnmodifiableMap(Leaf::path, Function.identity()));

    private static final List<String> SCHEDULE = List.of("loss.warmup.schedule");
    private static final List<String> NETS = List.of("model.encoder", "model.decoder");

    /**
     * Keys that only act under another key's setting. Setting one to a non-default value while no run
     * enables it and the switch is never stated is a forgotten switch (warmup epochs without
     * schedule: linear), so it is an error.
     */
    static final List<Conditional> CONDITIONALS = List.of(
            new Conditional("loss.warmup.epochs", SCHEDULE, v -> "linear".equals(v.get("loss.warmup.schedule")),
                    "no run uses loss.warmup.schedule linear (set schedule: linear, or remove the key)"),
            new Conditional("loss.warmup.cycles", SCHEDULE, v -> "cyclical".equals(v.get("loss.warmup.schedule")),
                    "no run uses loss.warmup.schedule cyclical (set schedule: cyclical, or remove the key)"),
            new Conditional("loss.warmup.ratio", SCHEDULE, v -> "cyclical".equals(v.get("loss.warmup.schedule")),
                    "no run uses loss.warmup.schedule cyclical (set schedule: cyclical, or remove the key)"),
            new Conditional("model.hidden", NETS,
                    v -> "mlp".equals(v.get("model.encoder")) || "mlp".equals(v.get("model.decoder")),
                    "no run has an mlp encoder or decoder (remove the key, or set encoder: mlp)", SpecKeys::hasList),
            new Conditional("model.channels", NETS,
                    v -> "conv".equals(v.get("model.encoder")) || "conv".equals(v.get("model.decoder")),
                    "no run has a conv encoder or decoder (remove the key, or set encoder: conv)", SpecKeys::hasList),
            new Conditional("model.activation", NETS,
                    v -> !(v.get("model.encoder") instanceof List) || !(v.get("model.decoder") instanceof List),
                    "every run's encoder and decoder are layer lists, which name their own nonlinearities (remove "
                    + "the key, and write relu, tanh, ... as layers)", SpecKeys::hasList),
            new Conditional("eval.loglik_subset", List.of("eval.loglik_samples"),
                    v -> ((Integer) v.get("eval.loglik_samples")) > 0,
                    "eval.loglik_samples is 0 in every run (remove the key)"));

    private SpecKeys() {
    }

    /** The bound form of a model side: the shorthand's word, or the layer list's canonical tree. */
    private static Object net(NetKind kind, List<LayerSpec> layers) {
        return kind == NetKind.LAYERS ? LayerTrees.tree(layers) : kind.yaml();
    }

    private static boolean hasList(Map<String, Object> v) {
        return v.get("model.encoder") instanceof List || v.get("model.decoder") instanceof List;
    }

    private static Leaf choice(String path, Class<? extends Enum<?>> type, Function<RunConfig, Choice> getter) {
        List<String> spellings = Arrays.stream(type.getEnumConstants()).map(e -> ((Choice) e).yaml()).toList();
        return new Leaf(path, Kind.CHOICE, false, spellings, null, false, false,
                c -> getter.apply(c).yaml());
    }

    private static Leaf integer(String path, boolean nullable, Range range, Function<RunConfig, Object> getter) {
        return new Leaf(path, Kind.INT, nullable, null, range, false, false, getter);
    }

    private static Leaf number(String path, boolean nullable, Range range, Function<RunConfig, Object> getter) {
        return new Leaf(path, Kind.FLOAT, nullable, null, range, false, false, getter);
    }

    static boolean isSection(String path) {
        return SECTIONS.contains(path);
    }

    /** Direct children (key names) of a section in reference order, or of the document when {@code section} is empty. */
    static List<String> children(String section) {
        if (section.isEmpty()) {
            return TOP_LEVEL;
        }
        if (section.equals("sweep")) {
            return SWEEP_KEYS;
        }
        List<String> names = new ArrayList<>();
        for (Leaf leaf : LEAVES) {
            if (leaf.path().startsWith(section + ".")) {
                String rest = leaf.path().substring(section.length() + 1);
                String child = rest.contains(".") ? rest.substring(0, rest.indexOf('.')) : rest;
                if (!names.contains(child)) {
                    names.add(child);
                }
            }
        }
        return names;
    }

    /** Every leaf's value in a config, in bound form, in reference order. */
    static Map<String, Object> leaves(RunConfig config) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Leaf leaf : LEAVES) {
            values.put(leaf.path(), leaf.getter().apply(config));
        }
        return values;
    }

    /** The defaults in bound form; computed on first use because the records' DEFAULTs call back into here. */
    static Map<String, Object> defaults() {
        return Defaults.VALUES;
    }

    private static final class Defaults {
        static final Map<String, Object> VALUES = Collections.unmodifiableMap(leaves(RunConfig.DEFAULT));
    }

    /** Builds the records from bound leaf values (which must be complete and valid). */
    static RunConfig fromLeaves(Map<String, Object> v) {
        DatasetSpec dataset = new DatasetSpec(choiceOf(DatasetName.class, v.get("dataset.name")),
                (String) v.get("dataset.path"), (Integer) v.get("dataset.subset"), (Integer) v.get("dataset.test_subset"),
                intList(v.get("dataset.classes")), choiceOf(Binarize.class, v.get("dataset.binarize")),
                (Boolean) v.get("dataset.dequantize"));
        ModelSpec model = model(v);
        WarmupSpec warmup = new WarmupSpec(choiceOf(WarmupSchedule.class, v.get("loss.warmup.schedule")),
                (Integer) v.get("loss.warmup.epochs"), (Integer) v.get("loss.warmup.cycles"),
                (Double) v.get("loss.warmup.ratio"));
        LossSpec loss = new LossSpec(choiceOf(Reconstruction.class, v.get("loss.reconstruction")),
                (Double) v.get("loss.beta"), warmup, (Double) v.get("loss.free_bits"),
                (Integer) v.get("loss.mc_samples"), choiceOf(Estimator.class, v.get("loss.estimator")));
        TrainSpec train = new TrainSpec((Integer) v.get("train.epochs"), (Integer) v.get("train.batch_size"),
                choiceOf(Optimizer.class, v.get("train.optimizer")), (Double) v.get("train.learning_rate"),
                (Double) v.get("train.grad_clip"), (Long) v.get("train.seed"),
                choiceOf(Device.class, v.get("train.device")));
        EvalSpec eval = new EvalSpec((Double) v.get("eval.active_unit_threshold"),
                (Integer) v.get("eval.loglik_samples"), (Integer) v.get("eval.loglik_subset"));
        return new RunConfig(dataset, model, loss, train, eval);
    }

    /** The model section of bound leaf values. */
    private static ModelSpec model(Map<String, Object> v) {
        Object enc = v.get("model.encoder");
        Object dec = v.get("model.decoder");
        return new ModelSpec(enc instanceof List ? NetKind.LAYERS : choiceOf(NetKind.class, enc),
                dec instanceof List ? NetKind.LAYERS : choiceOf(NetKind.class, dec), intList(v.get("model.hidden")),
                intList(v.get("model.channels")), choiceOf(Activation.class, v.get("model.activation")),
                (Integer) v.get("model.latent_dim"),
                enc instanceof List<?> l ? LayerTrees.specs(l) : List.of(),
                dec instanceof List<?> l ? LayerTrees.specs(l) : List.of());
    }

    @SuppressWarnings("unchecked")
    private static List<Integer> intList(Object value) {
        return (List<Integer>) value;
    }

    static <E extends Enum<E> & Choice> E choiceOf(Class<E> type, Object yaml) {
        for (E e : type.getEnumConstants()) {
            if (e.yaml().equals(yaml)) {
                return e;
            }
        }
        throw new IllegalArgumentException("no " + type.getSimpleName() + " spelled " + yaml);
    }

    /**
     * Binds one raw YAML value of a key: checks type and range and returns the bound form (Integer, Long,
     * Double, Boolean, String, List of Integer, or null), or {@link #INVALID} after adding the problems.
     */
    static Object bind(Leaf leaf, Object raw, String path, List<SpecProblem> out) {
        if (raw == null) {
            if (leaf.nullable()) {
                return null;
            }
            out.add(new SpecProblem(path, path.startsWith("sweep.") ? "must not be null"
                    : "must not be null (remove the key to get the default, "
                    + SpecValues.format(defaults().get(leaf.path())) + ")"));
            return INVALID;
        }
        switch (leaf.kind()) {
            case INT, LONG -> {
                return bindInteger(leaf.kind() == Kind.INT, leaf.range(), raw, path, out);
            }
            case FLOAT -> {
                if (!(raw instanceof Number n)) {
                    out.add(new SpecProblem(path, "expected a number (got " + SpecValues.show(raw) + ")"));
                    return INVALID;
                }
                double x = n.doubleValue();
                if (!Double.isFinite(x)) {
                    out.add(new SpecProblem(path, "must be a finite number (got " + SpecValues.show(raw) + ")"));
                    return INVALID;
                }
                String problem = leaf.range() == null ? null : leaf.range().problem(x);
                if (problem != null) {
                    out.add(new SpecProblem(path, problem + " (got " + SpecValues.show(raw) + ")"));
                    return INVALID;
                }
                return x;
            }
            case BOOL -> {
                if (raw instanceof Boolean b) {
                    return b;
                }
                out.add(new SpecProblem(path, "expected true or false (got " + SpecValues.show(raw) + ")"));
                return INVALID;
            }
            case STRING -> {
                if (!(raw instanceof String s)) {
                    out.add(new SpecProblem(path, "expected a string (got " + SpecValues.show(raw)
                            + "; quote it: '" + SpecValues.format(raw) + "')"));
                    return INVALID;
                }
                if (leaf.nonEmpty() && s.isBlank()) {
                    out.add(new SpecProblem(path, "must not be empty (use null, or remove the key, for the default)"));
                    return INVALID;
                }
                return s;
            }
            case CHOICE -> {
                if (raw instanceof String s && leaf.choices().contains(s)) {
                    return s;
                }
                String allowed = String.join(", ", leaf.choices());
                Optional<String> guess = raw instanceof String s ? Suggest.closest(s, leaf.choices()) : Optional.empty();
                out.add(new SpecProblem(path, "unknown value " + SpecValues.show(raw) + " (allowed: " + allowed
                        + guess.map(g -> "; did you mean '" + g + "'?").orElse("") + ")"));
                return INVALID;
            }
            case INT_LIST -> {
                if (!(raw instanceof List<?> list)) {
                    String hint = raw instanceof Number ? "; write [" + SpecValues.format(raw) + "]" : "";
                    out.add(new SpecProblem(path, "expected a list of integers (got " + SpecValues.show(raw) + hint + ")"));
                    return INVALID;
                }
                if (leaf.nonEmpty() && list.isEmpty()) {
                    out.add(new SpecProblem(path, "must not be empty (got [])"));
                    return INVALID;
                }
                List<Integer> bound = new ArrayList<>();
                boolean ok = true;
                Map<Object, Integer> seen = new HashMap<>();
                for (int i = 0; i < list.size(); i++) {
                    Object e = bindInteger(true, leaf.range(), list.get(i), path + "[" + i + "]", out);
                    if (e == INVALID) {
                        ok = false;
                        continue;
                    }
                    Integer first = seen.putIfAbsent(e, i);
                    if (leaf.distinct() && first != null) {
                        out.add(new SpecProblem(path + "[" + i + "]", "repeats " + path + "[" + first + "] ("
                                + e + "); list each value once"));
                        ok = false;
                    }
                    bound.add((Integer) e);
                }
                return ok ? Collections.unmodifiableList(bound) : INVALID;
            }
            case NET -> {
                if (raw instanceof String s && leaf.choices().contains(s)) {
                    return s;
                }
                if (raw instanceof List<?> list) {
                    return LayerTrees.bindList(list, path, out);
                }
                Optional<String> guess = raw instanceof String s ? Suggest.closest(s, leaf.choices()) : Optional.empty();
                out.add(new SpecProblem(path, "expected mlp, conv or a list of layers (got " + SpecValues.show(raw)
                        + guess.map(g -> "; did you mean '" + g + "'?").orElse(raw instanceof Map
                        ? "; a layer list is a YAML list: put '- ' before each layer" : "") + ")"));
                return INVALID;
            }
            default -> throw new AssertionError(leaf.kind());
        }
    }

    static Object bindInteger(boolean asInt, Range range, Object raw, String path, List<SpecProblem> out) {
        if (raw == null || !(raw instanceof Integer || raw instanceof Long || raw instanceof BigInteger)) {
            out.add(new SpecProblem(path, "expected an integer (got " + SpecValues.show(raw) + ")"));
            return INVALID;
        }
        BigInteger big = raw instanceof BigInteger b ? b : BigInteger.valueOf(((Number) raw).longValue());
        long lo = asInt ? Integer.MIN_VALUE : Long.MIN_VALUE;
        long hi = asInt ? Integer.MAX_VALUE : Long.MAX_VALUE;
        if (big.compareTo(BigInteger.valueOf(hi)) > 0) {
            out.add(new SpecProblem(path, "must be <= " + hi + " (got " + big + ")"));
            return INVALID;
        }
        if (big.compareTo(BigInteger.valueOf(lo)) < 0) {
            out.add(new SpecProblem(path, "must be >= " + lo + " (got " + big + ")"));
            return INVALID;
        }
        String problem = range == null ? null : range.problem(big.doubleValue());
        if (problem != null) {
            out.add(new SpecProblem(path, problem + " (got " + big + ")"));
            return INVALID;
        }
        return asInt ? (Object) big.intValue() : (Object) big.longValue();
    }

    /** For the records' compact constructors: throws IllegalArgumentException if {@code value} is not allowed. */
    static void require(String path, Object value) {
        Leaf leaf = Objects.requireNonNull(BY_PATH.get(path), path);
        if (value instanceof Choice) {
            return; // a non-null enum constant is always allowed
        }
        List<SpecProblem> problems = new ArrayList<>();
        Object raw = value instanceof Float f ? (Object) f.doubleValue() : value;
        if (leaf.kind() == Kind.CHOICE && raw == null) {
            problems.add(new SpecProblem(path, "must not be null"));
        } else if (leaf.kind() != Kind.CHOICE) {
            bind(leaf, raw, path, problems);
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(problems.stream().map(SpecProblem::toString)
                    .collect(Collectors.joining("; ")));
        }
    }

    /** The rules over several keys that one run's bound config breaks. */
    static List<Conflict> conflicts(Map<String, Object> v) {
        List<Conflict> out = new ArrayList<>();
        if ("idx".equals(v.get("dataset.name")) && v.get("dataset.path") == null) {
            out.add(new Conflict("dataset.name", "'idx' needs dataset.path, a folder holding the four IDX files "
                    + "(add dataset.path, or use mnist or fashion-mnist)", List.of("dataset.name", "dataset.path")));
        }
        if (Boolean.TRUE.equals(v.get("dataset.dequantize")) && !"none".equals(v.get("dataset.binarize"))) {
            out.add(new Conflict("dataset.dequantize", "cannot be combined with dataset.binarize "
                    + v.get("dataset.binarize") + ": binarised pixels are already 0/1 (set dequantize: false "
                    + "or binarize: none)", List.of("dataset.dequantize", "dataset.binarize")));
        }
        List<?> classes = (List<?>) v.get("dataset.classes");
        int kept = classes == null ? 10 : classes.size();
        for (String key : List.of("dataset.subset", "dataset.test_subset")) {
            Integer n = (Integer) v.get(key);
            if (n != null && n < kept) {
                out.add(new Conflict(key, "must be >= the number of classes kept (" + kept + ") so that the "
                        + "stratified subset holds every class (got " + n + ")", List.of(key, "dataset.classes")));
            }
        }
        if ("linear".equals(v.get("loss.warmup.schedule")) && Integer.valueOf(0).equals(v.get("loss.warmup.epochs"))) {
            out.add(new Conflict("loss.warmup.epochs", "must be >= 1 when loss.warmup.schedule is linear (got 0)",
                    List.of("loss.warmup.epochs", "loss.warmup.schedule")));
        }
        if ("iwae".equals(v.get("loss.estimator")) && ((Double) v.get("loss.free_bits")) > 0) {
            out.add(new Conflict("loss.free_bits", "cannot be combined with loss.estimator iwae: free bits clamp "
                    + "the KL term, which the importance-weighted bound does not have (got "
                    + SpecValues.formatNumber((Double) v.get("loss.free_bits")) + "; set free_bits: 0 or estimator: elbo)",
                    List.of("loss.free_bits", "loss.estimator")));
        }
        DatasetName data = choiceOf(DatasetName.class, v.get("dataset.name"));
        if (data.rows() > 0 && (v.get("model.encoder") instanceof List || v.get("model.decoder") instanceof List)) {
            // Shapes are known before any data is read for the built-in data sets; idx images are checked when built.
            for (LayerLists.LayerProblem p : LayerLists.problems(model(v), data.rows(), data.cols())) {
                String key = "model." + p.side();
                List<String> involved = p.side().equals("encoder") ? List.of(key, "dataset.name")
                        : List.of(key, "model.latent_dim", "dataset.name");
                out.add(new Conflict(key, p.message(), involved, p.index() < 0 ? "" : "[" + p.index() + "]"));
            }
        }
        return out;
    }
}
