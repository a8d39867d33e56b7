package org.vaelab.spec;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a spec varies. Keys are dotted paths into the config ({@code model.latent_dim}); values are the
 * YAML values (numbers, strings, lists) in file order.
 *
 * @param grid  Cartesian product of every list
 * @param zip   lists of equal length varied together, then crossed with the grid
 * @param seeds replicates: every run repeated with {@code train.seed} set to each
 */
public record SweepSpec(Map<String, List<Object>> grid, Map<String, List<Object>> zip, List<Long> seeds) {
    public static final SweepSpec NONE = new SweepSpec(Map.of(), Map.of(), List.of());

    public SweepSpec {
        grid = Collections.unmodifiableMap(new LinkedHashMap<>(grid));
        zip = Collections.unmodifiableMap(new LinkedHashMap<>(zip));
        seeds = List.copyOf(seeds);
    }
}
