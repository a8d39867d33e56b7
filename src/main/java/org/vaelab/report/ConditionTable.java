package org.vaelab.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.vaelab.diagnostics.ReplicateStats;
import org.vaelab.diagnostics.ReplicateStats.Difference;
import org.vaelab.diagnostics.ReplicateStats.Estimate;
import org.vaelab.diagnostics.Verdict;
import org.vaelab.report.ReportModel.RunEntry;

/**
 * The report's view of replicates (pure): runs that share every config key but {@code train.seed} form a
 * condition; each condition gets n, mean ± sd and the 95% t interval of its final numbers and its verdicts
 * counted, and for every varied key the difference of means between its values, paired by seed when both
 * sides ran the same seeds and Welch's interval otherwise. Present only when some condition has two or more
 * runs: with one run per condition there is no spread to show.
 *
 * @param keys        the keys that tell conditions apart (the report's varied keys without sweep and seed)
 * @param conditions  the conditions in the runs' order
 * @param comparisons per varied key, each value against the key's first value at equal other keys
 */
public record ConditionTable(List<String> keys, List<Condition> conditions, List<Comparison> comparisons) {
    /** The final numbers a condition is summarised by, in table order. */
    public static final List<Metric> METRICS = List.of(
            new Metric("test_loss", "−ELBO", "nats", RunEntry::testLoss, -1),
            new Metric("test_recon", "Recon", "nats", RunEntry::testRecon, -1),
            new Metric("test_kl", "KL", "nats", RunEntry::testKl, 0),
            new Metric("active_units", "Active", "units", r -> r.activeUnits() == null ? null
                    : r.activeUnits().doubleValue(), 0),
            new Metric("test_loglik", "log p(x)", "nats", r -> r.summary().testLoglik(), 1));
    /** The metrics the comparisons are stated for: the bound and how many units the code uses. */
    static final List<String> COMPARED = List.of("test_loss", "active_units");

    public ConditionTable {
        keys = List.copyOf(keys);
        conditions = List.copyOf(conditions);
        comparisons = List.copyOf(comparisons);
    }

    /**
     * One final number of a run.
     *
     * @param id     the metrics.jsonl / summary.json name
     * @param label  the column header
     * @param unit   nats or units
     * @param value  the run's value, null when it has none
     * @param better +1 when larger is better, −1 when smaller is, 0 when neither
     */
    public record Metric(String id, String label, String unit, Function<RunEntry, Double> value, int better) {
    }

    /**
     * Runs that differ only in their seed.
     *
     * @param label    the condition's varied values ("latent_dim=32, schedule=linear"), or "all runs"
     * @param values   the values of {@link ConditionTable#keys} for it
     * @param runs     its runs, in the report's order
     * @param stats    per metric id, the estimate over its completed runs with a finite value (absent when none)
     * @param verdicts verdicts counted over all its runs ("3 partial_collapse")
     */
    public record Condition(String label, Map<String, Object> values, List<RunEntry> runs,
                            Map<String, Estimate> stats, Map<Verdict, Integer> verdicts) {
        /** Completed runs, the n of the statistics. */
        public int completed() {
            return (int) runs.stream().filter(RunEntry::completed).count();
        }

        /** The estimate of {@code metric}, or null. */
        public Estimate stat(String metric) {
            return stats.get(metric);
        }
    }

    /**
     * A difference of means between two conditions that differ in one key.
     *
     * @param key      the varied key
     * @param metric   the metric id
     * @param a        the condition with the other value
     * @param baseline the condition with the key's first value
     * @param at       the other keys' values both share ("latent_dim=32"), or "" when nothing else varies
     * @param diff     mean of a minus mean of baseline, with its interval
     */
    public record Comparison(String key, String metric, Condition a, Condition baseline, String at,
                             Difference diff) {
    }

    /** The table, or empty when no condition has two runs. */
    public static Optional<ConditionTable> of(ReportModel m) {
        List<String> keys = m.variedKeys().stream()
                .filter(k -> !k.equals(ReportModel.SWEEP_KEY) && !k.equals(ReportModel.SEED_KEY)).toList();
        Map<String, String> names = Values.shortNames(m.variedKeys());
        // Grouped by the whole config without the seed, so that runs of two compared sweeps pool only when
        // they really ran the same configuration; labelled by the varied keys people read.
        Map<String, List<RunEntry>> groups = new LinkedHashMap<>();
        for (RunEntry r : m.runs()) {
            Map<String, Object> config = new TreeMap<>(r.config());
            config.remove(ReportModel.SEED_KEY);
            for (String k : keys) {
                config.put(k, r.varied().get(k));
            }
            groups.computeIfAbsent(Values.format(new ArrayList<>(config.entrySet())), k -> new ArrayList<>()).add(r);
        }
        if (groups.values().stream().noneMatch(g -> g.size() > 1)) {
            return Optional.empty();
        }
        List<Condition> conditions = new ArrayList<>();
        Map<String, Integer> labels = new LinkedHashMap<>();
        for (List<RunEntry> runs : groups.values()) {
            Map<String, Object> values = new LinkedHashMap<>();
            List<String> parts = new ArrayList<>();
            for (String k : keys) {
                values.put(k, runs.get(0).varied().get(k));
                parts.add(names.get(k) + "=" + Values.format(runs.get(0).varied().get(k)));
            }
            String label = parts.isEmpty() ? "all runs" : String.join(", ", parts);
            int seen = labels.merge(label, 1, Integer::sum);
            if (seen > 1) {
                label = label + " (" + runs.get(0).sweep() + ")"; // same varied values, other config: say which
            }
            conditions.add(condition(label, values, runs));
        }
        return Optional.of(new ConditionTable(keys, conditions, comparisons(m, keys, conditions)));
    }

    private static Condition condition(String label, Map<String, Object> values, List<RunEntry> runs) {
        Map<String, Estimate> stats = new LinkedHashMap<>();
        for (Metric metric : METRICS) {
            double[] xs = finalValues(runs, metric);
            if (xs.length > 0) {
                stats.put(metric.id(), ReplicateStats.of(xs));
            }
        }
        Map<Verdict, Integer> verdicts = new LinkedHashMap<>();
        for (Verdict v : Verdict.values()) {
            int n = (int) runs.stream().filter(r -> r.verdict() == v).count();
            if (n > 0) {
                verdicts.put(v, n);
            }
        }
        return new Condition(label, values, runs, stats, verdicts);
    }

    private static double[] finalValues(List<RunEntry> runs, Metric metric) {
        return runs.stream().filter(RunEntry::completed).map(metric.value()).filter(Objects::nonNull)
                .mapToDouble(Double::doubleValue).filter(Double::isFinite).toArray();
    }

    private static Metric metric(String id) {
        return METRICS.stream().filter(x -> x.id().equals(id)).findFirst().orElseThrow();
    }

    /**
     * For each key, at each combination of the other keys, every value against the key's first value (in
     * expansion order). Pairs are formed by seed when both conditions' completed runs have the same seeds,
     * each once.
     */
    private static List<Comparison> comparisons(ReportModel m, List<String> keys, List<Condition> conditions) {
        List<Comparison> out = new ArrayList<>();
        Map<String, String> names = Values.shortNames(m.variedKeys());
        for (String key : keys) {
            if (m.values(key).size() < 2) {
                continue;
            }
            Map<String, List<Condition>> byRest = new LinkedHashMap<>();
            for (Condition c : conditions) {
                List<String> rest = new ArrayList<>();
                for (String k : keys) {
                    if (!k.equals(key)) {
                        rest.add(names.get(k) + "=" + Values.format(c.values().get(k)));
                    }
                }
                byRest.computeIfAbsent(String.join(", ", rest), k -> new ArrayList<>()).add(c);
            }
            for (Map.Entry<String, List<Condition>> e : byRest.entrySet()) {
                // Conditions are in expansion order, so the first is the key's first value in the spec: the
                // baseline a user wrote first (none before linear), not the alphabetical first.
                List<Condition> cs = e.getValue();
                Condition base = cs.get(0);
                for (Condition c : cs.subList(1, cs.size())) {
                    for (String id : COMPARED) {
                        difference(base, c, metric(id)).ifPresent(d -> out.add(new Comparison(key, id, c, base,
                                e.getKey(), d)));
                    }
                }
            }
        }
        return out;
    }

    /** a − baseline of one metric, paired by seed when the seeds match, Welch otherwise; empty without values. */
    static Optional<Difference> difference(Condition baseline, Condition a, Metric metric) {
        Map<String, Double> sa = bySeed(a.runs(), metric);
        Map<String, Double> sb = bySeed(baseline.runs(), metric);
        if (sa != null && sb != null && sa.size() >= 2 && sa.keySet().equals(sb.keySet())) {
            double[] x = sa.values().stream().mapToDouble(Double::doubleValue).toArray();
            double[] y = sa.keySet().stream().mapToDouble(sb::get).toArray();
            return Optional.of(ReplicateStats.paired(x, y));
        }
        double[] x = finalValues(a.runs(), metric);
        double[] y = finalValues(baseline.runs(), metric);
        if (x.length == 0 || y.length == 0) {
            return Optional.empty();
        }
        return Optional.of(ReplicateStats.welch(x, y));
    }

    /** Completed runs' values by seed, or null when a seed is missing or repeats (then runs cannot pair). */
    private static Map<String, Double> bySeed(List<RunEntry> runs, Metric metric) {
        Map<String, Double> out = new TreeMap<>();
        for (RunEntry r : runs) {
            Double v = r.completed() ? metric.value().apply(r) : null;
            if (v == null || !Double.isFinite(v)) {
                continue;
            }
            Object seed = r.varied().containsKey(ReportModel.SEED_KEY) ? r.varied().get(ReportModel.SEED_KEY)
                    : r.config().get(ReportModel.SEED_KEY);
            if (seed == null || out.put(Values.format(seed), v) != null) {
                return null;
            }
        }
        return out;
    }

    /** The condition with the best mean test −ELBO (lowest), preferring conditions with two or more runs. */
    public Optional<Condition> best() {
        Comparator<Condition> byMean = Comparator.comparingDouble(c -> c.stat("test_loss").mean());
        List<Condition> scored = conditions.stream().filter(c -> c.stat("test_loss") != null).toList();
        Optional<Condition> replicated = scored.stream().filter(c -> c.stat("test_loss").n() >= 2).min(byMean);
        return replicated.isPresent() ? replicated : scored.stream().min(byMean);
    }

    /** "114.87 ± 0.15 [114.49, 115.25]": mean ± sd and the 95% interval; the mean alone for one run. */
    public static String format(Estimate e) {
        if (e == null) {
            return "";
        }
        if (e.n() < 2) {
            return Values.metric(e.mean());
        }
        return Values.metric(e.mean()) + " ± " + Values.metric(e.sd()) + " [" + Values.metric(e.lo()) + ", "
                + Values.metric(e.hi()) + "]";
    }

    /**
     * One line for a callout: "linear − none at latent_dim=32: −ELBO −1.47 nats [−2.23, −0.71], paired by seed
     * (n = 3)", ending in "within the seed spread" when the interval covers 0.
     */
    public static String sentence(Comparison c, Map<String, String> names) {
        Metric metric = metric(c.metric());
        Difference d = c.diff();
        String key = names.getOrDefault(c.key(), c.key());
        StringBuilder s = new StringBuilder();
        s.append(key).append(' ').append(Values.format(c.a().values().get(c.key()))).append(" − ")
                .append(Values.format(c.baseline().values().get(c.key())));
        if (!c.at().isEmpty()) {
            s.append(" at ").append(c.at());
        }
        s.append(": ").append(metric.label()).append(' ').append(signed(d.mean())).append(' ').append(metric.unit());
        if (Double.isNaN(d.lo())) {
            s.append(", no interval (one run on a side)");
        } else {
            s.append(" [").append(signed(d.lo())).append(", ").append(signed(d.hi())).append(']');
            s.append(d.pairing() == ReplicateStats.Pairing.PAIRED ? ", paired by seed (n = " + d.n() + ")"
                    : String.format(Locale.ROOT, ", Welch (df %.1f)", d.df()));
        }
        if (d.coversZero()) {
            s.append(": within the seed spread");
        } else if (metric.better() != 0) {
            boolean aBetter = d.mean() * metric.better() > 0;
            s.append(": ").append(aBetter ? "better" : "worse");
        }
        return s.toString();
    }

    private static String signed(double v) {
        String t = Values.metric(v);
        return v > 0 ? "+" + t : t.replace('-', '−');
    }
}
