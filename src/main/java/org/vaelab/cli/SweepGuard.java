package org.vaelab.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.vaelab.spec.ConfigTree;
import org.vaelab.spec.ExperimentSpec;
import org.vaelab.tracking.Json;
import org.vaelab.tracking.RunStore;
import org.vaelab.tracking.SpecVersions;

/**
 * Keeps the books of one sweep name: results/&lt;sweep&gt;/sweep.json records every spec version that ran under
 * the name (its spec and the runs it expanded to) and which one is current. A spec equal to a recorded version
 * runs without further ado (the previous spec still runs after a --force); a changed spec that keeps every
 * run of the current version and only adds runs (more seeds, more values) becomes a new version without
 * --force; any other change is refused, naming the changed keys, unless --force, which makes it a new version
 * whose runs are then what counts, index.json and the exit code describe. Runs of earlier versions stay in
 * the folder and in the report as that version's. {@link #check} only reads, so a refused sweep leaves the
 * folder as it was; {@link #record} writes sweep.json once every input has been checked.
 */
final class SweepGuard {
    static final String FILE = SpecVersions.FILE;

    /**
     * What running this spec does to the sweep's books.
     *
     * @param version the spec version the runs belong to
     * @param isNew   whether that version is recorded by this run
     * @param note    a line for the user when the version changes, else null
     */
    record Decision(int version, boolean isNew, String note) {
    }

    private SweepGuard() {
    }

    /** Decides which version this spec is, refusing (UserError) a change that needs --force without it. */
    @SuppressWarnings("unchecked")
    static Decision check(RunStore store, SweepPlan plan, boolean force) throws IOException {
        Path f = store.sweepDir().resolve(FILE);
        if (!Files.exists(f)) {
            return new Decision(1, true, null);
        }
        Map<String, Object> doc = Json.mapper().readValue(f.toFile(), Map.class);
        Map<String, Object> now = flatten("", Json.mapper().convertValue(describe(plan.spec()), Map.class));
        List<Map<String, Object>> versions = versions(store, doc);
        int current = doc.get("version") instanceof Number n ? n.intValue() : 1;
        for (Map<String, Object> v : versions) {
            if (now.equals(flatten("", (Map<String, Object>) v.get("spec")))) {
                int k = ((Number) v.get("version")).intValue();
                return new Decision(k, false, k == current ? null : "sweep " + store.sweep()
                        + ": back to spec version " + k + " (version " + current + "'s runs are kept as its own)");
            }
        }
        int next = versions.stream().mapToInt(v -> ((Number) v.get("version")).intValue()).max().orElse(0) + 1;
        Map<String, Object> currentVersion = versions.stream()
                .filter(v -> ((Number) v.get("version")).intValue() == current).findFirst()
                .orElse(versions.get(versions.size() - 1));
        List<String> before = (List<String>) currentVersion.get("runs");
        Set<String> ids = new HashSet<>();
        plan.runs().forEach(r -> ids.add(r.id()));
        if (ids.containsAll(before)) {
            return new Decision(next, true, "sweep " + store.sweep() + ": the spec only adds runs ("
                    + (ids.size() - before.size()) + " new); recorded as spec version " + next);
        }
        if (force) {
            return new Decision(next, true, "sweep " + store.sweep() + ": --force: spec version " + next
                    + " replaces version " + current + "; runs of earlier versions stay in the folder and the"
                    + " report as theirs");
        }
        Map<String, Object> a = flatten("", (Map<String, Object>) currentVersion.get("spec"));
        List<String> changed = new ArrayList<>();
        for (String k : new TreeSet<>(union(a, now))) {
            if (!Objects.equals(a.get(k), now.get(k))) {
                changed.add(k + " (" + show(a.get(k)) + " -> " + show(now.get(k)) + ")");
            }
        }
        throw new UserError(store.sweepDir() + " was written by a different spec: changed "
                + String.join(", ", changed) + "; give the spec a new name, or rerun with --force to make it"
                + " version " + next + " of this sweep (earlier runs are kept and shown as version " + current
                + "'s)");
    }

    /**
     * The recorded versions, each {version, spec, runs}; a sweep.json from before versions existed is one
     * version whose runs are the folder's runs.
     */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> versions(RunStore store, Map<String, Object> doc) throws IOException {
        if (doc.get("versions") instanceof List<?> l && !l.isEmpty()) {
            return (List<Map<String, Object>>) l;
        }
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("version", 1);
        v.put("spec", doc.get("spec"));
        v.put("runs", store.summaries().stream().map(s -> s.id()).toList());
        List<Map<String, Object>> out = new ArrayList<>();
        out.add(v);
        return out;
    }

    /** Records the spec behind this sweep name in sweep.json, as version {@code d.version()}, now current. */
    @SuppressWarnings("unchecked")
    static void record(RunStore store, SweepPlan plan, Decision d) throws IOException {
        Path f = store.sweepDir().resolve(FILE);
        List<Map<String, Object>> versions = new ArrayList<>();
        if (Files.exists(f)) {
            versions.addAll(versions(store, Json.mapper().readValue(f.toFile(), Map.class)));
        }
        Map<String, Object> spec = describe(plan.spec());
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("version", d.version());
        entry.put("spec", spec);
        entry.put("runs", plan.runs().stream().map(r -> r.id()).toList());
        versions.removeIf(v -> ((Number) v.get("version")).intValue() == d.version());
        versions.add(entry);
        versions.sort(java.util.Comparator.comparingInt(v -> ((Number) v.get("version")).intValue()));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("spec", spec);
        doc.put("spec_file", plan.file().toString());
        doc.put("spec_text", plan.text());
        doc.put("description", plan.spec().description());
        doc.put("version", d.version());
        doc.put("versions", versions);
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
