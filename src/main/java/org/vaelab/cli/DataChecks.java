package org.vaelab.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.vaelab.data.DataCheck;
import org.vaelab.data.DataException;
import org.vaelab.data.DataLoader;
import org.vaelab.spec.RunSpec;

/**
 * The data-dependent checks of a sweep, every problem at once: each distinct data set and model of its runs
 * against the data on disk ({@link DataLoader#check}). {@code validate}, {@code --dry-run} and {@code run}
 * (before its first write) all go through here, so they refuse the same specs.
 */
final class DataChecks {
    private DataChecks() {
    }

    /**
     * The problems of {@code runs}' data, one line each, starting with the spec file; a problem that only some
     * runs have names them. MNIST not yet fetched is fetched first when {@code fetch}, else noted in
     * {@code pending}.
     */
    static List<String> problems(Path specFile, List<RunSpec> runs, Path dataRoot, boolean fetch,
                                 Set<String> pending) {
        Map<String, List<String>> byProblem = new LinkedHashMap<>();
        Map<Object, DataCheck> seen = new LinkedHashMap<>();
        for (RunSpec r : runs) {
            Object key = List.of(r.config().dataset(), r.config().model());
            DataCheck c = seen.get(key);
            if (c == null) {
                c = DataLoader.check(r.config().dataset(), r.config().model(), dataRoot);
                if (c.pending() != null && fetch) {
                    try {
                        DataLoader.fetch(r.config().dataset(), dataRoot);
                        c = DataLoader.check(r.config().dataset(), r.config().model(), dataRoot);
                    } catch (DataException e) {
                        c = new DataCheck(List.of(e.getMessage()), null);
                    }
                }
                seen.put(key, c);
            }
            if (c.pending() != null) {
                pending.add(c.pending());
            }
            for (String p : c.problems()) {
                byProblem.computeIfAbsent(p, k -> new ArrayList<>()).add(r.name());
            }
        }
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : byProblem.entrySet()) {
            Set<String> names = new LinkedHashSet<>(e.getValue());
            boolean some = runs.size() > 1 && names.size() < runs.size();
            out.add(specFile + ": " + e.getKey() + (some ? " (runs " + String.join(", ", names) + ")" : ""));
        }
        return out;
    }

    /** Throws every problem of {@code runs}' data as one {@link UserError} of one line each. */
    static void require(Path specFile, List<RunSpec> runs, Path dataRoot, boolean fetch, Set<String> pending) {
        List<String> problems = problems(specFile, runs, dataRoot, fetch, pending);
        if (!problems.isEmpty()) {
            throw UserError.located(String.join("\n", problems), null);
        }
    }
}
