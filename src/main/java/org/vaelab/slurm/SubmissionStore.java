package org.vaelab.slurm;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vaelab.tracking.Json;

/**
 * The submissions of a sweep, one JSON line each in {@code results/<sweep>/slurm/submissions.jsonl}, so that
 * {@code vaelab status} knows which Slurm jobs to ask about. Lines are appended with one write each; a line
 * torn by a kill is skipped when read.
 */
public final class SubmissionStore {
    private final Path file;

    public SubmissionStore(Path slurmDir) {
        this.file = slurmDir.resolve("submissions.jsonl");
    }

    /** Appends one submission. */
    public void append(Submission s) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("array_job", s.arrayJob());
        m.put("indices", s.indices());
        m.put("report_job", s.reportJob());
        m.put("submitted", s.submitted());
        Files.createDirectories(file.getParent());
        Files.writeString(file, Json.line(m) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    /** Every submission recorded, oldest first. */
    public List<Submission> read() throws IOException {
        List<Submission> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            try {
                JsonNode n = Json.mapper().readTree(line);
                List<Integer> idx = new ArrayList<>();
                n.get("indices").forEach(x -> idx.add(x.asInt()));
                out.add(new Submission(n.get("array_job").asText(), n.get("report_job").asText(), idx,
                        n.get("submitted").asText()));
            } catch (IOException | RuntimeException e) {
                // a torn last line: the submission it described is lost to status, not the runs
            }
        }
        return out;
    }
}
