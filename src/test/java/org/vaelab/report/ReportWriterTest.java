package org.vaelab.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.tracking.RunStore;
import org.vaelab.tracking.RunSummary;

class ReportWriterTest {
    @TempDir
    static Path tmp;
    static Path sweep;
    static Path index;

    @BeforeAll
    static void render() throws Exception {
        sweep = SyntheticSweep.write(tmp.resolve("results"), "beta-sweep", false);
        index = ReportWriter.write(List.of(sweep), tmp.resolve("reports"));
    }

    @Test
    void aChartThatCannotBeDrawnBecomesANoteInItsPlace() {
        org.knowm.xchart.XYChart c = ChartStyler.xy(400, 300, "x", "y");
        c.addSeries("s", new double[] {1, 2}, new double[] {1, 2});
        c.setCustomXAxisTickLabelsFormatter(d -> {
            throw new IllegalArgumentException("no label for " + d);
        });
        Figure f = new Figure("broken", "Broken", null, c, null, true);
        assertThrows(IllegalArgumentException.class, () -> FigureEncoder.svg(c, "b"));
        HtmlRenderer.Embed e = ReportWriter.unrendered(f, new IllegalArgumentException("bad <label> & \"x\""));
        assertTrue(e.svg().startsWith("<svg") && e.svg().contains("could not be drawn"), e.svg());
        assertTrue(e.svg().contains("bad &lt;label&gt; &amp; &quot;x&quot;"), "escaped: " + e.svg());
        assertEquals(400, e.width());
    }

    @Test
    void twelveRunSweepRendersToTheSweepFolder() {
        // How long it takes is measured with `time ./vaelab report` (README "Reports"), not asserted here.
        assertEquals(tmp.resolve("reports/beta-sweep/index.html"), index);
    }

    @Test
    void everyPageLinksRelativelyToFilesThatExist() throws IOException {
        Path dir = index.getParent();
        List<Path> pages = files(dir, ".html");
        assertEquals(13, pages.size(), "index plus 12 run pages");
        Pattern ref = Pattern.compile("\\b(?:href|src)=\"([^\"]*)\"");
        int checked = 0;
        for (Path page : pages) {
            String html = Files.readString(page);
            Matcher m = ref.matcher(html);
            while (m.find()) {
                String link = m.group(1);
                if (link.startsWith("#")) {
                    continue;
                }
                assertFalse(link.contains(":") || link.startsWith("/"), page + " links outside the folder: " + link);
                Path target = page.getParent().resolve(link.replaceAll("#.*", "")).normalize();
                assertTrue(target.startsWith(dir), page + ": " + link + " leaves the report folder");
                assertTrue(Files.isRegularFile(target), page + ": " + link + " does not exist");
                checked++;
            }
        }
        assertTrue(checked > 100, "only " + checked + " links checked");
        String html = Files.readString(index);
        assertFalse(html.contains("<link ") || html.contains("http://cdn") || html.contains("https://"),
                "no external stylesheets, scripts or CDNs");
    }

    @Test
    void idsAreUniqueWithinEachPage() throws IOException {
        Pattern id = Pattern.compile("\\bid=\"([^\"]+)\"");
        for (Path page : files(index.getParent(), ".html")) {
            Set<String> seen = new HashSet<>();
            Matcher m = id.matcher(Files.readString(page));
            while (m.find()) {
                assertTrue(seen.add(m.group(1)), page + ": id " + m.group(1) + " twice (inline SVG clip paths?)");
            }
        }
    }

    @Test
    void userStringsAreEscaped() throws Exception {
        Path hostile = SyntheticSweep.write(tmp.resolve("hostile-results"), "hostile", true, List.of(2, 8),
                List.of(1.0));
        Path page = ReportWriter.write(List.of(hostile), tmp.resolve("hostile-reports"));
        String raw = SyntheticSweep.HOSTILE;
        String escaped = "&lt;script&gt;console.error(";
        String sweepPage = Files.readString(page);
        assertFalse(sweepPage.contains(raw), "the description's and run name's markup must not survive");
        assertTrue(sweepPage.contains(escaped), "the text is still shown");
        assertTrue(sweepPage.contains("&lt;b&gt;bold&lt;/b&gt;"));
        String runId = RunStore.at(hostile).summaries().stream().filter(s -> s.name().contains("<script>"))
                .findFirst().orElseThrow().id();
        String runPage = Files.readString(page.getParent().resolve("runs/hostile/" + runId + ".html"));
        assertFalse(runPage.contains(raw));
        assertTrue(runPage.contains(escaped), "title, heading and config value escaped");
        for (Path p : files(page.getParent(), ".html")) {
            assertEquals(1, count(Files.readString(p), "<script"), p + ": only the page's own sort script");
        }
    }

    @Test
    void reRenderingIsIdempotentAndKeepsUnchangedPages() throws Exception {
        Path out = tmp.resolve("reports");
        Path first = ReportWriter.write(List.of(sweep), out);
        assertEquals(index, first);
        Map<Path, String> before = snapshot(first.getParent());
        Map<Path, FileTime> times = times(first.getParent());
        Thread.sleep(20);
        ReportWriter.write(List.of(sweep), out);
        assertEquals(before, snapshot(first.getParent()), "same results, same bytes");
        assertEquals(times, times(first.getParent()), "nothing rewritten when nothing changed");

        // A run page whose summary changes is rendered again; its neighbours are not.
        RunStore store = RunStore.at(sweep);
        RunSummary s = store.summaries().get(4);
        Path summary = store.runDir(s.id()).resolve("summary.json");
        String old = Files.readString(summary);
        try {
            Files.writeString(summary, old.replace("\"seconds\" : ", "\"seconds\" : 1"));
            ReportWriter.write(List.of(sweep), out);
            Path changed = first.getParent().resolve("runs/beta-sweep/" + s.id() + ".html");
            Path neighbour = first.getParent().resolve("runs/beta-sweep/" + store.summaries().get(8).id() + ".html");
            assertFalse(before.get(changed).equals(Files.readString(changed)), "changed run re-rendered");
            assertEquals(times.get(neighbour), Files.getLastModifiedTime(neighbour));
        } finally {
            Files.writeString(summary, old);
        }
    }

    @Test
    void pagesOfRunsThatNoLongerExistAreRemoved() throws Exception {
        Path results = tmp.resolve("shrinking");
        Path s = SyntheticSweep.write(results, "shrink", false, List.of(2, 8), List.of(1.0));
        Path out = tmp.resolve("shrinking-reports");
        Path page = ReportWriter.write(List.of(s), out);
        String gone = RunStore.at(s).summaries().get(1).id();
        Path goneDir = page.getParent().resolve("runs/shrink/" + gone);
        assertTrue(Files.isDirectory(goneDir));
        try (Stream<Path> f = Files.walk(s.resolve(gone))) {
            f.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        }
        ReportWriter.write(List.of(s), out);
        assertFalse(Files.exists(page.getParent().resolve("runs/shrink/" + gone + ".html")));
        assertFalse(Files.exists(goneDir));
        assertFalse(Files.readString(page).contains(gone));
    }

    @Test
    void severalSweepsGoToOneComparisonFolder() throws Exception {
        Path other = SyntheticSweep.write(tmp.resolve("results"), "other", false, List.of(2), List.of(1.0, 2.0));
        Path page = ReportWriter.write(List.of(sweep, other), tmp.resolve("reports"));
        assertEquals(tmp.resolve("reports/beta-sweep+other/index.html"), page);
        String html = Files.readString(page);
        assertTrue(html.contains("beta-sweep vs other") && html.contains("runs/other/"));
        assertEquals("compare+", ReportWriter.folderName(List.of("a".repeat(60), "b".repeat(60))).substring(0, 8));
    }

    @Test
    void unreadableFilesAreReportedNotFatal() throws Exception {
        Path s = SyntheticSweep.write(tmp.resolve("broken"), "broken", false, List.of(2, 8), List.of(1.0));
        String id = RunStore.at(s).summaries().get(0).id();
        Files.writeString(s.resolve(id).resolve("visuals.json"), "{\"format\": 1, \"rows\": 0");
        Path page = ReportWriter.write(List.of(s), tmp.resolve("broken-reports"));
        String html = Files.readString(page);
        assertTrue(html.contains("Unreadable files") && html.contains("visuals.json unreadable"), "named on the page");
        IOException e = assertThrows(IOException.class,
                () -> ReportWriter.write(List.of(tmp.resolve("results/nope")), tmp.resolve("reports")));
        assertTrue(e.getMessage().contains("no such sweep folder"), e.getMessage());
    }

    /** Creates {@code store} and plans two runs in it, beta 1 and 4, with ids {@code prefix}1 and {@code prefix}2. */
    private static List<org.vaelab.spec.RunSpec> planTwoRuns(RunStore store, String prefix) throws IOException {
        store.create();
        List<org.vaelab.spec.RunSpec> specs = List.of(
                new org.vaelab.spec.RunSpec(prefix + "1", "beta=1", store.sweep(), 0, Map.of("loss.beta", 1.0),
                        org.vaelab.spec.RunConfig.DEFAULT),
                new org.vaelab.spec.RunSpec(prefix + "2", "beta=4", store.sweep(), 1, Map.of("loss.beta", 4.0),
                        org.vaelab.spec.RunConfig.DEFAULT));
        for (org.vaelab.spec.RunSpec r : specs) {
            store.plan(r, SyntheticSweep.config(8, (Double) r.varied().get("loss.beta"), false));
        }
        return specs;
    }

    @Test
    void aSweepThatHasJustStartedRenders() throws Exception {
        RunStore store = new RunStore(tmp.resolve("fresh"), "fresh");
        List<org.vaelab.spec.RunSpec> specs = planTwoRuns(store, "a");
        Path page = ReportWriter.write(List.of(store.sweepDir()), tmp.resolve("fresh-reports"));
        String html = Files.readString(page);
        assertTrue(html.contains("2 pending"), "status counts before any run started");
        assertFalse(html.contains("id=\"test-loss\""), "no curves yet");

        // A running run is one whose trainer holds its lock (a "running" summary without one is interrupted).
        try (var lock = store.tryLock("a1").orElseThrow()) {
            var rec = store.open(specs.get(0), SyntheticSweep.config(8, 1.0, false), "");
            rec.updateSummary(x -> x.withStart("2024-05-01T10:00:00Z"));
            rec.recordEpoch(org.vaelab.tracking.EpochMetrics.builder(1).train(200, 190, 10).test(201, 191, 10)
                    .beta(1).gradNorm(5).learningRate(1e-3).epochSeconds(3).trainSamplesPerSecond(100).build());
            html = Files.readString(ReportWriter.write(List.of(store.sweepDir()), tmp.resolve("fresh-reports")));
        }
        assertTrue(html.contains("1 running") && html.contains("1 pending"));
        assertTrue(html.contains("id=\"test-loss\""), "the running run's first epoch is drawn");
        assertTrue(html.contains("(still running)"));

        // Once nobody holds the lock (its process died), the same summary reads as interrupted, not running.
        html = Files.readString(ReportWriter.write(List.of(store.sweepDir()), tmp.resolve("fresh-reports")));
        assertTrue(html.contains("1 interrupted") && !html.contains("1 running"), "no run shown running");
    }

    @Test
    void aRefreshDuringASweepKeepsARunningRunsPageUntilItFinishes() throws Exception {
        RunStore store = new RunStore(tmp.resolve("refresh"), "refresh");
        List<org.vaelab.spec.RunSpec> specs = planTwoRuns(store, "b");
        Path reports = tmp.resolve("refresh-reports");
        Path index = ReportWriter.write(List.of(store.sweepDir()), reports);
        Path page = index.getParent().resolve("runs/refresh/b1.html");
        String pending = Files.readString(page);
        try (var lock = store.tryLock("b1").orElseThrow()) {
            var rec = store.open(specs.get(0), SyntheticSweep.config(8, 1.0, false), "");
            rec.updateSummary(x -> x.withStart("2024-05-01T10:00:00Z"));
            rec.recordEpoch(org.vaelab.tracking.EpochMetrics.builder(1).train(200, 190, 10).test(201, 191, 10)
                    .beta(1).gradNorm(5).learningRate(1e-3).epochSeconds(3).trainSamplesPerSecond(100).build());
            ReportWriter.refresh(List.of(store.sweepDir()), reports);
            assertEquals(pending, Files.readString(page), "a running run's page is kept by a refresh");
            assertTrue(Files.readString(index).contains("1 running"), "the sweep page is brought up to date");
            ReportWriter.write(List.of(store.sweepDir()), reports);
            assertFalse(Files.readString(page).equals(pending), "a full render draws it");
        }
        // Finished (here: its process gone, so interrupted): a refresh draws its page again.
        String running = Files.readString(page);
        ReportWriter.refresh(List.of(store.sweepDir()), reports);
        assertFalse(Files.readString(page).equals(running), "no longer running: redrawn by the refresh");
        // A run page that does not exist yet is drawn even while its run is running.
        Files.delete(page);
        try (var lock = store.tryLock("b1").orElseThrow()) {
            ReportWriter.refresh(List.of(store.sweepDir()), reports);
            assertTrue(Files.exists(page));
        }
    }

    static List<Path> files(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }

    private static Map<Path, String> snapshot(Path dir) throws IOException {
        Map<Path, String> out = new TreeMap<>();
        for (Path p : files(dir, "")) {
            if (Files.isRegularFile(p) && !p.getFileName().toString().startsWith(".")) {
                out.put(p, new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
            }
        }
        return out;
    }

    private static Map<Path, FileTime> times(Path dir) throws IOException {
        Map<Path, FileTime> out = new TreeMap<>();
        for (Path p : snapshot(dir).keySet()) {
            out.put(p, Files.getLastModifiedTime(p));
        }
        return out;
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
