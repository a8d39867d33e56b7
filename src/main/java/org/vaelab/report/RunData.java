package org.vaelab.report;

import java.util.List;
import java.util.Map;
import org.vaelab.tracking.EpochMetrics;
import org.vaelab.tracking.RunSummary;
import org.vaelab.tracking.RunVisuals;

/**
 * Everything the store holds about one run, as loaded: the report model is built from these values alone.
 *
 * @param summary    summary.json
 * @param epochs     metrics.jsonl, oldest first (empty before the first epoch)
 * @param visuals    visuals.json, or null when the trainer has not written it
 * @param provenance provenance.json as a map (empty when missing)
 * @param specYaml   the run's resolved spec.yaml text, or null
 * @param problems   files that could not be read, one line each (shown on the run page)
 */
public record RunData(RunSummary summary, List<EpochMetrics> epochs, RunVisuals visuals,
                      Map<String, Object> provenance, String specYaml, List<String> problems) {
    public RunData {
        epochs = List.copyOf(epochs);
        provenance = provenance == null ? Map.of() : provenance;
        problems = List.copyOf(problems);
    }
}
