package org.vaelab.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.vaelab.spec.ConfigTree;
import org.vaelab.spec.ExperimentSpec;
import org.vaelab.tracking.Json;
import org.vaelab.tracking.RunStore;

/**
 * Keeps one sweep name for one spec: results/&lt;sweep&gt;/sweep.json records the spec (base config and sweep)
 * that wrote the folder; running a different spec under the same name is refused, naming the changed keys,
 * unless --force. {@link #check} only reads, so a refused sweep leaves the folder as it was; {@link #record}
 * writes sweep.json once every input has been checked.
 */
final class SweepGuard {
    static final String FILE = "sweep.json";

    private SweepGuard() {
    }

    /** Refuses (UserError) a spec that differs from the one recorded for this sweep name, unless force. */
    static void check(RunStore store, SweepPlan plan, boolean force) throws IOException {
        Map<String, Object> now = describe(plan.spec());
        Path f = store.sweepDir().resolve(FILE);
        if (Files.exists(f) && !force) {
            @SuppressWarnings("unchecked")
            Map<String, Object> before = Json.mapper().readValue(f.toFile(), Map.class);
            Map<String, Object> a = flatten("", Json.mapper().convertValue(before.get("spec"), Map.class));
            Map<String, Object> b = flatten("", Json.mapper().convertValue(now, Map.class));
            List<String> changed = new ArrayList<>();
            for (String k : new TreeSet<>(union(a, b))) {
                if (!Objects.equals(a.get(k), b.get(k))) {
                    changed.add(k + " (" + show(a.get(k)) + " -> " + show(b.get(k)) + ")");
                }
            }
            if (!changed.isEmpty()) {
                throw new UserError(store.sweepDir() + " was written by a different spec: changed "
                        + String.join(", ", changed) + "; give the spec a new name, or rerun with --force to add"
                        + " these runs to the same sweep");
            }
        }
    }

    /** Records the spec behind this sweep name in sweep.json. */
    static void record(RunStore store, SweepPlan plan) throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("spec", describe(plan.spec()));
        doc.put("spec_file", plan.file().toString());
        doc.put("description", plan.spec().description());
        store.writeSweepFile(FILE, Json.pretty(doc));
    }

    private static Map<String, Object> describe(ExperimentSpec spec) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", spec.name());
        m.put("config", ConfigTree.toTree(spec.base()));
        Map<String, Object> sweep = new LinkedHashMap<>();
        sweep.put("grid", spec.sweep().grid());
        sweep.put("zip", spec.sweep().zip());
        sweep.put("seeds", spec.sweep().seeds());
        m.put("sweep", sweep);
        return m;
    }

    private static java.util.Set<String> union(Map<String, Object> a, Map<String, Object> b) {
        java.util.Set<String> s = new java.util.HashSet<>(a.keySet());
        s.addAll(b.keySet());
        return s;
    }

    private static String show(Object v) {
        return v == null ? "unset" : v.toString();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> flatten(String prefix, Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (m == null) {
            return out;
        }
        for (Map.Entry<String, Object> e : m.entrySet()) {
            String k = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue() instanceof Map<?, ?> sub && !k.endsWith("grid") && !k.endsWith("zip")) {
                out.putAll(flatten(k, (Map<String, Object>) sub));
            } else {
                out.put(k, e.getValue() == null ? null : Json.line(e.getValue()));
            }
        }
        return out;
    }
}
