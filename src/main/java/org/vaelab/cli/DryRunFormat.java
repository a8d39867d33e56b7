package org.vaelab.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.vaelab.spec.ConfigTree;
import org.vaelab.spec.DatasetName;
import org.vaelab.spec.ModelSummary;
import org.vaelab.spec.RunSpec;
import org.vaelab.spec.SpecValues;

/** What {@code run --dry-run} prints: the expanded runs as an aligned table or as JSON. Pure: returns text. */
final class DryRunFormat {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    /**
     * Two-space indent, {@code "key": value}, short lists on one line, and "\n" line ends on every OS, so
     * the output diffs cleanly and reads like the spec.
     */
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter(Separators.createDefaultInstance()
            .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"));

    private DryRunFormat() {
    }

    /**
     * An aligned table: columns {@code #} (the run's index), {@code id}, {@code name}, then one column per
     * varied key (full dotted path) in expansion order (a layer list by its layers' labels), then
     * {@code params}, the model's parameter count ({@code ?} for idx data, whose image size only its files
     * know). Ends with a newline; no trailing spaces.
     */
    static String table(List<RunSpec> runs) {
        Set<String> keys = new LinkedHashSet<>();
        runs.forEach(r -> keys.addAll(r.varied().keySet()));
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("#", "id", "name"));
        header.addAll(keys);
        header.add("params");
        rows.add(header);
        for (RunSpec r : runs) {
            List<String> row = new ArrayList<>(List.of(Integer.toString(r.index()), r.id(), r.name()));
            for (String k : keys) {
                row.add(r.varied().containsKey(k) ? SpecValues.format(r.varied().get(k)) : "");
            }
            row.add(params(r));
            rows.add(row);
        }
        int[] width = new int[header.size()];
        for (List<String> row : rows) {
            for (int c = 0; c < row.size(); c++) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < row.size(); c++) {
                String cell = row.get(c);
                if (c == 0) {
                    line.append(" ".repeat(width[c] - cell.length())).append(cell); // numbers right-aligned
                } else {
                    line.append(cell).append(" ".repeat(width[c] - cell.length()));
                }
                line.append("  ");
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    /** The run's parameter count with thousands separators, or {@code ?} when the image size is not known yet. */
    static String params(RunSpec r) {
        DatasetName data = r.config().dataset().name();
        if (data.rows() == 0) {
            return "?";
        }
        return ModelSummary.count(ModelSummary.of(r.config().model(), data.rows(), data.cols()).total());
    }

    /**
     * A JSON list of {@code {config, id, name}} objects, {@code config} being the full resolved config nested
     * as in a spec file; keys sorted at every level, two-space indent, trailing newline.
     */
    static String json(List<RunSpec> runs) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (RunSpec r : runs) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", r.id());
            entry.put("name", r.name());
            entry.put("config", ConfigTree.toTree(r.config()));
            list.add(entry);
        }
        try {
            return JSON.writer(PRETTY).writeValueAsString(list) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of maps, lists and scalars always serialises", e);
        }
    }
}
