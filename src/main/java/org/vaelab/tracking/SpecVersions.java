package org.vaelab.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The spec versions recorded in a sweep's sweep.json: which version is current and which runs each version
 * expanded to, in order. Counts, index.json and the report describe the current version's runs; runs that
 * only an earlier version made (kept when a changed spec was run under the same name) are shown as that
 * version's. A sweep.json without versions (written before they existed) reads as empty: every run current.
 *
 * @param current  the version the last `vaelab run` ran (0 when none is recorded)
 * @param versions each version's run ids in expansion order, by version number
 */
public record SpecVersions(int current, Map<Integer, List<String>> versions) {
    /** The file in results/&lt;sweep&gt;/ that holds them. */
    public static final String FILE = "sweep.json";

    public SpecVersions {
        versions = Map.copyOf(versions);
    }

    /** Reads results/&lt;sweep&gt;/sweep.json; empty when the file or its versions are missing. */
    public static SpecVersions read(Path sweepDir) throws IOException {
        Path f = sweepDir.resolve(FILE);
        if (!Files.exists(f)) {
            return new SpecVersions(0, Map.of());
        }
        JsonNode n = Json.mapper().readTree(f.toFile());
        Map<Integer, List<String>> versions = new HashMap<>();
        if (n.has("versions")) {
            for (JsonNode v : n.get("versions")) {
                List<String> runs = new ArrayList<>();
                v.path("runs").forEach(r -> runs.add(r.asText()));
                versions.put(v.path("version").asInt(), runs);
            }
        }
        return new SpecVersions(versions.isEmpty() ? 0 : n.path("version").asInt(0), versions);
    }

    /** True when no version is recorded (every run in the folder counts as the sweep's). */
    public boolean isEmpty() {
        return versions.isEmpty() || !versions.containsKey(current);
    }

    /** The current version's run ids in expansion order (empty when {@link #isEmpty}). */
    public List<String> currentRuns() {
        return versions.getOrDefault(current, List.of());
    }

    /** Whether run {@code id} belongs to the current version (always true when none is recorded). */
    public boolean isCurrent(String id) {
        return isEmpty() || currentRuns().contains(id);
    }

    /** The latest version that expanded to run {@code id}, if any. */
    public Optional<Integer> versionOf(String id) {
        return versions.entrySet().stream().filter(e -> e.getValue().contains(id)).map(Map.Entry::getKey)
                .max(Integer::compare);
    }
}
