package org.vaelab.report;

import static j2html.TagCreator.a;
import static j2html.TagCreator.br;
import static j2html.TagCreator.div;
import static j2html.TagCreator.each;
import static j2html.TagCreator.h2;
import static j2html.TagCreator.h3;
import static j2html.TagCreator.li;
import static j2html.TagCreator.p;
import static j2html.TagCreator.section;
import static j2html.TagCreator.span;
import static j2html.TagCreator.table;
import static j2html.TagCreator.tbody;
import static j2html.TagCreator.td;
import static j2html.TagCreator.text;
import static j2html.TagCreator.th;
import static j2html.TagCreator.thead;
import static j2html.TagCreator.tr;
import static j2html.TagCreator.ul;

import j2html.tags.DomContent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.vaelab.diagnostics.ReplicateStats.Estimate;
import org.vaelab.diagnostics.Verdict;
import org.vaelab.report.ConditionTable.Comparison;
import org.vaelab.report.ConditionTable.Condition;
import org.vaelab.report.ConditionTable.Metric;
import org.vaelab.report.ReportModel.RunEntry;

/** The sweep page's conditions section as HTML (j2html, escaped text): callouts, then the sortable table. */
final class ConditionSection {
    /** The anchor of the section, for the page's table of contents. */
    static final String ID = "conditions";

    private ConditionSection() {
    }

    static DomContent render(ReportModel m, ConditionTable t) {
        Map<String, String> names = Values.shortNames(m.variedKeys());
        List<DomContent> callouts = new ArrayList<>();
        t.best().ifPresent(b -> callouts.add(div(h3("Best condition by mean"), ul(li(text(b.label() + ": −ELBO "
                + ConditionTable.format(b.stat("test_loss")) + " nats over " + b.stat("test_loss").n() + " seeds"
                + (b.stat("test_loglik") != null ? ", log p(x) " + ConditionTable.format(b.stat("test_loglik"))
                : "")))))
                .withClass("callout best")));
        if (!t.comparisons().isEmpty()) {
            callouts.add(div(h3("Differences of means (95% intervals)"),
                    ul(each(t.comparisons(), c -> li(text(ConditionTable.sentence(c, names)))
                            .withClass(c.diff().coversZero() ? "within" : "differs"))))
                    .withClass("callout partial"));
        }
        return section(h2("Conditions"),
                p(text("Runs that share every config key but the seed, summarised: mean ± sd [95% t interval] of "
                        + "the final numbers of completed runs; n counts them. Differences name a key's value "
                        + "against its first, paired by seed when both sides ran the same seeds, Welch's interval "
                        + "otherwise; an interval that covers 0 is within the seed spread. Click a column to sort."))
                        .withClass("intro"),
                div(each(callouts, c -> c)).withClass("callouts"),
                div(conditionTable(t, names)).withClass("tablewrap")).withId(ID);
    }

    private static DomContent conditionTable(ConditionTable t, Map<String, String> names) {
        List<DomContent> heads = new ArrayList<>();
        if (t.keys().isEmpty()) {
            heads.add(th("Condition"));
        }
        for (String k : t.keys()) {
            heads.add(th(names.get(k)).withTitle(k).withClass("varied"));
        }
        heads.add(th("n").withClass("num").withTitle("completed runs (of all runs of the condition)"));
        for (Metric metric : ConditionTable.METRICS) {
            heads.add(th(metric.label()).withClass("num").withTitle("final " + metric.id()
                    + ": mean ± sd [95% t interval], " + metric.unit()));
        }
        heads.add(th("Verdicts"));
        heads.add(th("Runs"));
        List<DomContent> rows = new ArrayList<>();
        for (Condition c : t.conditions()) {
            List<DomContent> cells = new ArrayList<>();
            if (t.keys().isEmpty()) {
                cells.add(td(c.label()).attr("data-v", c.label()));
            }
            for (String k : t.keys()) {
                Object v = c.values().get(k);
                Double d = Values.number(v);
                cells.add(td(Values.format(v)).attr("data-v", d != null ? Double.toString(d) : Values.format(v))
                        .withClass("varied"));
            }
            int n = c.completed();
            cells.add(td(n + (n < c.runs().size() ? " of " + c.runs().size() : "")).withClass("num")
                    .attr("data-v", Integer.toString(n)));
            for (Metric metric : ConditionTable.METRICS) {
                Estimate e = c.stat(metric.id());
                // mean ± sd on the line, the interval under it in small type: the table stays narrow
                cells.add((e == null || e.n() < 2 ? td(ConditionTable.format(e))
                        : td(text(Values.metric(e.mean()) + " ± " + Values.metric(e.sd())), br(),
                        span("[" + Values.metric(e.lo()) + ", " + Values.metric(e.hi()) + "]").withClass("ci")))
                        .withClass("num").attr("data-v", e == null ? "" : Double.toString(e.mean())));
            }
            List<String> verdicts = new ArrayList<>();
            for (Map.Entry<Verdict, Integer> v : c.verdicts().entrySet()) {
                verdicts.add(v.getValue() + " " + v.getKey().json());
            }
            cells.add(td(String.join(", ", verdicts)).attr("data-v", String.join(", ", verdicts)));
            List<DomContent> links = new ArrayList<>();
            for (RunEntry r : c.runs()) {
                Object seed = r.varied().getOrDefault(ReportModel.SEED_KEY, r.config().get(ReportModel.SEED_KEY));
                String shown = seed != null ? "seed " + Values.format(seed) : r.name();
                links.add(a(shown).withHref(r.page()).withTitle(r.name() + " (" + r.status().json() + ")")
                        .withClass(r.completed() ? "" : "incomplete"));
                links.add(text(" "));
            }
            cells.add(td(span(each(links, l -> l))).attr("data-v", c.label()));
            rows.add(tr(each(cells, x -> x)));
        }
        return table(thead(tr(each(heads, h -> h))), tbody(each(rows, r -> r))).withClass("sortable conditions");
    }
}
