package org.vaelab.sweep;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vaelab.spec.BindResult;
import org.vaelab.spec.ConfigTree;
import org.vaelab.spec.ExperimentSpec;
import org.vaelab.spec.RunConfig;
import org.vaelab.spec.RunSpec;
import org.vaelab.spec.SpecProblem;
import org.vaelab.spec.SpecValues;
import org.vaelab.spec.SweepSpec;

/**
 * Expands an experiment spec into its runs: a pure function of the spec, in a documented order.
 *
 * <p><b>Order.</b> Runs are produced by nested loops, outermost first:
 * <ol>
 *   <li>the {@code sweep.grid} keys in file order, each a loop over its list, so the <em>last</em> grid key
 *       varies fastest (like an odometer, and like DL4J Arbiter's {@code indexToValues});</li>
 *   <li>the {@code sweep.zip} tuples, as if the zip were one more grid key after the last one: tuple i takes
 *       element i of every zip list;</li>
 *   <li>the {@code sweep.seeds}, innermost, so a run's replicates are neighbours.</li>
 * </ol>
 * With grid {@code {a: [1, 2], b: [x, y]}}, zip {@code {c: [p, q]}} and seeds {@code [7, 8]} the first runs are
 * (a=1, b=x, c=p, seed 7), (a=1, b=x, c=p, seed 8), (a=1, b=x, c=q, seed 7), ...; the last is (a=2, b=y, c=q,
 * seed 8). A spec without a sweep is one run named {@code base}.
 *
 * <p><b>Ids and names.</b> A run's id is the first 12 hex digits of the SHA-256 of
 * {@link ConfigTree#canonical} of its resolved config, so the same config has the same id whatever the spec
 * text looked like (key order, {@code 4} or {@code 4.0}, which spec it came from). Its name joins the varied
 * keys' last segments and values, {@code latent_dim=8,beta=4}, lengthening a label to more segments when two
 * varied keys share a last segment ({@code warmup.epochs=5,train.epochs=20}); seed replicates add
 * {@code seed=7}. A swept layer list ({@code model.encoder}, {@code model.decoder}) is named by its layers'
 * labels joined by '-' ({@code encoder=conv16k3s2p1-relu-conv32k3s2p1-relu-flatten}) when every list of that key
 * labels in at most {@link #MAX_LIST_LABEL} characters; otherwise every value of the key is named by its
 * 0-based index in the sweep list ({@code encoder=#1} for {@code sweep.grid.model.encoder[1]}), which the
 * dry-run table spells out in full.
 *
 * <p><b>Guard.</b> More than {@link SweepSpec#MAX_RUNS} runs is refused before anything is built; so are runs
 * whose config breaks a cross-field rule, and two runs with the same resolved config.
 */
public final class SweepExpander {
    /** The key seed replicates vary. */
    public static final String SEED_KEY = "train.seed";

    /** Problems listed in full before the rest are summarised, so a bad 10,000-run sweep prints a screenful. */
    private static final int MAX_LISTED = 20;

    /** The longest layer-list label a run name spells out; longer lists are named by their index. */
    public static final int MAX_LIST_LABEL = 60;

    private SweepExpander() {
    }

    /**
     * The runs of {@code spec}, in the order documented on this class.
     *
     * @throws SweepException if the sweep has more than {@link SweepSpec#MAX_RUNS} runs, a run's config breaks
     *                        a rule, or two runs resolve to the same config
     */
    public static List<RunSpec> expand(ExperimentSpec spec) throws SweepException {
        SweepSpec sweep = spec.sweep();
        long count = sweep.runCount();
        if (count > SweepSpec.MAX_RUNS) {
            Map<String, Integer> sizes = new LinkedHashMap<>();
            sweep.grid().forEach((k, v) -> sizes.put(k, v.size()));
            int tuples = sweep.zip().isEmpty() ? 0 : sweep.zip().values().iterator().next().size();
            throw new SweepException(List.of("sweep: " + SweepSpec.tooManyRunsMessage(count, sizes, tuples,
                    sweep.seeds().size())));
        }

        List<String> gridKeys = new ArrayList<>(sweep.grid().keySet());
        List<List<Object>> gridLists = new ArrayList<>(sweep.grid().values());
        int tuples = sweep.zip().isEmpty() ? 1 : sweep.zip().values().iterator().next().size();
        List<Long> seeds = sweep.seeds().isEmpty() ? null : sweep.seeds();
        Map<String, String> labels = labels(sweep.variedKeys());
        Map<String, Map<String, String>> shortNames = listIndexNames(sweep);

        List<RunSpec> runs = new ArrayList<>((int) count);
        List<String> problems = new ArrayList<>();
        Map<String, RunSpec> byId = new HashMap<>();
        int[] odometer = new int[gridKeys.size()];
        int next = 0;
        do {
            for (int tuple = 0; tuple < tuples; tuple++) {
                for (int s = 0; s < (seeds == null ? 1 : seeds.size()); s++) {
                    Map<String, Object> values = new LinkedHashMap<>();
                    for (int g = 0; g < gridKeys.size(); g++) {
                        values.put(gridKeys.get(g), gridLists.get(g).get(odometer[g]));
                    }
                    for (Map.Entry<String, List<Object>> z : sweep.zip().entrySet()) {
                        values.put(z.getKey(), z.getValue().get(tuple));
                    }
                    if (seeds != null) {
                        values.put(SEED_KEY, seeds.get(s));
                    }
                    int index = next++;
                    String name = name(values, labels, shortNames);
                    BindResult<RunConfig> config = ConfigTree.override(spec.base(), values);
                    if (!config.ok()) {
                        for (SpecProblem p : config.problems()) {
                            problems.add("run " + index + " (" + name + "): " + p);
                        }
                        continue;
                    }
                    RunSpec run = run(spec.name(), index, name, values, config.value());
                    RunSpec twin = byId.putIfAbsent(run.id(), run);
                    if (twin != null) {
                        problems.add("run " + index + " (" + name + ") has the same resolved config as run "
                                + twin.index() + " (" + twin.name() + "), id " + run.id()
                                + ": a sweep value repeats; list each value once");
                        continue;
                    }
                    runs.add(run);
                }
            }
        } while (advance(odometer, gridLists));

        if (!problems.isEmpty()) {
            List<String> shown = new ArrayList<>(problems.subList(0, Math.min(MAX_LISTED, problems.size())));
            if (problems.size() > MAX_LISTED) {
                shown.add("... and " + (problems.size() - MAX_LISTED) + " more problems");
            }
            throw new SweepException(shown);
        }
        return List.copyOf(runs);
    }

    private static RunSpec run(String sweep, int index, String name, Map<String, Object> values, RunConfig config) {
        // Record the values as the resolved config holds them (4.0 for a float key written 4), not as written.
        Map<String, Object> tree = ConfigTree.toTree(config);
        Map<String, Object> varied = new LinkedHashMap<>();
        values.keySet().forEach(k -> varied.put(k, ConfigTree.get(tree, k)));
        return new RunSpec(runId(config), name, sweep, index, varied, config);
    }

    /** Next grid combination, last key fastest; false once every combination was produced. */
    private static boolean advance(int[] odometer, List<List<Object>> lists) {
        for (int g = odometer.length - 1; g >= 0; g--) {
            if (++odometer[g] < lists.get(g).size()) {
                return true;
            }
            odometer[g] = 0;
        }
        return false;
    }

    /** The run id of a config: first 12 hex digits of SHA-256 over its canonical tree text (UTF-8). */
    public static String runId(RunConfig config) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(ConfigTree.canonical(ConfigTree.toTree(config)).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /**
     * The readable name of a run from its varied keys and values, {@code latent_dim=8,beta=4}, or
     * {@code base} when nothing varies.
     */
    public static String name(Map<String, ?> varied) {
        return name(varied, labels(new ArrayList<>(varied.keySet())), Map.of());
    }

    /**
     * For each swept key with a layer list whose label is longer than {@link #MAX_LIST_LABEL}: the name of each
     * of its values (by canonical text), {@code #i} for the value at index i of its sweep list.
     */
    private static Map<String, Map<String, String>> listIndexNames(SweepSpec sweep) {
        Map<String, Map<String, String>> out = new HashMap<>();
        Map<String, List<Object>> all = new LinkedHashMap<>(sweep.grid());
        all.putAll(sweep.zip());
        all.forEach((key, values) -> {
            boolean tooLong = values.stream().anyMatch(v -> v instanceof List<?> l && !l.isEmpty()
                    && !(l.get(0) instanceof Number) && SpecValues.format(v).length() > MAX_LIST_LABEL);
            if (tooLong) {
                Map<String, String> byValue = new HashMap<>();
                for (int i = 0; i < values.size(); i++) {
                    byValue.putIfAbsent(ConfigTree.canonical(Map.of("v", values.get(i))), "#" + i);
                }
                out.put(key, byValue);
            }
        });
        return out;
    }

    private static String name(Map<String, ?> varied, Map<String, String> labels,
                               Map<String, Map<String, String>> shortNames) {
        if (varied.isEmpty()) {
            return "base";
        }
        StringBuilder name = new StringBuilder();
        varied.forEach((key, value) -> {
            if (name.length() > 0) {
                name.append(',');
            }
            Map<String, String> byValue = shortNames.get(key);
            String shown = byValue == null ? null : byValue.get(ConfigTree.canonical(Map.of("v", value)));
            name.append(labels.get(key)).append('=').append(shown != null ? shown : SpecValues.format(value));
        });
        return name.toString();
    }

    /**
     * Short labels for dotted keys: the last segment, lengthened segment by segment for keys whose labels
     * would collide ({@code loss.warmup.epochs} and {@code train.epochs} -> {@code warmup.epochs},
     * {@code train.epochs}).
     */
    static Map<String, String> labels(List<String> keys) {
        Map<String, Integer> depth = new HashMap<>();
        keys.forEach(k -> depth.put(k, 1));
        while (true) {
            Map<String, List<String>> byLabel = new HashMap<>();
            for (String k : keys) {
                byLabel.computeIfAbsent(suffix(k, depth.get(k)), x -> new ArrayList<>()).add(k);
            }
            boolean collided = false;
            for (List<String> same : byLabel.values()) {
                if (same.size() > 1) {
                    for (String k : same) {
                        if (depth.get(k) < k.split("\\.").length) {
                            depth.put(k, depth.get(k) + 1);
                            collided = true;
                        }
                    }
                }
            }
            if (!collided) {
                Map<String, String> labels = new LinkedHashMap<>();
                keys.forEach(k -> labels.put(k, suffix(k, depth.get(k))));
                return labels;
            }
        }
    }

    private static String suffix(String key, int segments) {
        String[] parts = key.split("\\.");
        return String.join(".", java.util.Arrays.copyOfRange(parts, Math.max(0, parts.length - segments), parts.length));
    }
}
