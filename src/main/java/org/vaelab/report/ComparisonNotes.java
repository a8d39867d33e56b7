package org.vaelab.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.vaelab.report.ReportModel.Callout;
import org.vaelab.report.ReportModel.CalloutItem;
import org.vaelab.report.ReportModel.RunEntry;

/**
 * What a reader must know before comparing numbers across sweeps or runs (pure): the base-config keys in which
 * the compared sweeps differ beyond what they vary (data set size, epochs, ...), and log p(x) estimates made
 * with different numbers of importance samples, whose bias differs (Burda et al. 2016: the estimate rises
 * with the sample count).
 */
final class ComparisonNotes {
    static final String SAMPLES_KEY = "eval.loglik_samples";
    static final String SUBSET_KEY = "eval.loglik_subset";

    private ComparisonNotes() {
    }

    /** The callouts, empty when there is nothing to warn about. */
    static List<Callout> of(List<RunEntry> runs, List<SweepData> sweeps) {
        List<Callout> out = new ArrayList<>();
        if (sweeps.size() > 1) {
            List<CalloutItem> differ = baseDifferences(runs, sweeps);
            if (!differ.isEmpty()) {
                out.add(new Callout("warning", "The sweeps differ beyond their varied keys", differ));
            }
        }
        List<CalloutItem> loglik = loglikSamples(runs);
        if (!loglik.isEmpty()) {
            out.add(new Callout("warning", "log p(x) estimated with different sample counts: compare those"
                    + " numbers only within one group", loglik));
        }
        return out;
    }

    /**
     * Keys that hold one value throughout each sweep (its base config, not varied by it) but not the same value
     * in all of them: "dataset.subset: beta-sweep 20000 · small 3000".
     */
    static List<CalloutItem> baseDifferences(List<RunEntry> runs, List<SweepData> sweeps) {
        Map<String, Map<String, Set<String>>> bySweep = new LinkedHashMap<>();
        for (SweepData s : sweeps) {
            bySweep.put(s.name(), new TreeMap<>());
        }
        for (RunEntry r : runs) {
            Map<String, Set<String>> values = bySweep.get(r.sweep());
            if (values == null) {
                continue;
            }
            for (Map.Entry<String, Object> e : r.config().entrySet()) {
                values.computeIfAbsent(e.getKey(), k -> new LinkedHashSet<>()).add(Values.format(e.getValue()));
            }
        }
        Set<String> keys = new java.util.TreeSet<>();
        bySweep.values().forEach(m -> keys.addAll(m.keySet()));
        List<CalloutItem> out = new ArrayList<>();
        for (String k : keys) {
            Set<String> all = new LinkedHashSet<>();
            boolean constant = true;
            List<String> parts = new ArrayList<>();
            for (Map.Entry<String, Map<String, Set<String>>> e : bySweep.entrySet()) {
                Set<String> v = e.getValue().getOrDefault(k, Set.of("(unset)"));
                constant &= v.size() == 1;
                all.addAll(v);
                parts.add(e.getKey() + " " + String.join("/", v));
            }
            if (constant && all.size() > 1) {
                out.add(new CalloutItem(null, k + ": " + String.join(" · ", parts)));
            }
        }
        return out;
    }

    /** One item per (samples, images) setting among runs with a log p(x), when there is more than one. */
    static List<CalloutItem> loglikSamples(List<RunEntry> runs) {
        Map<String, List<RunEntry>> groups = new TreeMap<>();
        for (RunEntry r : runs) {
            if (r.summary().testLoglik() == null) {
                continue;
            }
            String samples = Values.format(r.config().get(SAMPLES_KEY));
            String subset = Values.format(r.config().get(SUBSET_KEY));
            groups.computeIfAbsent(samples + " samples on " + subset + " test images", k -> new ArrayList<>())
                    .add(r);
        }
        List<CalloutItem> out = new ArrayList<>();
        if (groups.size() < 2) {
            return out;
        }
        for (Map.Entry<String, List<RunEntry>> e : groups.entrySet()) {
            Set<String> sweeps = new LinkedHashSet<>();
            e.getValue().forEach(r -> sweeps.add(r.sweep()));
            out.add(new CalloutItem(null, e.getKey() + ": " + e.getValue().size() + " run"
                    + (e.getValue().size() == 1 ? "" : "s") + " of " + String.join(", ", sweeps)));
        }
        return out;
    }
}
