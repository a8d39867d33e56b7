package org.vaelab.spec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a spec varies. Keys are dotted paths into the config ({@code model.latent_dim}); values are the
 * bound YAML values (Integer, Long, Double, Boolean, String spellings of enums, lists of Integer, or null)
 * in file order. The order of runs is {@code SweepExpander}'s, documented there.
 *
 * @param grid  Cartesian product of every list; the last key varies fastest
 * @param zip   lists of equal length varied together, then crossed with the grid
 * @param seeds replicates: every run repeated with {@code train.seed} set to each
 */
public record SweepSpec(Map<String, List<Object>> grid, Map<String, List<Object>> zip, List<Long> seeds) {
    public static final SweepSpec NONE = new SweepSpec(Map.of(), Map.of(), List.of());

    /** The most runs one spec may expand to; a typo like a 100-value list should not queue days of training. */
    public static final int MAX_RUNS = 10_000;

    public SweepSpec {
        grid = copy("sweep.grid", grid);
        zip = copy("sweep.zip", zip);
        seeds = List.copyOf(seeds);
        if (new HashSet<>(seeds).size() != seeds.size()) {
            throw new IllegalArgumentException("sweep.seeds: repeats a seed " + seeds);
        }
        int length = -1;
        for (Map.Entry<String, List<Object>> e : zip.entrySet()) {
            if (grid.containsKey(e.getKey())) {
                throw new IllegalArgumentException("sweep.zip." + e.getKey() + ": also in sweep.grid");
            }
            if (length >= 0 && e.getValue().size() != length) {
                throw new IllegalArgumentException("sweep.zip: lists must have equal length " + zip);
            }
            length = e.getValue().size();
        }
        if (!seeds.isEmpty() && (grid.containsKey("train.seed") || zip.containsKey("train.seed"))) {
            throw new IllegalArgumentException("sweep: cannot vary train.seed while sweep.seeds is set");
        }
    }

    private static Map<String, List<Object>> copy(String where, Map<String, List<Object>> lists) {
        Map<String, List<Object>> copy = new LinkedHashMap<>();
        lists.forEach((key, values) -> {
            if (!SpecKeys.BY_PATH.containsKey(key)) {
                throw new IllegalArgumentException(where + "." + key + ": not a config key");
            }
            if (values.isEmpty()) {
                throw new IllegalArgumentException(where + "." + key + ": empty list");
            }
            // ArrayList, not List.copyOf: null is a legal value (dataset.subset: [null, 1000]).
            copy.put(key, Collections.unmodifiableList(new ArrayList<>(values)));
        });
        return Collections.unmodifiableMap(copy);
    }

    /** True when nothing varies: the spec is one run. */
    public boolean isEmpty() {
        return grid.isEmpty() && zip.isEmpty() && seeds.isEmpty();
    }

    /** Number of runs: product of the grid list sizes x zip length x number of seeds (saturates at Long.MAX_VALUE). */
    public long runCount() {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        grid.forEach((k, v) -> sizes.put(k, v.size()));
        int zipLength = zip.isEmpty() ? 0 : zip.values().iterator().next().size();
        return runCount(sizes, zipLength, seeds.size());
    }

    /** The run count for the given list sizes; 0 zip tuples or seeds means "no zip" / "no replicates". */
    public static long runCount(Map<String, Integer> gridSizes, int zipTuples, int seeds) {
        long count = 1;
        List<Integer> factors = new ArrayList<>(gridSizes.values());
        factors.add(Math.max(1, zipTuples));
        factors.add(Math.max(1, seeds));
        for (int f : factors) {
            count = count > Long.MAX_VALUE / Math.max(1, f) ? Long.MAX_VALUE : count * f;
        }
        return count;
    }

    /**
     * The guard's message, shared by the binder (which reports it at the spec's {@code sweep:} line) and
     * the expander: the count and the factors that make it, so the user sees which list to shrink.
     */
    public static String tooManyRunsMessage(long count, Map<String, Integer> gridSizes, int zipTuples, int seeds) {
        List<String> factors = new ArrayList<>();
        gridSizes.forEach((k, n) -> factors.add("grid " + k + " " + n));
        if (zipTuples > 0) {
            factors.add("zip " + zipTuples + " tuples");
        }
        if (seeds > 0) {
            factors.add("seeds " + seeds);
        }
        String shown = count == Long.MAX_VALUE ? "more than " + Long.MAX_VALUE : Long.toString(count);
        return "expands to " + shown + " runs, more than the limit of " + MAX_RUNS + " ("
                + factors.stream().collect(Collectors.joining(" x ")) + "); shrink the lists or split the spec";
    }

    /** Keys in the order their values appear in run names: grid keys, then zip keys, then train.seed. */
    public List<String> variedKeys() {
        List<String> keys = new ArrayList<>(grid.keySet());
        keys.addAll(zip.keySet());
        if (!seeds.isEmpty()) {
            keys.add("train.seed");
        }
        return keys;
    }
}
