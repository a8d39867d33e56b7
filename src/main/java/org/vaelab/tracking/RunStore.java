package org.vaelab.tracking;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.vaelab.spec.RunSpec;

/**
 * The file-based run store of one sweep, {@code results/<sweep>/}: a folder per run, and index.json listing
 * them. The folders are the truth; index.json is rebuilt from them under a lock, so two processes working
 * on one sweep never lose each other's runs.
 */
public final class RunStore {
    /** Names that may become a folder: no separators, no "..", nothing hidden. */
    private static final Pattern SAFE = Pattern.compile("[a-z0-9][a-z0-9._-]*");
    static final String INDEX = "index.json";

    private final Path sweepDir;
    private final String sweep;

    /** The store of {@code sweep} under {@code resultsRoot}; refuses names that could leave resultsRoot. */
    public RunStore(Path resultsRoot, String sweep) {
        requireSafe("sweep name", sweep);
        this.sweep = sweep;
        this.sweepDir = resultsRoot.resolve(sweep);
    }

    /** The store of an existing sweep folder (for reports). */
    public static RunStore at(Path sweepDir) {
        Path abs = sweepDir.toAbsolutePath().normalize();
        return new RunStore(abs.getParent(), abs.getFileName().toString());
    }

    static void requireSafe(String what, String name) {
        if (name == null || !SAFE.matcher(name).matches() || name.contains("..")) {
            throw new IllegalArgumentException(what + " '" + name
                    + "' is not a safe folder name (allowed: lower-case letters, digits, '.', '_', '-')");
        }
    }

    /** results/&lt;sweep&gt;/. */
    public Path sweepDir() {
        return sweepDir;
    }

    /** The sweep name. */
    public String sweep() {
        return sweep;
    }

    /** The folder of run {@code id}. */
    public Path runDir(String id) {
        requireSafe("run id", id);
        return sweepDir.resolve(id);
    }

    /** Creates the sweep folder, failing with a clear message when it cannot be written. */
    public void create() throws IOException {
        Files.createDirectories(sweepDir);
        if (!Files.isWritable(sweepDir)) {
            throw new IOException(sweepDir + ": results folder is not writable");
        }
    }

    /** Tries to take run {@code id}'s lock: empty when another process is training it right now. */
    public Optional<RunLock> tryLock(String id) throws IOException {
        Files.createDirectories(runDir(id));
        return RunLock.tryAcquire(runDir(id).resolve("run.lock"));
    }

    /** Waits for run {@code id}'s lock (another process is training it and will let go when done or dead). */
    public RunLock lock(String id) throws IOException {
        Files.createDirectories(runDir(id));
        return RunLock.acquire(runDir(id).resolve("run.lock"));
    }

    /** The process id written into run {@code id}'s lock file by its last holder, if readable. */
    public Optional<Long> lockHolder(String id) {
        try {
            return Optional.of(Long.parseLong(Files.readString(runDir(id).resolve("run.lock")).strip()));
        } catch (IOException | NumberFormatException | SecurityException e) {
            return Optional.empty();
        }
    }

    /**
     * Opens run {@code run}'s folder for recording, writing spec.yaml and a pending summary the first time;
     * an existing run keeps its metrics and summary (a resume). The caller must hold the run's lock, which
     * also makes it safe to remove the temporary files of writes a kill interrupted.
     */
    public RunRecorder open(RunSpec run, Map<String, Object> configTree, String resolvedYaml) throws IOException {
        Path dir = Files.createDirectories(runDir(run.id()));
        AtomicFiles.removeLeftovers(dir);
        AtomicFiles.removeLeftovers(dir.resolve(RunRecorder.CHECKPOINTS));
        Path spec = dir.resolve(RunRecorder.SPEC);
        if (!Files.exists(spec)) {
            AtomicFiles.writeString(spec, resolvedYaml);
        }
        Optional<RunSummary> existing = readSummary(run.id());
        RunSummary summary = existing.orElseGet(() -> pending(run, configTree));
        RunRecorder rec = new RunRecorder(dir, RunRecorder.readMetrics(dir.resolve(RunRecorder.METRICS)), summary);
        if (existing.isEmpty()) {
            rec.updateSummary(s -> s);
        }
        return rec;
    }

    /**
     * Writes a pending summary for a run not yet started, so the index and report list every planned run.
     * Under the run's lock: without it, another process could finish the run between our look and our
     * write, and the pending summary would overwrite its completed one (and the run be trained again).
     */
    public void plan(RunSpec run, Map<String, Object> configTree) throws IOException {
        if (readSummary(run.id()).isPresent()) {
            return;
        }
        Optional<RunLock> lock = tryLock(run.id());
        if (lock.isEmpty()) {
            return; // its holder is training it and writes the summary itself
        }
        try (RunLock held = lock.get()) {
            if (readSummary(run.id()).isEmpty()) {
                AtomicFiles.writeString(runDir(run.id()).resolve(RunRecorder.SUMMARY),
                        Json.pretty(pending(run, configTree)));
            }
        }
    }

    private RunSummary pending(RunSpec run, Map<String, Object> configTree) {
        return RunSummary.builder(run.id(), run.name(), sweep, run.index()).status(RunStatus.PENDING)
                .varied(new LinkedHashMap<>(run.varied())).config(configTree).build();
    }

    /**
     * The summary as it is true now: a summary that says running while no process holds the run's lock was
     * left by a process that died (kill -9, a crash) and is shown as interrupted, as it resumes on the next run.
     * The file is left as it is; the next process to take the lock rewrites it.
     */
    public RunSummary observed(RunSummary s) throws IOException {
        if (s.status() == RunStatus.RUNNING && RunLock.isFree(runDir(s.id()).resolve("run.lock"))) {
            return s.toBuilder().status(RunStatus.INTERRUPTED)
                    .cause(s.cause() != null ? s.cause() : "its process ended while it was running").build();
        }
        return s;
    }

    /** The summary of run {@code id}, if it has one. */
    public Optional<RunSummary> readSummary(String id) throws IOException {
        Path f = runDir(id).resolve(RunRecorder.SUMMARY);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        return Optional.of(Json.mapper().readValue(f.toFile(), RunSummary.class));
    }

    /** The epochs recorded for run {@code id}. */
    public List<EpochMetrics> readMetrics(String id) throws IOException {
        return RunRecorder.readMetrics(runDir(id).resolve(RunRecorder.METRICS));
    }

    /** The pictures of run {@code id} (visuals.json), if the trainer wrote them. */
    public Optional<RunVisuals> readVisuals(String id) throws IOException {
        Path f = runDir(id).resolve(RunRecorder.VISUALS);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        return Optional.of(Json.mapper().readValue(f.toFile(), RunVisuals.class));
    }

    /** Every run folder's summary, in expansion order. */
    public List<RunSummary> summaries() throws IOException {
        List<RunSummary> out = new ArrayList<>();
        if (!Files.isDirectory(sweepDir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(sweepDir, Files::isDirectory)) {
            for (Path d : ds) {
                Path f = d.resolve(RunRecorder.SUMMARY);
                if (Files.exists(f)) {
                    out.add(Json.mapper().readValue(f.toFile(), RunSummary.class));
                }
            }
        }
        out.sort(Comparator.comparingInt(RunSummary::index).thenComparing(RunSummary::id));
        return out;
    }

    /**
     * Replaces file {@code name} of the sweep folder (such as sweep.json) under the sweep lock, which also
     * makes it safe to remove what an interrupted write of it left behind.
     */
    public void writeSweepFile(String name, String text) throws IOException {
        requireSafe("file name", name);
        create();
        try (RunLock ignored = RunLock.acquire(sweepDir.resolve(".index.lock"))) {
            AtomicFiles.removeLeftovers(sweepDir, name);
            AtomicFiles.writeString(sweepDir.resolve(name), text);
        }
    }

    /**
     * Rebuilds index.json from the run folders (under the sweep lock). {@code runs} lists the runs of the
     * current spec version (see {@link SpecVersions}) at their place in its expansion; runs only an earlier
     * version made go to {@code earlier_runs}, each with the {@code spec_version} that made it, so the index
     * never holds two runs with one index.
     */
    public void writeIndex() throws IOException {
        create();
        try (RunLock ignored = RunLock.acquire(sweepDir.resolve(".index.lock"))) {
            AtomicFiles.removeLeftovers(sweepDir, INDEX); // index.json is only written under this lock
            SpecVersions versions = SpecVersions.read(sweepDir);
            List<Map<String, Object>> runs = new ArrayList<>();
            List<Map<String, Object>> earlier = new ArrayList<>();
            for (RunSummary stored : summaries()) {
                RunSummary s = observed(stored);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("id", s.id());
                r.put("name", s.name());
                boolean current = versions.isCurrent(s.id());
                r.put("index", current && !versions.isEmpty() ? versions.currentRuns().indexOf(s.id()) : s.index());
                r.put("status", s.status().json());
                r.put("varied", s.varied());
                r.put("epochs_completed", s.epochsCompleted());
                if (s.verdict() != null) {
                    r.put("verdict", s.verdict().json());
                }
                if (current) {
                    runs.add(r);
                } else {
                    versions.versionOf(s.id()).ifPresent(v -> r.put("spec_version", v));
                    earlier.add(r);
                }
            }
            runs.sort(Comparator.comparingInt(r -> (Integer) r.get("index")));
            Map<String, Object> index = new LinkedHashMap<>();
            index.put("sweep", sweep);
            index.put("updated", Instant.now().toString());
            index.put("runs", runs);
            if (!versions.isEmpty()) {
                index.put("spec_version", versions.current());
                if (!earlier.isEmpty()) {
                    index.put("earlier_runs", earlier);
                }
            }
            AtomicFiles.writeString(sweepDir.resolve(INDEX), Json.pretty(index));
        }
    }
}
