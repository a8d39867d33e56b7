package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vaelab.spec.ConfigTree;
import org.vaelab.spec.RunSpec;
import org.vaelab.spec.yaml.SpecLoader;
import org.vaelab.sweep.SweepExpander;

/** What {@code run --dry-run} prints: the aligned table and the JSON list of expanded runs. */
class DryRunFormatTest {
    private static List<RunSpec> runs() throws Exception {
        return SweepExpander.expand(SpecLoader.parse("""
                name: fmt
                model: {hidden: [64, 64]}
                sweep:
                  grid: {model.latent_dim: [2, 16, 128], loss.beta: [0.5, 4.0]}
                  seeds: [1, 12]
                """, "fmt.yaml", List.of()));
    }

    @Test
    void tableColumnsAreAligned() throws Exception {
        List<RunSpec> runs = runs();
        String table = DryRunFormat.table(runs);
        List<String> lines = table.lines().toList();
        assertTrue(table.endsWith("\n"));
        assertEquals(1 + runs.size(), lines.size());
        assertEquals(List.of("#", "id", "name", "model.latent_dim", "loss.beta", "train.seed", "params"),
                List.of(lines.get(0).trim().split(" {2,}")));
        // Every cell of a column starts at the header's column.
        List<Integer> starts = new ArrayList<>();
        for (String h : List.of("id", "name", "model.latent_dim", "loss.beta", "train.seed")) {
            starts.add(lines.get(0).indexOf(h));
        }
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            RunSpec run = runs.get(i - 1);
            assertEquals(line, line.stripTrailing(), "no trailing spaces");
            assertEquals(run.id(), line.substring(starts.get(0), starts.get(0) + 12));
            assertTrue(line.startsWith(run.name(), starts.get(1)), line);
            assertTrue(line.startsWith(run.varied().get("model.latent_dim").toString(), starts.get(2)), line);
            assertEquals(' ', line.charAt(starts.get(2) - 1));
            assertTrue(line.startsWith(run.index() + " ", starts.get(0) - 2 - Integer.toString(run.index()).length()), line);
        }
        assertTrue(lines.get(8).contains("  4  "), "4.0 is shown as 4: " + lines.get(8));
        assertEquals(" 7  ", lines.get(8).substring(0, 4), "the # column is right-aligned");
    }

    @Test
    void jsonListsIdNameAndTheFullConfigWhichBindsBack() throws Exception {
        List<RunSpec> runs = runs();
        String json = DryRunFormat.json(runs);
        List<Map<String, Object>> parsed = new ObjectMapper().readValue(json, new TypeReference<>() { });
        assertEquals(runs.size(), parsed.size());
        for (int i = 0; i < runs.size(); i++) {
            Map<String, Object> entry = parsed.get(i);
            assertEquals(List.of("config", "id", "name"), List.copyOf(entry.keySet()), "sorted keys");
            assertEquals(runs.get(i).id(), entry.get("id"));
            assertEquals(runs.get(i).name(), entry.get("name"));
            @SuppressWarnings("unchecked")
            Map<String, Object> config = (Map<String, Object>) entry.get("config");
            assertEquals(List.of("dataset", "eval", "loss", "model", "train"), List.copyOf(config.keySet()));
            assertEquals(runs.get(i).config(), ConfigTree.bindConfig(config).orThrow(), "the JSON config is complete");
        }
        assertTrue(json.contains("\n      \"hidden\": [ 64, 64 ],\n"), json);
        assertTrue(json.endsWith("]\n"));
        assertEquals(json, DryRunFormat.json(runs()), "deterministic");
    }
}
