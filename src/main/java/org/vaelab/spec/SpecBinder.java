package org.vaelab.spec;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Binds a spec tree over the defaults, collecting every problem instead of stopping at the first.
 * One instance binds one tree; see {@link ConfigTree} for the public entry points.
 */
final class SpecBinder {
    private final List<SpecProblem> problems = new ArrayList<>();
    /** Leaf paths whose base value failed to bind: rules that read them are skipped, not reported twice. */
    private final Set<String> bad = new HashSet<>();
    /** Config keys with at least one invalid sweep value. */
    private final Set<String> badSwept = new HashSet<>();
    /** The resolved base config as bound leaf values, defaults where the tree is silent. */
    private final Map<String, Object> base = new LinkedHashMap<>(SpecKeys.defaults());
    /** Base keys the tree sets to something other than the default. */
    private final Set<String> explicit = new LinkedHashSet<>();
    /** Base keys the tree states at all, default value or not. */
    private final Set<String> stated = new HashSet<>();

    /** One swept key: its values in file order ({@link SpecKeys#INVALID} where binding failed). */
    private record Varied(String source, String key, List<Object> values) {
        String sourceOf(int i) {
            return source + "." + key + "[" + i + "]";
        }
    }

    private SpecBinder() {
    }

    // ---------------------------------------------------------------- entry points

    static BindResult<ExperimentSpec> bindSpec(Map<String, ?> tree, String defaultName) {
        SpecBinder b = new SpecBinder();
        String name = null;
        String description = "";
        Object sweepNode = null;
        Map<String, ?> root = tree == null ? Map.of() : tree;
        for (Map.Entry<String, ?> e : root.entrySet()) {
            String key = e.getKey();
            Object value = e.getValue();
            switch (key) {
                case "name" -> name = b.bindName(value);
                case "description" -> {
                    if (value == null) {
                        description = "";
                    } else if (value instanceof String s) {
                        description = s;
                    } else {
                        b.problem("description", "expected text (got " + SpecValues.show(value) + "; quote it)");
                    }
                }
                case "sweep" -> sweepNode = value;
                default -> {
                    if (SpecKeys.isSection(key)) {
                        b.bindSection(key, value);
                    } else {
                        b.unknownKey("", key);
                    }
                }
            }
        }
        if (!root.containsKey("name")) {
            name = b.defaultName(defaultName);
        }
        List<Varied> grid = new ArrayList<>();
        List<Varied> zip = new ArrayList<>();
        List<Long> seeds = new ArrayList<>();
        if (b.bindSweep(sweepNode, grid, zip, seeds)) {
            b.checkRuns(grid, zip, Set.of());
        } else {
            // The runs cannot be enumerated: check the base alone, minus every rule a swept key takes part in.
            Set<String> swept = new HashSet<>();
            concat(grid, zip).forEach(v -> swept.add(v.key()));
            b.checkRuns(List.of(), List.of(), swept);
        }
        if (!b.problems.isEmpty() || name == null) {
            return BindResult.failed(b.problems);
        }
        Map<String, List<Object>> gridValues = new LinkedHashMap<>();
        grid.forEach(v -> gridValues.put(v.key(), v.values()));
        Map<String, List<Object>> zipValues = new LinkedHashMap<>();
        zip.forEach(v -> zipValues.put(v.key(), v.values()));
        return BindResult.of(new ExperimentSpec(name, description, SpecKeys.fromLeaves(b.base),
                new SweepSpec(gridValues, zipValues, seeds)));
    }

    static BindResult<RunConfig> bindConfig(Map<String, ?> tree) {
        SpecBinder b = new SpecBinder();
        Map<String, ?> root = tree == null ? Map.of() : tree;
        for (Map.Entry<String, ?> e : root.entrySet()) {
            if (SpecKeys.isSection(e.getKey()) && !e.getKey().contains(".")) {
                b.bindSection(e.getKey(), e.getValue());
            } else {
                b.problem(e.getKey(), "unknown key (a run config has only dataset, model, loss, train and eval)");
            }
        }
        return b.finishConfig();
    }

    static BindResult<RunConfig> override(RunConfig config, Map<String, ?> values) {
        SpecBinder b = new SpecBinder();
        b.base.putAll(SpecKeys.leaves(config));
        for (Map.Entry<String, ?> e : values.entrySet()) {
            SpecKeys.Leaf leaf = SpecKeys.BY_PATH.get(e.getKey());
            if (leaf == null) {
                b.problem(e.getKey(), unknownDottedKeyMessage(e.getKey()));
                continue;
            }
            Object x = SpecKeys.bind(leaf, e.getValue(), e.getKey(), b.problems);
            if (x == SpecKeys.INVALID) {
                b.bad.add(e.getKey());
            } else {
                b.base.put(e.getKey(), x);
            }
        }
        return b.finishConfig();
    }

    private BindResult<RunConfig> finishConfig() {
        for (SpecKeys.Conflict c : SpecKeys.conflicts(base)) {
            if (c.involved().stream().noneMatch(bad::contains)) {
                problem(c.path() + c.at(), c.message());
            }
        }
        return problems.isEmpty() ? BindResult.of(SpecKeys.fromLeaves(base)) : BindResult.failed(problems);
    }

    // ---------------------------------------------------------------- base config

    private void problem(String path, String message) {
        SpecProblem p = new SpecProblem(path, message);
        if (!problems.contains(p)) {
            problems.add(p);
        }
    }

    private String bindName(Object value) {
        if (!(value instanceof String s) || s.isEmpty()) {
            problem("name", "expected a name matching " + ExperimentSpec.NAME.pattern() + " (got "
                    + SpecValues.show(value) + ")");
            return null;
        }
        if (!ExperimentSpec.NAME.matcher(s).matches()) {
            problem("name", "must match " + ExperimentSpec.NAME.pattern() + ": lower case letters, digits, '.', "
                    + "'_' and '-' (got '" + s + "'; e.g. '" + slug(s) + "')");
            return null;
        }
        return s;
    }

    /** A spec without {@code name:} is named after its file; the loader passes the file name's stem. */
    private String defaultName(String fileStem) {
        if (fileStem == null) {
            problem("name", "missing (add name: my-sweep)");
            return null;
        }
        if (!ExperimentSpec.NAME.matcher(fileStem).matches()) {
            problem("name", "missing, and the file name '" + fileStem + "' is not a valid name (add name: "
                    + slug(fileStem) + ")");
            return null;
        }
        return fileStem;
    }

    static String slug(String s) {
        String slug = s.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-")
                .replaceAll("^[._-]+", "");
        return slug.isEmpty() ? "my-sweep" : slug.substring(0, Math.min(100, slug.length()));
    }

    private void bindSection(String path, Object value) {
        if (value == null) {
            return; // "model:" with nothing under it: an empty section changes nothing
        }
        if (!(value instanceof Map<?, ?> map)) {
            problem(path, "expected a map of " + path + " keys (got " + SpecValues.show(value)
                    + sectionHint(path, value) + ")");
            return;
        }
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = String.valueOf(e.getKey());
            String child = path + "." + key;
            if (SpecKeys.isSection(child)) {
                bindSection(child, e.getValue());
                continue;
            }
            SpecKeys.Leaf leaf = SpecKeys.BY_PATH.get(child);
            if (leaf == null) {
                unknownKey(path, key);
                continue;
            }
            stated.add(child);
            Object x = SpecKeys.bind(leaf, e.getValue(), child, problems);
            if (x == SpecKeys.INVALID) {
                bad.add(child);
            } else {
                base.put(child, x);
                if (!Objects.equals(x, SpecKeys.defaults().get(child))) {
                    explicit.add(child);
                }
            }
        }
    }

    /** {@code warmup: linear} most likely means {@code warmup: {schedule: linear}}: say so. */
    private static String sectionHint(String section, Object value) {
        for (SpecKeys.Leaf leaf : SpecKeys.LEAVES) {
            if (leaf.section().equals(section) && leaf.choices() != null && leaf.choices().contains(value)) {
                String name = section.substring(section.lastIndexOf('.') + 1);
                return "; write " + name + ": {" + leaf.name() + ": " + value + "}";
            }
        }
        return "";
    }

    private void unknownKey(String section, String key) {
        String path = section.isEmpty() ? key : section + "." + key;
        List<String> siblings = SpecKeys.children(section);
        Optional<String> guess = Suggest.closest(key, siblings);
        if (guess.isEmpty()) {
            guess = misplaced(key).filter(p -> !p.equals(path));
        }
        problem(path, guess.map(g -> "unknown key (did you mean '" + g + "'?)")
                .orElse("unknown key (allowed: " + String.join(", ", siblings) + ")"));
    }

    /** A key that exists in another section ({@code model.beta} -> {@code loss.beta}), as a full path. */
    private static Optional<String> misplaced(String key) {
        List<String> paths = new ArrayList<>(SpecKeys.SECTIONS);
        SpecKeys.LEAVES.forEach(l -> paths.add(l.path()));
        // Prefer the shallower key: "epochs" outside any section means train.epochs, not loss.warmup.epochs.
        paths.sort(Comparator.comparingLong(p -> p.chars().filter(ch -> ch == '.').count()));
        Map<String, String> byName = new LinkedHashMap<>();
        for (String p : paths) {
            byName.putIfAbsent(p.substring(p.lastIndexOf('.') + 1), p);
        }
        return Suggest.closest(key, byName.keySet()).map(byName::get);
    }

    /** Message for an unknown full dotted key (sweep keys, overrides): suggestions are full paths too. */
    static String unknownDottedKeyMessage(String key) {
        if (SpecKeys.isSection(key)) {
            return "is a section, not a key: vary single keys such as " + key + "."
                    + SpecKeys.children(key).get(0);
        }
        if (key.equals("name") || key.equals("description") || key.equals("sweep") || key.startsWith("sweep.")) {
            return "cannot be swept: only dataset, model, loss, train and eval keys vary between runs";
        }
        List<String> paths = SpecKeys.LEAVES.stream().map(SpecKeys.Leaf::path).toList();
        Optional<String> guess = Suggest.closest(key, paths);
        if (guess.isEmpty()) {
            guess = misplaced(key.substring(key.lastIndexOf('.') + 1)).filter(SpecKeys.BY_PATH::containsKey);
        }
        return guess.map(g -> "unknown key (did you mean '" + g + "'?)")
                .orElse("unknown key (sweep keys are dotted config keys such as model.latent_dim or loss.beta)");
    }

    // ---------------------------------------------------------------- sweep

    /** Binds the sweep section; false when its shape is too broken to enumerate runs from it. */
    private boolean bindSweep(Object node, List<Varied> grid, List<Varied> zip, List<Long> seeds) {
        if (node == null) {
            return true;
        }
        if (!(node instanceof Map<?, ?> map)) {
            problem("sweep", "expected a map with grid, zip and seeds (got " + SpecValues.show(node) + ")");
            return false;
        }
        boolean ok = true;
        int seedCount = 0;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = String.valueOf(e.getKey());
            switch (key) {
                case "grid" -> ok &= bindVaried("sweep.grid", e.getValue(), grid);
                case "zip" -> ok &= bindVaried("sweep.zip", e.getValue(), zip);
                case "seeds" -> {
                    ok &= bindSeeds(e.getValue(), seeds);
                    seedCount = e.getValue() instanceof List<?> l ? l.size() : 0;
                }
                default -> unknownKey("sweep", key);
            }
        }
        ok &= checkZipLengths(zip);
        for (Varied z : zip) {
            if (grid.stream().anyMatch(g -> g.key().equals(z.key()))) {
                problem("sweep.zip." + z.key(), "also in sweep.grid (vary a key in grid or in zip, not both)");
                ok = false;
            }
        }
        if (seedCount > 0) {
            for (Varied v : concat(grid, zip)) {
                if (v.key().equals("train.seed")) {
                    problem(v.source() + ".train.seed", "cannot vary train.seed while sweep.seeds is set "
                            + "(use one or the other)");
                    ok = false;
                }
            }
        }
        Map<String, Integer> sizes = new LinkedHashMap<>();
        grid.forEach(v -> sizes.put(v.key(), v.values().size()));
        int tuples = zip.isEmpty() ? 0 : zip.get(0).values().size();
        long count = SweepSpec.runCount(sizes, tuples, seedCount);
        if (count > SweepSpec.MAX_RUNS) {
            problem("sweep", SweepSpec.tooManyRunsMessage(count, sizes, tuples, seedCount));
            ok = false;
        }
        return ok;
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    private static List<Varied> concat(List<Varied> a, List<Varied> b) {
        List<Varied> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private boolean bindVaried(String source, Object node, List<Varied> out) {
        if (node == null) {
            return true;
        }
        if (!(node instanceof Map<?, ?> map)) {
            problem(source, "expected a map from dotted keys to lists of values, e.g. {model.latent_dim: [2, 8]} "
                    + "(got " + SpecValues.show(node) + ")");
            return false;
        }
        boolean ok = true;
        boolean isGrid = source.equals("sweep.grid");
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = String.valueOf(e.getKey());
            String path = source + "." + key;
            SpecKeys.Leaf leaf = SpecKeys.BY_PATH.get(key);
            if (leaf == null) {
                if (SpecKeys.isSection(key) && e.getValue() instanceof Map<?, ?> nested && !nested.isEmpty()) {
                    Map.Entry<?, ?> inner = nested.entrySet().iterator().next();
                    problem(path, "sweep keys are written dotted: write " + key + "." + inner.getKey() + ": "
                            + SpecValues.show(inner.getValue()) + " directly under " + source.substring(6));
                } else {
                    problem(path, unknownDottedKeyMessage(key));
                }
                ok = false;
                continue;
            }
            if (!(e.getValue() instanceof List<?> list)) {
                problem(path, "expected a list of values (got " + SpecValues.show(e.getValue()) + "; write ["
                        + SpecValues.format(e.getValue()) + "] for one value, or set it in the base config)");
                ok = false;
                continue;
            }
            if (list.isEmpty()) {
                problem(path, "empty list: give at least one value, or remove the key");
                ok = false;
                continue;
            }
            if (leaf.kind() == SpecKeys.Kind.INT_LIST && list.stream().noneMatch(x -> x instanceof List)) {
                problem(path, "each value of " + key + " is itself a list: write [" + SpecValues.show(list)
                        + "] for one value, or e.g. [[256], [512, 256]] for several (got " + SpecValues.show(list) + ")");
                ok = false;
                continue;
            }
            if (leaf.kind() == SpecKeys.Kind.NET && list.stream().noneMatch(x -> x instanceof List)
                    && list.stream().anyMatch(x -> x instanceof Map || x instanceof String s && !leaf.choices().contains(s))) {
                problem(path, "each value of " + key + " is mlp, conv or a whole layer list: write [[...]] for one "
                        + "list, or e.g. [[{linear: 256}, relu], [{linear: 512}, relu]] for several");
                ok = false;
                continue;
            }
            Varied varied = new Varied(source, key, new ArrayList<>());
            Map<String, Integer> seen = new HashMap<>();
            for (int i = 0; i < list.size(); i++) {
                Object x = SpecKeys.bind(leaf, list.get(i), varied.sourceOf(i), problems);
                if (x != SpecKeys.INVALID && isGrid) {
                    Integer first = seen.putIfAbsent(ConfigTree.canonicalValue(x), i);
                    if (first != null) {
                        problem(varied.sourceOf(i), "repeats " + varied.sourceOf(first) + " ("
                                + SpecValues.format(x) + "): two runs would be identical; list each value once");
                        x = SpecKeys.INVALID;
                    }
                }
                if (x == SpecKeys.INVALID) {
                    badSwept.add(key);
                }
                varied.values().add(x);
            }
            out.add(varied);
        }
        return ok;
    }

    private boolean checkZipLengths(List<Varied> zip) {
        if (zip.isEmpty()) {
            return true;
        }
        Varied first = zip.get(0);
        boolean ok = true;
        for (Varied v : zip) {
            if (v.values().size() != first.values().size()) {
                problem("sweep.zip." + v.key(), "has " + count(v.values().size(), "value") + " but sweep.zip."
                        + first.key() + " has " + first.values().size() + " (zip lists must have equal length)");
                ok = false;
            }
        }
        if (!ok) {
            return false;
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < first.values().size(); i++) {
            final int row = i;
            if (zip.stream().anyMatch(v -> v.values().get(row) == SpecKeys.INVALID)) {
                continue;
            }
            StringBuilder tuple = new StringBuilder();
            zip.forEach(v -> tuple.append(ConfigTree.canonicalValue(v.values().get(row))).append('\u0000'));
            Integer earlier = seen.putIfAbsent(tuple.toString(), i);
            if (earlier != null) {
                problem(first.sourceOf(i), "tuple " + i + " of sweep.zip repeats tuple " + earlier
                        + ": two runs would be identical; list each tuple once");
                zip.forEach(v -> {
                    v.values().set(row, SpecKeys.INVALID);
                    badSwept.add(v.key());
                });
            }
        }
        return true;
    }

    private boolean bindSeeds(Object node, List<Long> seeds) {
        if (node == null) {
            return true;
        }
        if (!(node instanceof List<?> list)) {
            String hint = node instanceof Number ? "; write [" + SpecValues.format(node) + "]" : "";
            problem("sweep.seeds", "expected a list of integer seeds (got " + SpecValues.show(node) + hint + ")");
            return false;
        }
        SpecKeys.Leaf leaf = SpecKeys.BY_PATH.get("train.seed");
        boolean ok = true;
        Map<Long, Integer> seen = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            String path = "sweep.seeds[" + i + "]";
            Object x = SpecKeys.bind(leaf, list.get(i), path, problems);
            if (x == SpecKeys.INVALID) {
                ok = false;
                continue;
            }
            Integer first = seen.putIfAbsent((Long) x, i);
            if (first != null) {
                problem(path, "repeats sweep.seeds[" + first + "] (" + x + "): two runs would be identical");
                ok = false;
                continue;
            }
            seeds.add((Long) x);
        }
        return ok;
    }

    // ---------------------------------------------------------------- rules over the runs

    /**
     * Checks the cross-field rules on the config of every run the sweep makes (seeds aside: no rule reads
     * the seed), and the "has no effect" rule over all runs together. A broken rule is reported at the
     * sweep value that causes it when there is one, else at the base key. Runs built from values that
     * failed to bind are skipped: their problem is already reported.
     */
    private void checkRuns(List<Varied> grid, List<Varied> zip, Set<String> skip) {
        // Each axis walks only the indices of values that bound; an axis with none keeps the base value.
        List<Varied> axes = new ArrayList<>();
        List<List<Integer>> valid = new ArrayList<>();
        for (Varied v : grid) {
            List<Integer> ok = validIndices(List.of(v), v.values().size());
            if (!ok.isEmpty()) {
                axes.add(v);
                valid.add(ok);
            }
        }
        List<Integer> zipRows = zip.isEmpty() ? List.of(-1) : validIndices(zip, zip.get(0).values().size());
        Set<String> active = new HashSet<>();
        Set<String> kept = new HashSet<>(); // conditional keys some run keeps at a non-default value when unused
        int[] odometer = new int[axes.size()];
        boolean more = !zipRows.isEmpty();
        while (more) {
            for (int row : zipRows) {
                Map<String, Object> run = new HashMap<>(base);
                Map<String, String> source = new HashMap<>();
                for (int a = 0; a < axes.size(); a++) {
                    int i = valid.get(a).get(odometer[a]);
                    run.put(axes.get(a).key(), axes.get(a).values().get(i));
                    source.put(axes.get(a).key(), axes.get(a).sourceOf(i));
                }
                for (Varied z : zip) {
                    run.put(z.key(), z.values().get(row));
                    source.put(z.key(), z.sourceOf(row));
                }
                checkRun(run, source, skip);
                for (SpecKeys.Conditional c : SpecKeys.CONDITIONALS) {
                    if (c.active().test(run)) {
                        active.add(c.path());
                    }
                    if (c.reset() == null || !c.reset().test(run)) {
                        kept.add(c.path());
                    }
                }
            }
            more = advance(odometer, valid);
        }
        Set<String> swept = new HashSet<>();
        concat(grid, zip).forEach(v -> swept.add(v.key()));
        for (SpecKeys.Conditional c : SpecKeys.CONDITIONALS) {
            // Only a switch never stated is a forgotten one: a spec that says schedule: cyclical and keeps
            // warmup.epochs chose to (a run's resolved spec.yaml states every key and must load back).
            // A key every run resets to its default when unused (model.hidden beside layer lists) never reaches a
            // resolved spec.yaml, so stating the switch excuses nothing there: the value would be dropped.
            boolean excusable = kept.contains(c.path());
            if (active.contains(c.path()) || bad.contains(c.path()) || skip.contains(c.path()) || zipRows.isEmpty()
                    || c.dependsOn().stream().anyMatch(k -> excusable && (stated.contains(k) || swept.contains(k))
                    || bad.contains(k) || badSwept.contains(k) || skip.contains(k))) {
                continue;
            }
            for (Varied v : concat(grid, zip)) {
                if (v.key().equals(c.path())) {
                    problem(v.source() + "." + v.key(), "has no effect: " + c.reason());
                }
            }
            if (explicit.contains(c.path())) {
                problem(c.path(), "has no effect: " + c.reason());
            }
        }
    }

    /** Indices where every one of the lists holds a value that bound. */
    private static List<Integer> validIndices(List<Varied> lists, int size) {
        List<Integer> ok = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            final int row = i;
            if (lists.stream().noneMatch(v -> v.values().get(row) == SpecKeys.INVALID)) {
                ok.add(i);
            }
        }
        return ok;
    }

    /** Next grid combination, last axis fastest; false after the last one. */
    private static boolean advance(int[] odometer, List<List<Integer>> valid) {
        for (int a = odometer.length - 1; a >= 0; a--) {
            if (++odometer[a] < valid.get(a).size()) {
                return true;
            }
            odometer[a] = 0;
        }
        return false;
    }

    private void checkRun(Map<String, Object> run, Map<String, String> source, Set<String> skip) {
        for (SpecKeys.Conflict c : SpecKeys.conflicts(run)) {
            if (c.involved().stream().anyMatch(k -> bad.contains(k) || skip.contains(k))) {
                continue;
            }
            if (source.containsKey(c.path())) {
                problem(source.get(c.path()) + c.at(), c.message());
                continue;
            }
            Optional<String> cause = c.involved().stream().filter(source::containsKey).findFirst();
            if (cause.isPresent()) {
                problem(source.get(cause.get()), "with this value, " + c.path() + c.at() + " " + c.message());
            } else {
                problem(c.path() + c.at(), c.message());
            }
        }
    }
}
