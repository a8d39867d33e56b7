package org.vaelab.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.vaelab.diagnostics.Verdict;
import org.vaelab.tracking.EpochMetrics;
import org.vaelab.tracking.RunStatus;
import org.vaelab.tracking.RunSummary;

/**
 * What a report says, computed from loaded sweeps and nothing else (no I/O, no clock): the runs with their
 * pages, which config keys vary, which key colours the curves and which splits them into panels, status
 * counts, and the callouts a reader should see first (best run, collapsed, diverged and failed runs).
 *
 * @param title      page title: the sweep name, or the sweep names joined for a comparison
 * @param sweeps     one header per sweep
 * @param runs       every run, in sweep then expansion order
 * @param variedKeys keys whose values differ between runs ("sweep" first in a comparison), in spec order
 * @param colourKey  the varied key that colours curves, or null when nothing varies
 * @param panelKey   the varied key with one panel per value, or null for a single panel
 * @param statusCounts runs per status (completed, running, pending, failed, diverged), zeros left out
 * @param callouts   things to read first, most important first
 */
public record ReportModel(String title, List<SweepHeader> sweeps, List<RunEntry> runs, List<String> variedKeys,
                          String colourKey, String panelKey, Map<RunStatus, Integer> statusCounts,
                          List<Callout> callouts) {
    /** The pseudo config key that tells sweeps apart in a comparison report. */
    public static final String SWEEP_KEY = "sweep";
    static final String LATENT_KEY = "model.latent_dim";
    static final String BETA_KEY = "loss.beta";
    static final List<RunStatus> STATUS_ORDER = List.of(RunStatus.COMPLETED, RunStatus.RUNNING,
            RunStatus.INTERRUPTED, RunStatus.PENDING, RunStatus.FAILED, RunStatus.DIVERGED);
    /** The key `sweep.seeds` varies. */
    public static final String SEED_KEY = "train.seed";
    /** More panels than this would be unreadable small multiples: curves then share one panel. */
    static final int MAX_PANELS = 8;

    public ReportModel {
        sweeps = List.copyOf(sweeps);
        runs = List.copyOf(runs);
        variedKeys = List.copyOf(variedKeys);
        callouts = List.copyOf(callouts);
    }

    /**
     * One sweep's header facts.
     *
     * @param name         sweep name
     * @param description  spec description, or null
     * @param specText     spec text, or null
     * @param started      earliest run start (ISO-8601), or null
     * @param finished     latest run end (ISO-8601), or null
     * @param seconds      training time summed over runs
     * @param machine      where the runs ran (from provenance.json), or null
     * @param statusCounts runs per status
     * @param problems     files that could not be read
     */
    public record SweepHeader(String name, String description, String specText, String started, String finished,
                              double seconds, String machine, Map<RunStatus, Integer> statusCounts,
                              List<String> problems) {
    }

    /**
     * One run as the report shows it.
     *
     * @param data     the loaded run
     * @param page     its page, relative to the report folder (runs/&lt;sweep&gt;/&lt;id&gt;.html)
     * @param assetDir the folder of its images, relative to the report folder
     * @param varied   the values of the report's varied keys for this run
     * @param config   the resolved config flattened to dotted keys
     */
    public record RunEntry(RunData data, String page, String assetDir, Map<String, Object> varied,
                           Map<String, Object> config) {
        public RunSummary summary() {
            return data.summary();
        }

        public String id() {
            return summary().id();
        }

        public String sweep() {
            return summary().sweep();
        }

        /** The run's readable name (its varied keys), or its id when it has none. */
        public String name() {
            String n = summary().name();
            return n == null || n.isBlank() ? summary().id() : n;
        }

        public RunStatus status() {
            return summary().status();
        }

        public boolean completed() {
            return status() == RunStatus.COMPLETED;
        }

        public Verdict verdict() {
            return summary().verdict();
        }

        public EpochMetrics last() {
            EpochMetrics m = summary().finalMetrics();
            return m != null ? m : data.epochs().isEmpty() ? null : data.epochs().get(data.epochs().size() - 1);
        }

        public Double testLoss() {
            return last() == null ? null : last().testLoss();
        }

        public Double testRecon() {
            return last() == null ? null : last().testRecon();
        }

        public Double testKl() {
            return last() == null ? null : last().testKl();
        }

        /** Active units at the end (summary, else the last epoch's count), or null. */
        public Integer activeUnits() {
            if (summary().activeUnits() != null) {
                return summary().activeUnits();
            }
            return last() == null ? null : last().activeUnits();
        }

        /** model.latent_dim from the config, else the length of the KL-per-dimension list, else null. */
        public Integer latentDim() {
            Double d = Values.number(config.get(LATENT_KEY));
            if (d != null) {
                return d.intValue();
            }
            EpochMetrics m = last();
            return m != null && m.klPerDim() != null ? m.klPerDim().size() : null;
        }

        /** loss.beta from the config, or null. */
        public Double beta() {
            return Values.number(config.get(BETA_KEY));
        }

        /** Why a failed or diverged run stopped, or null. */
        public String cause() {
            return summary().cause();
        }
    }

    /**
     * Something to read before the charts.
     *
     * @param kind  best, collapse, partial, diverged, failed or warning (styles the box)
     * @param title what it is about
     * @param items the runs concerned, each with a detail
     */
    public record Callout(String kind, String title, List<CalloutItem> items) {
    }

    /**
     * One line of a callout.
     *
     * @param run    the run it names, or null for a sweep-level note
     * @param detail what to know about it
     */
    public record CalloutItem(RunEntry run, String detail) {
    }

    /** Builds the model of a report over {@code sweeps} (one or more). */
    public static ReportModel of(List<SweepData> sweeps) {
        if (sweeps.isEmpty()) {
            throw new IllegalArgumentException("a report needs at least one sweep");
        }
        boolean combined = sweeps.size() > 1;
        // Varied keys: every key a run declares varied, in first-seen order, plus keys that differ between runs
        // of different sweeps in a comparison; a key with one value across the report is not "varied" here.
        Set<String> declared = new LinkedHashSet<>();
        List<Map<String, Object>> configs = new ArrayList<>();
        for (SweepData s : sweeps) {
            for (RunData r : s.runs()) {
                if (r.summary().varied() != null) {
                    declared.addAll(r.summary().varied().keySet());
                }
                configs.add(Values.flatten(r.summary().config()));
            }
        }
        List<String> varying = new ArrayList<>();
        for (String k : declared) {
            if (distinctValues(configs, sweeps, k).size() > 1) {
                varying.add(k);
            }
        }
        List<String> varied = new ArrayList<>();
        if (combined) {
            varied.add(SWEEP_KEY);
        }
        varied.addAll(expansionOrder(varying, configs, sweeps));
        List<RunEntry> runs = new ArrayList<>();
        int i = 0;
        for (SweepData s : sweeps) {
            for (RunData stored : s.runs()) {
                // In a comparison every run's name says its sweep: in the table, callouts, legends and pages.
                RunData r = combined ? withSweepInName(stored, s.name()) : stored;
                Map<String, Object> config = configs.get(i++);
                Map<String, Object> v = new LinkedHashMap<>();
                for (String k : varied) {
                    v.put(k, valueOf(k, r, config));
                }
                String base = "runs/" + s.name() + "/" + r.summary().id();
                runs.add(new RunEntry(r, base + ".html", base + "/", v, config));
            }
        }
        String[] keys = combined ? chooseComparisonKeys(varied, runs, sweeps.size()) : chooseKeys(varied, runs);
        List<SweepHeader> headers = new ArrayList<>();
        for (SweepData s : sweeps) {
            headers.add(header(s));
        }
        String title = combined ? String.join(" vs ", sweeps.stream().map(SweepData::name).toList())
                : sweeps.get(0).name();
        return new ReportModel(title, headers, runs, varied, keys[0], keys[1], counts(runs), callouts(runs, sweeps));
    }

    /** True when the report compares several sweeps. */
    public boolean combined() {
        return sweeps.size() > 1;
    }

    /** Distinct values of {@code key} over the runs, in value order. */
    public List<Object> values(String key) {
        List<Object> all = new ArrayList<>();
        for (RunEntry r : runs) {
            all.add(r.varied().containsKey(key) ? r.varied().get(key) : r.config().get(key));
        }
        return Values.distinct(all);
    }

    /** Distinct latent sizes of the runs (config or KL list length), ascending. */
    public List<Integer> latentDims() {
        return runs.stream().map(RunEntry::latentDim).filter(d -> d != null).distinct().sorted().toList();
    }

    /** Distinct betas of the runs, ascending. */
    public List<Double> betas() {
        return runs.stream().map(RunEntry::beta).filter(d -> d != null).distinct().sorted().toList();
    }

    private static List<Object> distinctValues(List<Map<String, Object>> configs, List<SweepData> sweeps, String k) {
        List<Object> all = new ArrayList<>();
        int i = 0;
        for (SweepData s : sweeps) {
            for (RunData r : s.runs()) {
                Map<String, Object> varied = r.summary().varied();
                all.add(varied != null && varied.containsKey(k) ? varied.get(k) : configs.get(i).get(k));
                i++;
            }
        }
        return Values.distinct(all);
    }

    /**
     * Varied keys outermost first, as the sweep expanded them. summary.json stores a run's varied keys sorted by
     * name, so the spec's order is recovered from the runs themselves: walking the runs in expansion order, an
     * outer key changes value less often than an inner one. Ties (zipped keys) keep their first-seen order.
     */
    static List<String> expansionOrder(List<String> keys, List<Map<String, Object>> configs, List<SweepData> sweeps) {
        Map<String, Integer> changes = new LinkedHashMap<>();
        for (String k : keys) {
            int n = 0;
            int i = 0;
            for (SweepData s : sweeps) {
                String prev = null;
                for (RunData r : s.runs()) {
                    String v = Values.format(valueOf(k, r, configs.get(i++)));
                    if (prev != null && !prev.equals(v)) {
                        n++;
                    }
                    prev = v;
                }
            }
            changes.put(k, n);
        }
        List<String> out = new ArrayList<>(keys);
        out.sort(Comparator.comparingInt(changes::get));
        return out;
    }

    private static Object valueOf(String key, RunData r, Map<String, Object> config) {
        if (SWEEP_KEY.equals(key)) {
            return r.summary().sweep();
        }
        Map<String, Object> varied = r.summary().varied();
        return varied != null && varied.containsKey(key) ? varied.get(key) : config.get(key);
    }

    /**
     * In a comparison the sweep is a real varied key: one panel per sweep (so curves of different sweeps never
     * share a panel, even when their other keys are equal), coloured by what a single sweep would colour by;
     * with more sweeps than panels fit, the sweep colours the curves.
     */
    private static String[] chooseComparisonKeys(List<String> varied, List<RunEntry> runs, int sweeps) {
        List<String> rest = varied.stream().filter(k -> !k.equals(SWEEP_KEY)).toList();
        String colour = chooseKeys(rest, runs)[0];
        if (sweeps > MAX_PANELS) {
            return new String[] {SWEEP_KEY, colour};
        }
        return new String[] {colour == null ? SWEEP_KEY : colour, SWEEP_KEY};
    }

    /** {@code r} with its sweep's name in front of its own ("beta-sweep: latent_dim=2,beta=1"). */
    private static RunData withSweepInName(RunData r, String sweep) {
        RunSummary s = r.summary();
        String name = sweep + ": " + (s.name() == null || s.name().isBlank() ? s.id() : s.name());
        RunSummary named = new RunSummary(s.id(), name, s.sweep(), s.index(), s.status(), s.varied(), s.config(),
                s.epochsCompleted(), s.finalMetrics(), s.cause(), s.started(), s.finished(), s.seconds(), s.verdict(),
                s.verdictDetail(), s.activeUnits(), s.inactiveDims(), s.timeline(), s.testLoglik(), s.extra());
        return new RunData(named, r.epochs(), r.visuals(), r.provenance(), r.specYaml(), r.problems());
    }

    /**
     * Colour by beta and panel by latent size when both vary (the question vaelab's sweeps ask: how does beta
     * change what each latent size learns); otherwise colour by the innermost varied key and panel by the
     * outermost, since expansion order puts the key a user compares most closely last.
     */
    private static String[] chooseKeys(List<String> allVaried, List<RunEntry> runs) {
        if (allVaried.isEmpty()) {
            return new String[] {null, null};
        }
        // Seeds are replicates, not a condition: when anything else varies, curves are coloured by that and
        // the seeds of one condition share its colour (a sweep with seeds [1, 2, 3] was coloured by seed).
        List<String> varied = allVaried.size() > 1 && allVaried.contains(SEED_KEY)
                ? allVaried.stream().filter(k -> !k.equals(SEED_KEY)).toList() : allVaried;
        String colour;
        String panel = null;
        if (varied.contains(BETA_KEY) && varied.contains(LATENT_KEY)) {
            colour = BETA_KEY;
            panel = LATENT_KEY;
        } else {
            colour = varied.get(varied.size() - 1);
            if (varied.size() > 1) {
                panel = varied.get(0);
            }
        }
        if (panel != null) {
            String p = panel;
            long n = Values.distinct(runs.stream().map(r -> r.varied().get(p)).toList()).size();
            if (n > MAX_PANELS) {
                panel = null;
            }
        }
        return new String[] {colour, panel};
    }

    private static Map<RunStatus, Integer> counts(List<RunEntry> runs) {
        Map<RunStatus, Integer> c = new LinkedHashMap<>();
        for (RunStatus s : STATUS_ORDER) {
            c.put(s, 0);
        }
        for (RunEntry r : runs) {
            c.merge(r.status(), 1, Integer::sum);
        }
        c.values().removeIf(v -> v == 0);
        return c;
    }

    private static SweepHeader header(SweepData s) {
        String started = null;
        String finished = null;
        double seconds = 0;
        String machine = null;
        Map<RunStatus, Integer> counts = new LinkedHashMap<>();
        for (RunStatus st : STATUS_ORDER) {
            counts.put(st, 0);
        }
        for (RunData r : s.runs()) {
            RunSummary m = r.summary();
            if (m.started() != null && (started == null || m.started().compareTo(started) < 0)) {
                started = m.started();
            }
            if (m.finished() != null && (finished == null || m.finished().compareTo(finished) > 0)) {
                finished = m.finished();
            }
            seconds += Double.isFinite(m.seconds()) ? m.seconds() : 0;
            if (machine == null && !r.provenance().isEmpty()) {
                machine = machine(r.provenance());
            }
            counts.merge(m.status(), 1, Integer::sum);
        }
        counts.values().removeIf(v -> v == 0);
        return new SweepHeader(s.name(), s.description(), s.specText(), started, finished, seconds, machine, counts,
                s.problems());
    }

    /** host, OS, arch, cores, Java, ND4J backend: the facts that explain a run's speed. */
    static String machine(Map<String, Object> p) {
        List<String> parts = new ArrayList<>();
        add(parts, p.get("host"), "");
        add(parts, p.get("os"), "");
        add(parts, p.get("arch"), "");
        add(parts, p.get("cores"), " cores");
        add(parts, p.get("java_version"), "Java ");
        for (Map.Entry<String, Object> e : new TreeMap<>(p).entrySet()) {
            if (e.getKey().contains("backend") && !(e.getValue() instanceof Map)) {
                add(parts, e.getValue(), "backend ");
                break;
            }
        }
        return parts.isEmpty() ? null : String.join(" · ", parts);
    }

    private static void add(List<String> parts, Object v, String affix) {
        if (v == null || v.toString().isBlank()) {
            return;
        }
        parts.add(affix.startsWith(" ") ? v + affix : affix + v);
    }

    private static List<Callout> callouts(List<RunEntry> runs, List<SweepData> sweeps) {
        List<Callout> out = new ArrayList<>();
        runs.stream().filter(r -> r.completed() && finite(r.testLoss()))
                .min(Comparator.comparingDouble(RunEntry::testLoss))
                .ifPresent(best -> out.add(new Callout("best", "Best test ELBO", List.of(new CalloutItem(best,
                        "−ELBO " + Values.metric(best.testLoss()) + " nats (reconstruction "
                                + Values.metric(best.testRecon()) + ", KL " + Values.metric(best.testKl()) + ")"
                                + (best.summary().testLoglik() != null
                                ? ", log p(x) ≈ " + Values.metric(best.summary().testLoglik()) : ""))))));
        // The ELBO is a bound: an IWAE-trained model has a looser one and a better log-likelihood (Burda et al.
        // 2016). When the two rank a different run first, both are named.
        RunEntry bestElbo = runs.stream().filter(r -> r.completed() && finite(r.testLoss()))
                .min(Comparator.comparingDouble(RunEntry::testLoss)).orElse(null);
        runs.stream().filter(r -> r.completed() && r.summary().testLoglik() != null
                        && finite(r.summary().testLoglik()))
                .max(Comparator.comparingDouble(r -> r.summary().testLoglik()))
                .filter(best -> best != bestElbo)
                .ifPresent(best -> out.add(new Callout("best-loglik", "Best log-likelihood",
                        List.of(new CalloutItem(best, "log p(x) ≈ " + Values.metric(best.summary().testLoglik())
                                + " nats (importance-sampled), −ELBO " + Values.metric(best.testLoss()))))));
        List<CalloutItem> collapsed = new ArrayList<>();
        List<CalloutItem> partial = new ArrayList<>();
        List<CalloutItem> diverged = new ArrayList<>();
        List<CalloutItem> failed = new ArrayList<>();
        for (RunEntry r : runs) {
            Verdict v = r.verdict();
            if (r.status() == RunStatus.DIVERGED || v == Verdict.DIVERGED) {
                diverged.add(new CalloutItem(r, r.cause() != null ? r.cause() : "no cause recorded"));
            } else if (r.status() == RunStatus.FAILED) {
                failed.add(new CalloutItem(r, r.cause() != null ? r.cause() : "no cause recorded"));
            } else if (v == Verdict.POSTERIOR_COLLAPSE) {
                collapsed.add(new CalloutItem(r, detail(r, "no active units")));
            } else if (v == Verdict.PARTIAL_COLLAPSE) {
                partial.add(new CalloutItem(r, detail(r, "some units inactive")));
            }
        }
        if (!collapsed.isEmpty()) {
            out.add(new Callout("collapse", "Posterior collapse", collapsed));
        }
        if (!partial.isEmpty()) {
            out.add(new Callout("partial", "Partial collapse", partial));
        }
        if (!diverged.isEmpty()) {
            out.add(new Callout("diverged", "Diverged", diverged));
        }
        if (!failed.isEmpty()) {
            out.add(new Callout("failed", "Failed", failed));
        }
        out.addAll(ComparisonNotes.of(runs, sweeps));
        List<CalloutItem> problems = new ArrayList<>();
        for (SweepData s : sweeps) {
            for (String p : s.problems()) {
                problems.add(new CalloutItem(null, s.name() + ": " + p));
            }
        }
        for (RunEntry r : runs) {
            for (String p : r.data().problems()) {
                problems.add(new CalloutItem(r, p));
            }
        }
        if (!problems.isEmpty()) {
            out.add(new Callout("warning", "Unreadable files", problems));
        }
        return out;
    }

    private static String detail(RunEntry r, String fallback) {
        if (r.summary().verdictDetail() != null && !r.summary().verdictDetail().isBlank()) {
            return r.summary().verdictDetail();
        }
        Integer a = r.activeUnits();
        Integer d = r.latentDim();
        return a != null && d != null ? a + " of " + d + " units active" : fallback;
    }

    static boolean finite(Double d) {
        return d != null && Double.isFinite(d);
    }
}
