package org.vaelab.report;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vaelab.tracking.EpochMetrics;
import org.vaelab.tracking.Json;
import org.vaelab.tracking.RunStore;
import org.vaelab.tracking.RunSummary;
import org.vaelab.tracking.RunVisuals;
import org.vaelab.tracking.SpecVersions;

/**
 * Reads a sweep folder through the run store into {@link SweepData}. A run whose metrics, visuals or provenance
 * cannot be read still appears, with the problem noted: a report must never be lost to one bad file.
 */
public final class ReportLoader {
    /** Written next to the runs by the sweep runner, if it does (name, description, spec). */
    static final String SWEEP_JSON = "sweep.json";
    /** The sweep's spec as the user wrote it, if the runner copies it next to the runs. */
    static final String SWEEP_SPEC = "spec.yaml";
    /** File names inside a run folder that RunStore has no reader for (yet). */
    static final String PROVENANCE = "provenance.json";
    static final String RUN_SPEC = "spec.yaml";
    /** The pseudo varied key that tells a sweep's spec versions apart when runs of earlier versions are kept. */
    public static final String VERSION_KEY = "spec_version";

    private ReportLoader() {
    }

    /** Loads results/&lt;sweep&gt;/; fails with a one-line message when it is not a sweep folder. */
    public static SweepData load(Path sweepDir) throws IOException {
        if (!Files.isDirectory(sweepDir)) {
            throw new IOException(sweepDir + ": no such sweep folder (expected results/<sweep>/ written by ./vaelab run)");
        }
        RunStore store;
        try {
            store = RunStore.at(sweepDir);
        } catch (IllegalArgumentException e) {
            throw new IOException(sweepDir + ": " + e.getMessage(), e);
        }
        List<RunSummary> summaries;
        try {
            summaries = new ArrayList<>();
            for (RunSummary s : store.summaries()) {
                summaries.add(store.observed(s));
            }
        } catch (IOException e) {
            throw new IOException(sweepDir + ": a summary.json cannot be read (" + oneLine(e) + ")", e);
        }
        List<String> problems = new ArrayList<>();
        String description = null;
        String specText = null;
        Path sweepJson = store.sweepDir().resolve(SWEEP_JSON);
        Path sweepSpec = store.sweepDir().resolve(SWEEP_SPEC);
        try {
            if (Files.exists(sweepJson)) {
                JsonNode n = Json.mapper().readTree(sweepJson.toFile());
                description = text(n, "description");
                specText = text(n, "spec_text");
            }
            if (Files.exists(sweepSpec)) {
                specText = specText != null ? specText : Files.readString(sweepSpec, StandardCharsets.UTF_8);
                if (description == null) {
                    // Only the top-level description is wanted here; spec validation belongs to spec.yaml.
                    description = text(new YAMLMapper().readTree(specText), "description");
                }
            }
        } catch (IOException | RuntimeException e) {
            problems.add("sweep spec unreadable: " + oneLine(e));
        }
        try {
            summaries = byVersion(summaries, SpecVersions.read(store.sweepDir()));
        } catch (IOException | RuntimeException e) {
            problems.add("spec versions unreadable: " + oneLine(e));
        }
        List<RunData> runs = new ArrayList<>();
        for (RunSummary s : summaries) {
            runs.add(loadRun(store, s));
        }
        return new SweepData(store.sweep(), description, specText, runs, problems);
    }

    /**
     * The runs of the current spec version in its expansion order, then the runs only earlier versions made
     * (a changed spec run under the same name with --force). When there are such runs, every run gets the
     * varied key {@value #VERSION_KEY} and an earlier run's name says its version, so the report shows them
     * as that version's and never as same-named twins of the current runs.
     */
    static List<RunSummary> byVersion(List<RunSummary> summaries, SpecVersions versions) {
        if (versions.isEmpty() || summaries.stream().allMatch(s -> versions.isCurrent(s.id()))) {
            return summaries;
        }
        List<RunSummary> current = new ArrayList<>();
        List<RunSummary> earlier = new ArrayList<>();
        for (RunSummary s : summaries) {
            boolean now = versions.isCurrent(s.id());
            int v = now ? versions.current() : versions.versionOf(s.id()).orElse(0);
            Map<String, Object> varied = new LinkedHashMap<>(s.varied() == null ? Map.of() : s.varied());
            varied.put(VERSION_KEY, v);
            int index = now ? versions.currentRuns().indexOf(s.id()) : s.index();
            String name = now ? s.name() : "v" + v + ": " + s.name();
            RunSummary relabelled = new RunSummary(s.id(), name, s.sweep(), index, s.status(), varied, s.config(),
                    s.epochsCompleted(), s.finalMetrics(), s.cause(), s.started(), s.finished(), s.seconds(),
                    s.verdict(), s.verdictDetail(), s.activeUnits(), s.inactiveDims(), s.timeline(), s.testLoglik(),
                    s.extra());
            (now ? current : earlier).add(relabelled);
        }
        current.sort(Comparator.comparingInt(RunSummary::index));
        earlier.sort(Comparator.comparing((RunSummary s) -> -((Number) s.varied().get(VERSION_KEY)).intValue())
                .thenComparingInt(RunSummary::index));
        List<RunSummary> out = new ArrayList<>(current);
        out.addAll(earlier);
        return out;
    }

    private static RunData loadRun(RunStore store, RunSummary s) {
        List<String> problems = new ArrayList<>();
        List<EpochMetrics> epochs = List.of();
        RunVisuals visuals = null;
        Map<String, Object> provenance = Map.of();
        String specYaml = null;
        try {
            epochs = store.readMetrics(s.id());
        } catch (IOException | RuntimeException e) {
            problems.add("metrics.jsonl unreadable: " + oneLine(e));
        }
        try {
            visuals = store.readVisuals(s.id()).orElse(null);
        } catch (IOException | RuntimeException e) {
            problems.add("visuals.json unreadable: " + oneLine(e));
        }
        Path dir = store.runDir(s.id());
        try {
            Path p = dir.resolve(PROVENANCE);
            if (Files.exists(p)) {
                provenance = Json.mapper().readValue(p.toFile(), new TypeReference<Map<String, Object>>() { });
            }
        } catch (IOException | RuntimeException e) {
            problems.add("provenance.json unreadable: " + oneLine(e));
        }
        try {
            Path p = dir.resolve(RUN_SPEC);
            if (Files.exists(p)) {
                specYaml = Files.readString(p, StandardCharsets.UTF_8);
            }
        } catch (IOException | RuntimeException e) {
            problems.add("spec.yaml unreadable: " + oneLine(e));
        }
        return new RunData(s, epochs, visuals, provenance, specYaml, problems);
    }

    private static String text(JsonNode n, String key) {
        if (n == null || !n.hasNonNull(key)) {
            return null;
        }
        String t = n.get(key).asText().strip();
        return t.isEmpty() ? null : t;
    }

    /** The innermost message on one line, for users: no stack traces. */
    static String oneLine(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.replaceAll("\\s+", " ").strip();
    }
}
