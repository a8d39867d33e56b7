package org.vaelab.report;

import static j2html.TagCreator.a;
import static j2html.TagCreator.attrs;
import static j2html.TagCreator.b;
import static j2html.TagCreator.body;
import static j2html.TagCreator.dd;
import static j2html.TagCreator.details;
import static j2html.TagCreator.div;
import static j2html.TagCreator.dl;
import static j2html.TagCreator.dt;
import static j2html.TagCreator.each;
import static j2html.TagCreator.figcaption;
import static j2html.TagCreator.figure;
import static j2html.TagCreator.footer;
import static j2html.TagCreator.h1;
import static j2html.TagCreator.h2;
import static j2html.TagCreator.h3;
import static j2html.TagCreator.head;
import static j2html.TagCreator.header;
import static j2html.TagCreator.html;
import static j2html.TagCreator.img;
import static j2html.TagCreator.li;
import static j2html.TagCreator.meta;
import static j2html.TagCreator.nav;
import static j2html.TagCreator.p;
import static j2html.TagCreator.pre;
import static j2html.TagCreator.rawHtml;
import static j2html.TagCreator.script;
import static j2html.TagCreator.section;
import static j2html.TagCreator.span;
import static j2html.TagCreator.style;
import static j2html.TagCreator.summary;
import static j2html.TagCreator.table;
import static j2html.TagCreator.tbody;
import static j2html.TagCreator.td;
import static j2html.TagCreator.text;
import static j2html.TagCreator.th;
import static j2html.TagCreator.thead;
import static j2html.TagCreator.title;
import static j2html.TagCreator.tr;
import static j2html.TagCreator.ul;

import j2html.rendering.FlatHtml;
import j2html.tags.DomContent;
import j2html.tags.specialized.TdTag;
import j2html.tags.specialized.TrTag;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.vaelab.diagnostics.Verdict;
import org.vaelab.report.ReportModel.Callout;
import org.vaelab.report.ReportModel.CalloutItem;
import org.vaelab.report.ReportModel.RunEntry;
import org.vaelab.report.ReportModel.SweepHeader;
import org.vaelab.tracking.EpochMetrics;
import org.vaelab.tracking.RunStatus;

/**
 * Renders the sweep page and run pages as HTML to an {@link Appendable}. Every string from results (names,
 * descriptions, config values, causes) goes through j2html's escaping text and attribute nodes; the only raw
 * markup is this class's own stylesheet and script and the SVG the {@link FigureEncoder} made from our charts.
 * Links are relative, so the report folder can be moved or zipped.
 */
public final class HtmlRenderer {
    static final String CSS = resource("report.css");
    static final String SORT_JS = resource("sort-table.js");
    static final String VERSION = version();

    private HtmlRenderer() {
    }

    /**
     * How a figure appears in a page: inline SVG markup, or an image file at a path relative to the page.
     *
     * @param svg    the {@code <svg>} element, or null
     * @param src    relative path of the PNG, or null
     * @param width  CSS width in pixels
     * @param height CSS height in pixels
     */
    public record Embed(String svg, String src, int width, int height) {
        public Embed {
            if ((svg == null) == (src == null)) {
                throw new IllegalArgumentException("an embed is either inline SVG or an image path");
            }
        }
    }

    /** The sweep page (index.html) as a string. */
    public static String sweepPage(ReportModel m, List<Figure.Group> groups, Function<Figure, Embed> embeds) {
        StringBuilder sb = new StringBuilder(1 << 20);
        try {
            sweepPage(m, groups, embeds, sb);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sb.toString();
    }

    /** Writes the sweep page (index.html) to {@code out}. */
    public static void sweepPage(ReportModel m, List<Figure.Group> groups, Function<Figure, Embed> embeds,
                                 Appendable out) throws IOException {
        List<DomContent> toc = new ArrayList<>();
        java.util.Optional<ConditionTable> conditions = ConditionTable.of(m);
        if (conditions.isPresent()) {
            toc.add(a("Conditions").withHref("#" + ConditionSection.ID));
        }
        toc.add(a("Runs").withHref("#runs"));
        for (Figure.Group g : groups) {
            toc.add(a(g.title()).withHref("#" + g.id()));
        }
        DomContent top = header(
                div(text("vaelab report" + (m.combined() ? " · comparison of " + m.sweeps().size() + " sweeps" : "")))
                        .withClass("crumbs"),
                h1(m.title()),
                each(m.sweeps(), h -> sweepHeader(h, m.combined())),
                m.combined() ? dl(dt("Runs"), dd(statusChips(m.statusCounts()))).withClass("facts") : text(""),
                nav(each(toc, c -> c)).withClass("toc")).withClass("top");
        DomContent page = div(
                top,
                callouts(m.callouts(), "", false),
                conditions.map(t -> ConditionSection.render(m, t)).orElse(text("")),
                section(h2("Runs"), p(text("Click a column to sort; click a run for its page.")).withClass("intro"),
                        div(runTable(m)).withClass("tablewrap")).withId("runs"),
                each(groups, g -> group(g, embeds)),
                footer(text("Generated by vaelab " + VERSION + " from the run store (results/"
                        + String.join(", results/", m.sweeps().stream().map(SweepHeader::name).toList())
                        + "). Static files: works offline; zip the folder to share."))).withClass("page");
        write(out, m.title() + " · vaelab report", page, null);
    }

    private static DomContent sweepHeader(SweepHeader h, boolean combined) {
        List<DomContent> facts = new ArrayList<>();
        if (h.started() != null) {
            facts.add(dt("When"));
            facts.add(dd(h.started().replace('T', ' ') + (h.finished() != null ? " – " + h.finished().replace('T', ' ')
                    : " – (still running)")));
        }
        if (h.machine() != null) {
            facts.add(dt("Machine"));
            facts.add(dd(h.machine()));
        }
        facts.add(dt("Training time"));
        facts.add(dd(Values.duration(h.seconds()) + " summed over runs"));
        facts.add(dt("Runs"));
        facts.add(dd(statusChips(h.statusCounts())));
        return div(
                combined ? h3(h.name()) : text(""),
                h.description() != null ? p(h.description()).withClass("desc") : text(""),
                dl(each(facts, f -> f)).withClass("facts"),
                h.specText() != null ? details(summary("Spec"), pre(h.specText())) : text(""));
    }

    private static DomContent statusChips(Map<RunStatus, Integer> counts) {
        return each(counts.entrySet().stream().map(e -> (DomContent) span(e.getValue() + " " + e.getKey().json())
                .withClass("chip " + e.getKey().json())));
    }

    private static DomContent callouts(List<Callout> callouts, String prefix, boolean onRunPage) {
        if (callouts.isEmpty()) {
            return text("");
        }
        return div(each(callouts, c -> div(h3(c.title()),
                ul(each(c.items(), (CalloutItem it) -> li(
                        it.run() != null && !onRunPage ? a(it.run().name()).withHref(prefix + it.run().page())
                                : text(""),
                        text(it.run() != null && !onRunPage ? ": " + it.detail() : it.detail())))))
                .withClass("callout " + c.kind()))).withClass("callouts");
    }

    private static DomContent runTable(ReportModel m) {
        Map<String, String> names = Values.shortNames(m.variedKeys());
        List<DomContent> heads = new ArrayList<>();
        heads.add(th("#").withClass("num"));
        heads.add(th("Run"));
        for (String k : m.variedKeys()) {
            heads.add(th(names.get(k)).withTitle(k).withClass("varied"));
        }
        heads.add(th("Status"));
        heads.add(th("−ELBO").withClass("num").withTitle("final test negative ELBO, nats per example"));
        heads.add(th("Recon").withClass("num").withTitle("final test reconstruction NLL, nats"));
        heads.add(th("KL").withClass("num").withTitle("final test KL(q(z|x) || p(z)), nats"));
        heads.add(th("Active").withClass("num").withTitle("active units / latent dimensions"));
        heads.add(th("log p(x)").withClass("num").withTitle("importance-sampled log-likelihood, nats"));
        heads.add(th("Verdict"));
        heads.add(th("Epochs").withClass("num"));
        heads.add(th("Time").withClass("num"));

        List<DomContent> rows = new ArrayList<>();
        int i = 0;
        for (RunEntry r : m.runs()) {
            List<DomContent> cells = new ArrayList<>();
            cells.add(num(i, Integer.toString(i + 1)));
            i++;
            cells.add(td(a(r.name()).withHref(r.page())).attr("data-v", r.name()));
            for (String k : m.variedKeys()) {
                Object v = r.varied().get(k);
                Double d = Values.number(v);
                cells.add(td(Values.format(v)).attr("data-v", d != null ? sortKey(d) : Values.format(v))
                        .withClass("varied"));
            }
            String status = r.status().json();
            cells.add(td(span(status).withClass("chip " + status)).attr("data-v", status));
            cells.add(metricCell(r.testLoss()));
            cells.add(metricCell(r.testRecon()));
            cells.add(metricCell(r.testKl()));
            Integer a = r.activeUnits();
            Integer d = r.latentDim();
            cells.add(td(a == null ? "" : a + (d != null ? " / " + d : "")).withClass("num")
                    .attr("data-v", a == null ? "" : a.toString()));
            cells.add(metricCell(r.summary().testLoglik()));
            Verdict verdict = r.verdict();
            String detail = r.summary().verdictDetail();
            cells.add(td(verdict == null ? text("") : span(verdict.words()).withClass("chip " + verdict.json())
                    .withCondTitle(detail != null, detail == null ? "" : detail))
                    .attr("data-v", verdict == null ? "" : verdict.json()));
            cells.add(td(Integer.toString(r.summary().epochsCompleted())).withClass("num")
                    .attr("data-v", Integer.toString(r.summary().epochsCompleted())));
            cells.add(td(Values.duration(r.summary().seconds())).withClass("num")
                    .attr("data-v", sortKey(r.summary().seconds())));
            rows.add(tr(each(cells, c -> c)).withClass(status));
            if (r.cause() != null) {
                // The cause gets a row of its own under its run (sorting keeps the two together): as a column it
                // would squeeze a paragraph into a few characters' width.
                rows.add(tr(td(""), td(attrs(".note"), text("↳ " + r.cause())).attr("colspan", cells.size() - 1))
                        .withClass("sub " + status));
            }
        }
        return table(thead(tr(each(heads, h -> h))), tbody(each(rows, r -> r))).withClass("sortable runs");
    }

    private static TdTag num(int index, String shown) {
        return td(shown).withClass("num").attr("data-v", Integer.toString(index));
    }

    private static TdTag metricCell(Double v) {
        return td(Values.metric(v)).withClass("num").attr("data-v", v == null || !Double.isFinite(v) ? "" : sortKey(v));
    }

    private static String sortKey(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "";
    }

    private static DomContent group(Figure.Group g, Function<Figure, Embed> embeds) {
        return section(
                h2(g.title()),
                g.intro() != null ? p(g.intro()).withClass("intro") : text(""),
                div(each(g.figures(), f -> figureTag(f, embeds.apply(f))))
                        .withClass(g.columns() == 0 ? "figs" : "figs c" + g.columns()))
                .withId(g.id());
    }

    private static DomContent figureTag(Figure f, Embed e) {
        DomContent body;
        if (e.svg() != null) {
            body = rawHtml(e.svg());
        } else {
            body = img().withSrc(e.src()).withAlt(f.title()).attr("width", e.width()).attr("height", e.height())
                    .attr("loading", "lazy");
        }
        return figure(figcaption(b(f.title()), f.caption() != null ? span(f.caption()) : text("")), body)
                .withId("fig-" + f.id()).attr("aria-label", f.title());
    }

    /** A run page as a string. */
    public static String runPage(ReportModel m, RunEntry r, List<Figure.Group> groups,
                                 Function<Figure, Embed> embeds, String fingerprint) {
        StringBuilder sb = new StringBuilder(1 << 19);
        try {
            runPage(m, r, groups, embeds, fingerprint, sb);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sb.toString();
    }

    /**
     * Writes run {@code r}'s page to {@code out}. {@code fingerprint} (or null) is stored in a meta tag so
     * the writer can tell that a page is already up to date.
     */
    public static void runPage(ReportModel m, RunEntry r, List<Figure.Group> groups, Function<Figure, Embed> embeds,
                               String fingerprint, Appendable out) throws IOException {
        String toIndex = "../../index.html";
        int at = m.runs().indexOf(r);
        List<DomContent> pager = new ArrayList<>();
        if (at > 0) {
            RunEntry prev = m.runs().get(at - 1);
            pager.add(a("← " + prev.name()).withHref(relative(prev)).withTitle("previous run"));
        }
        if (at >= 0 && at < m.runs().size() - 1) {
            RunEntry next = m.runs().get(at + 1);
            pager.add(a(next.name() + " →").withHref(relative(next)).withTitle("next run"));
        }
        List<DomContent> chips = new ArrayList<>();
        chips.add(span(r.status().json()).withClass("chip " + r.status().json()));
        Verdict verdict = r.verdict();
        if (verdict != null) {
            chips.add(span(verdict.words()).withClass("chip " + verdict.json()));
        }
        List<Callout> notes = new ArrayList<>();
        if (r.cause() != null) {
            boolean diverged = r.status() == RunStatus.DIVERGED;
            notes.add(new Callout(diverged ? "diverged" : "failed", diverged ? "Diverged" : "Failed",
                    List.of(new CalloutItem(r, r.cause()))));
        }
        if (r.summary().verdictDetail() != null
                && (verdict == Verdict.POSTERIOR_COLLAPSE || verdict == Verdict.PARTIAL_COLLAPSE)) {
            notes.add(new Callout(verdict == Verdict.POSTERIOR_COLLAPSE ? "collapse" : "partial", verdict.words(),
                    List.of(new CalloutItem(r, r.summary().verdictDetail()))));
        }
        if (!r.data().problems().isEmpty()) {
            notes.add(new Callout("warning", "Unreadable files",
                    r.data().problems().stream().map(p -> new CalloutItem(r, p)).toList()));
        }
        List<DomContent> toc = new ArrayList<>();
        for (Figure.Group g : groups) {
            toc.add(a(g.title()).withHref("#" + g.id()));
        }
        toc.add(a("Config and provenance").withHref("#config"));
        DomContent top = header(
                div(nav(each(pager, x -> x)).withClass("pager"),
                        a("← " + m.title()).withHref(toIndex), text(" · run " + (at + 1) + " of " + m.runs().size()))
                        .withClass("crumbs"),
                h1(r.name()),
                div(each(chips, c -> c), span("id " + r.id()).withClass("chip"),
                        span("sweep " + r.sweep()).withClass("chip")),
                numbers(r),
                nav(each(toc, c -> c)).withClass("toc")).withClass("top");
        DomContent page = div(
                top,
                callouts(notes, "", true),
                each(groups, g -> group(g, embeds)),
                configSection(m, r),
                footer(text("Generated by vaelab " + VERSION + " from results/" + r.sweep() + "/" + r.id() + "/.")))
                .withClass("page");
        write(out, r.name() + " · " + m.title() + " · vaelab report", page, fingerprint);
    }

    private static String relative(RunEntry other) {
        return "../" + other.sweep() + "/" + other.id() + ".html";
    }

    private static DomContent numbers(RunEntry r) {
        List<DomContent> boxes = new ArrayList<>();
        EpochMetrics last = r.last();
        boxes.add(box(Values.metric(r.testLoss()), "test −ELBO (nats)"));
        boxes.add(box(Values.metric(r.testRecon()), "reconstruction"));
        boxes.add(box(Values.metric(r.testKl()), "KL"));
        if (r.summary().testLoglik() != null) {
            boxes.add(box(Values.metric(r.summary().testLoglik()), "log p(x) (IS estimate)"));
        }
        if (r.activeUnits() != null) {
            boxes.add(box(r.activeUnits() + (r.latentDim() != null ? " / " + r.latentDim() : ""), "active units"));
        }
        if (last != null && last.mutualInfo() != null) {
            boxes.add(box(Values.metric(last.mutualInfo()), "I(x; z) (nats)"));
        }
        boxes.add(box(Integer.toString(r.summary().epochsCompleted()), "epochs"));
        boxes.add(box(Values.duration(r.summary().seconds()), "training time"));
        return div(each(boxes, x -> x)).withClass("numbers");
    }

    private static DomContent box(String value, String label) {
        return div(b(value.isEmpty() ? "–" : value), span(label));
    }

    private static DomContent configSection(ReportModel m, RunEntry r) {
        List<TrTag> conf = new ArrayList<>();
        for (Map.Entry<String, Object> e : r.config().entrySet()) {
            boolean varied = m.variedKeys().contains(e.getKey());
            conf.add(tr(td(e.getKey()), td(Values.format(e.getValue()))).withCondClass(varied, "varied"));
        }
        List<TrTag> prov = new ArrayList<>();
        for (Map.Entry<String, Object> e : Values.flatten(r.data().provenance()).entrySet()) {
            prov.add(tr(td(e.getKey()), td(Values.format(e.getValue()))));
        }
        List<TrTag> run = new ArrayList<>();
        run.add(tr(td("id"), td(r.id())));
        run.add(tr(td("sweep"), td(r.sweep())));
        run.add(tr(td("index"), td(Integer.toString(r.summary().index()))));
        addRow(run, "started", r.summary().started());
        addRow(run, "finished", r.summary().finished());
        addRow(run, "cause", r.cause());
        addRow(run, "verdict detail", r.summary().verdictDetail());
        if (r.summary().inactiveDims() != null) {
            addRow(run, "inactive dims", Values.format(r.summary().inactiveDims()));
        }
        if (r.summary().timeline() != null && !r.summary().timeline().isEmpty()) {
            addRow(run, "unit timeline", r.summary().timeline().stream().map(Values::format)
                    .reduce((x, y) -> x + "; " + y).orElse(""));
        }
        if (r.summary().extra() != null) {
            Values.flatten(r.summary().extra()).forEach((k, v) -> addRow(run, k, Values.format(v)));
        }
        return section(
                h2("Config and provenance"),
                p(text("Highlighted keys are the ones the report's runs vary.")).withClass("intro"),
                div(
                        div(h3("Resolved config"), div(table(tbody(each(conf, x -> x))).withClass("kv"))
                                .withClass("tablewrap")),
                        div(h3("Run"), div(table(tbody(each(run, x -> x))).withClass("kv")).withClass("tablewrap"),
                                h3("Provenance"), prov.isEmpty() ? p("provenance.json not written")
                                        : div(table(tbody(each(prov, x -> x))).withClass("kv")).withClass("tablewrap")))
                        .withClass("cols"),
                r.data().specYaml() != null ? details(summary("spec.yaml"), pre(r.data().specYaml())) : text(""))
                .withId("config");
    }

    private static void addRow(List<TrTag> rows, String k, String v) {
        if (v != null && !v.isBlank()) {
            rows.add(tr(td(k), td(v)));
        }
    }

    private static void write(Appendable out, String title, DomContent page, String fingerprint) throws IOException {
        out.append("<!DOCTYPE html>\n");
        html(head(
                meta().withCharset("utf-8"),
                meta().withName("viewport").withContent("width=device-width, initial-scale=1"),
                fingerprint != null ? meta().withName("vaelab-inputs").withContent(fingerprint) : text(""),
                title(title),
                style(rawHtml(CSS))),
                body(page, script(rawHtml(SORT_JS))))
                .withLang("en")
                .render(FlatHtml.into(out));
        out.append('\n');
    }

    private static String resource(String name) {
        try (InputStream in = HtmlRenderer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource org/vaelab/report/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String version() {
        Package p = HtmlRenderer.class.getPackage();
        return p != null && p.getImplementationVersion() != null ? p.getImplementationVersion() : "dev";
    }
}
