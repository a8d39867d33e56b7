package org.vaelab.tracking;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A handle on one run's folder, {@code results/<sweep>/<run-id>/}: the metrics series, the summary and the
 * checkpoints. Every file is replaced atomically, so a kill at any moment leaves the previous version.
 * metrics.jsonl is rewritten whole on every epoch (it is small), which keeps it free of torn last lines.
 */
public final class RunRecorder {
    static final String METRICS = "metrics.jsonl";
    static final String SUMMARY = "summary.json";
    static final String PROVENANCE = "provenance.json";
    static final String SPEC = "spec.yaml";
    static final String CHECKPOINTS = "checkpoints";
    static final String VISUALS = "visuals.json";

    private final Path dir;
    private final List<EpochMetrics> epochs;
    private RunSummary summary;

    RunRecorder(Path dir, List<EpochMetrics> epochs, RunSummary summary) {
        this.dir = dir;
        this.epochs = new ArrayList<>(epochs);
        this.summary = summary;
    }

    /** The run's folder. */
    public Path dir() {
        return dir;
    }

    /** Where the trainer keeps its checkpoints (created on demand). */
    public Path checkpointDir() throws IOException {
        return Files.createDirectories(dir.resolve(CHECKPOINTS));
    }

    /** Epoch metrics recorded so far, oldest first. */
    public List<EpochMetrics> epochs() {
        return List.copyOf(epochs);
    }

    /** The current summary. */
    public RunSummary summary() {
        return summary;
    }

    /** Appends one epoch to metrics.jsonl and the summary. An epoch recorded twice replaces the old line. */
    public synchronized void recordEpoch(EpochMetrics m) throws IOException {
        epochs.removeIf(e -> e.epoch() >= m.epoch());
        epochs.add(m);
        writeMetrics();
        updateSummary(s -> s.withEpoch(m));
    }

    /**
     * Drops epochs after {@code epoch}: a resumed run restarts from its last checkpoint, and the epochs it
     * recorded after that checkpoint will be trained (and recorded) again. The summary is brought in line with
     * the epochs kept: {@link #recordEpoch} writes metrics.jsonl, then summary.json, and a kill between the two
     * left a summary one epoch behind that no later write corrected (KillResumeTest met it: a completed run
     * with epochs_completed 3 of 4).
     */
    public synchronized void truncateTo(int epoch) throws IOException {
        if (epochs.removeIf(e -> e.epoch() > epoch)) {
            writeMetrics();
        }
        EpochMetrics last = epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
        int kept = last == null ? 0 : last.epoch();
        if (summary.epochsCompleted() != kept) {
            updateSummary(s -> s.toBuilder().epochsCompleted(kept).finalMetrics(last).build());
        }
    }

    /** Rewrites summary.json with {@code change} applied. */
    public synchronized void updateSummary(UnaryOperator<RunSummary> change) throws IOException {
        summary = change.apply(summary);
        AtomicFiles.writeString(dir.resolve(SUMMARY), Json.pretty(summary));
    }

    /** Writes provenance.json (what produced these results). */
    public void writeProvenance(Map<String, Object> provenance) throws IOException {
        AtomicFiles.writeString(dir.resolve(PROVENANCE), Json.pretty(provenance));
    }

    /**
     * Writes visuals.json (the trained model's pictures for the report). One compact line: it holds base64
     * images and coordinate lists that indentation would only inflate.
     */
    public void writeVisuals(RunVisuals visuals) throws IOException {
        AtomicFiles.writeString(dir.resolve(VISUALS), Json.line(visuals) + "\n");
    }

    private void writeMetrics() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (EpochMetrics e : epochs) {
            sb.append(Json.line(e)).append('\n');
        }
        AtomicFiles.write(dir.resolve(METRICS), sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    static List<EpochMetrics> readMetrics(Path file) throws IOException {
        List<EpochMetrics> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        ObjectMapper m = Json.mapper();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                out.add(m.readValue(line, EpochMetrics.class));
            }
        }
        return out;
    }
}
