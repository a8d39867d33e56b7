package org.vaelab.report;

import java.util.List;

/**
 * One sweep's results as loaded from results/&lt;sweep&gt;/.
 *
 * @param name        sweep name (the folder name)
 * @param description the spec's description, or null
 * @param specText    the sweep's spec text as written next to the runs, or null
 * @param runs        its runs in expansion order
 * @param problems    files that could not be read, one line each
 */
public record SweepData(String name, String description, String specText, List<RunData> runs,
                        List<String> problems) {
    public SweepData {
        runs = List.copyOf(runs);
        problems = List.copyOf(problems);
    }
}
