package org.vaelab.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.vaelab.tracking.Json;
import org.vaelab.tracking.RunStatus;
import org.vaelab.tracking.RunStore;
import org.vaelab.tracking.RunSummary;

/**
 * Opens the synthetic report in Debian's headless Chromium: the sweep page and run pages must load with no
 * console message, no script error and no broken image, the run table must sort in the browser, and the pages
 * are saved as screenshots under target/screenshots/ for people to look at.
 *
 * <p>How errors are caught without a driver library: the test writes a copy of each page beside it (so relative
 * links still resolve) with a probe script first in its head. The probe records window errors, failed resource
 * loads (error events captured on elements), console.error calls and, after the load event, every image whose
 * naturalWidth is 0; it writes them as JSON into the DOM, which {@code --dump-dom} prints. Chromium's own
 * console log ({@code --enable-logging=stderr}) is checked as well.
 */
@Tag("browser")
class ReportBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path SHOTS = Path.of("target", "screenshots");
    private static final Pattern PROBE = Pattern.compile("PROBE:(\\{.*?\\})</pre>", Pattern.DOTALL);
    private static final Pattern CONSOLE = Pattern.compile(":CONSOLE[:(].*");
    private static final String PROBE_SCRIPT = """
            <script>
            (function () {
              var errors = [];
              window.addEventListener('error', function (e) {
                var t = e.target;
                if (t && t !== window && (t.src || t.href)) { errors.push('failed to load ' + (t.src || t.href)); }
                else { errors.push('script error: ' + e.message); }
              }, true);
              window.addEventListener('unhandledrejection', function (e) { errors.push('rejection: ' + e.reason); });
              var ce = console.error;
              console.error = function () {
                errors.push('console.error: ' + Array.prototype.join.call(arguments, ' '));
                ce.apply(console, arguments);
              };
              window.addEventListener('load', function () {
                var imgs = document.images;
                for (var i = 0; i < imgs.length; i++) {
                  if (!imgs[i].complete || imgs[i].naturalWidth === 0) { errors.push('broken image ' + imgs[i].getAttribute('src')); }
                }
                var r = {errors: errors, images: imgs.length, svgs: document.querySelectorAll('figure svg').length,
                         sections: {}};
                document.querySelectorAll('section[id]').forEach(function (s) {
                  r.sections[s.id] = Math.round(s.getBoundingClientRect().top + window.scrollY);
                });
                var t = document.querySelector('table.sortable');
                if (t) {
                  var th = Array.prototype.filter.call(t.tHead.rows[0].cells, function (c) { return c.textContent.indexOf('ELBO') >= 0; })[0];
                  var col = th.cellIndex;
                  var main = function () { return t.tBodies[0].querySelectorAll('tr:not(.sub)'); };
                  th.click();
                  r.ascFirst = main()[0].cells[1].textContent;
                  r.ascLastValue = main()[main().length - 1].cells[col].getAttribute('data-v');
                  r.subRowsFollowTheirRun = Array.prototype.every.call(t.tBodies[0].querySelectorAll('tr.sub'),
                      function (s) { return !s.previousElementSibling.classList.contains('sub')
                          && s.previousElementSibling.classList.contains(s.classList[1]); });
                  th.click();
                  r.descFirst = main()[0].cells[1].textContent;
                  r.ariaSort = th.getAttribute('aria-sort');
                }
                var pre = document.createElement('pre');
                pre.textContent = 'PROBE:' + JSON.stringify(r);
                document.body.appendChild(pre);
              });
            })();
            </script>
            """;

    static Path index;
    static Path hostileIndex;

    @BeforeAll
    static void render() throws Exception {
        if (!Files.isExecutable(CHROMIUM)) {
            if (System.getenv("CI") != null) {
                fail(CHROMIUM + " is missing; install Debian's chromium package (.ci/run does)");
            }
            Assumptions.abort(CHROMIUM + " not installed; browser test skipped outside CI");
        }
        deleteTree(SampleReportTest.ROOT);
        index = SampleReportTest.render();
        hostileIndex = ReportWriter.write(List.of(SyntheticSweep.write(SampleReportTest.ROOT.resolve("results"),
                "hostile", true)), SampleReportTest.ROOT.resolve("reports"));
        Files.createDirectories(SHOTS);
    }

    @Test
    void sweepPageLoadsCleanAndSortsItsTable() throws Exception {
        JsonNode r = probe(index);
        assertEquals(0, r.get("errors").size(), r.get("errors").toString());
        assertTrue(r.get("svgs").asInt() >= 15, "inline SVG charts: " + r.get("svgs"));
        assertTrue(r.get("images").asInt() >= 1, "the heat map");
        RunSummary best = RunStore.at(index.getParent().getParent().getParent().resolve("results/synthetic-beta-sweep"))
                .summaries().stream().filter(s -> s.status() == RunStatus.COMPLETED)
                .min(Comparator.comparingDouble(s -> s.finalMetrics().testLoss())).orElseThrow();
        assertEquals(best.name(), r.get("ascFirst").asText(), "ascending −ELBO puts the best run first");
        assertEquals("", r.get("ascLastValue").asText(), "runs without a value sort last");
        assertEquals("descending", r.get("ariaSort").asText());
        assertTrue(r.get("subRowsFollowTheirRun").asBoolean(), "a failed run's cause row moves with its run");
        screenshot(index, "sweep.png", 2000);
        screenshot(index, "sweep-full.png", 6000);
    }

    /** A seeded sweep: the conditions table comes first, loads clean and sorts by its mean −ELBO. */
    @Test
    void seededSweepPageShowsItsConditionsTableAndSortsIt() throws Exception {
        Path seeded = ReportWriter.write(List.of(org.vaelab.tracking.ReplicateSweep.write(
                SampleReportTest.ROOT.resolve("results"), "seeded")), SampleReportTest.ROOT.resolve("reports"));
        JsonNode r = probe(seeded);
        assertEquals(0, r.get("errors").size(), r.get("errors").toString());
        JsonNode sections = r.get("sections");
        assertTrue(sections.has("conditions") && sections.get("conditions").asInt() < sections.get("runs").asInt(),
                sections.toString());
        // The probe sorts the first sortable table, the conditions', by −ELBO; column 1 is the schedule. Best mean:
        // latent 32 with linear warm-up; worst: latent 8 without.
        assertEquals("linear", r.get("ascFirst").asText());
        assertEquals("none", r.get("descFirst").asText());
        screenshot(seeded, "sweep-seeded.png", 2000);
    }

    @Test
    void runPagesLoadClean() throws Exception {
        List<RunSummary> runs = RunStore.at(index.getParent().getParent().getParent()
                .resolve("results/synthetic-beta-sweep")).summaries();
        for (String name : List.of("latent_dim=2,beta=1", "latent_dim=32,beta=1", "latent_dim=128,beta=0.5",
                "latent_dim=32,beta=0.5")) {
            RunSummary s = runs.stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
            Path page = index.getParent().resolve("runs/synthetic-beta-sweep/" + s.id() + ".html");
            JsonNode r = probe(page);
            assertEquals(0, r.get("errors").size(), name + ": " + r.get("errors"));
            if (s.status() == RunStatus.COMPLETED) {
                assertTrue(r.get("images").asInt() >= 6, name + ": pictures and heat map, got " + r.get("images"));
            }
            if (name.equals("latent_dim=2,beta=1")) {
                screenshot(page, "run.png", 2000);
                screenshot(page, "run-full.png", 7000);
                // The pictures sit below the curves: cut them out of the full page for the README.
                crop("run-full.png", "run-pictures.png", r.get("sections").get("pictures").asInt() - 12, 2000);
            }
            if (name.equals("latent_dim=32,beta=1")) {
                screenshot(page, "run-latent32.png", 2000);
            }
        }
    }

    @Test
    void markupInNamesDoesNotRunInTheBrowser() throws Exception {
        JsonNode r = probe(hostileIndex);
        assertEquals(0, r.get("errors").size(), "an executed <script> would log console.error: " + r.get("errors"));
        RunSummary s = RunStore.at(SampleReportTest.ROOT.resolve("results/hostile")).summaries().stream()
                .filter(x -> x.name().contains("<script>")).findFirst().orElseThrow();
        JsonNode run = probe(hostileIndex.getParent().resolve("runs/hostile/" + s.id() + ".html"));
        assertEquals(0, run.get("errors").size(), run.get("errors").toString());
    }

    @Test
    void probeCatchesBrokenImagesScriptErrorsAndConsoleErrors() throws Exception {
        Path dir = Files.createDirectories(SampleReportTest.ROOT.resolve("probe-check"));
        Path page = dir.resolve("bad.html");
        Files.writeString(page, "<!DOCTYPE html><html><head><title>x</title></head><body><img src=\"missing.png\">"
                + "<script>console.error('logged'); notAFunction();</script></body></html>");
        JsonNode r = probe(page);
        String errors = r.get("errors").toString();
        assertTrue(errors.contains("failed to load") && errors.contains("missing.png"), errors);
        assertTrue(errors.contains("broken image missing.png"), errors);
        assertTrue(errors.contains("console.error: logged"), errors);
        assertTrue(errors.contains("notAFunction"), errors);
    }

    /** Loads a probed copy of {@code page} and returns what the probe recorded, plus Chromium's console lines. */
    static JsonNode probe(Path page) throws Exception {
        String html = Files.readString(page, StandardCharsets.UTF_8);
        // Lazy images off-screen would never load in a headless dump and look broken.
        String probed = html.replace("<head>", "<head>" + PROBE_SCRIPT).replace(" loading=\"lazy\"", "");
        Path copy = page.resolveSibling(page.getFileName() + ".probe.html");
        Files.writeString(copy, probed, StandardCharsets.UTF_8);
        try {
            // Same width as the screenshots, so that the section offsets it records match them.
            Result res = chromium(List.of("--window-size=1400,2000", "--dump-dom",
                    copy.toAbsolutePath().toUri().toString()));
            Matcher m = PROBE.matcher(res.stdout);
            if (!m.find()) {
                fail(page + ": the page never finished loading (no probe output); stderr: " + res.stderr);
            }
            String json = m.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
            JsonNode node = Json.mapper().readTree(json);
            List<String> console = new ArrayList<>();
            Matcher c = CONSOLE.matcher(res.stderr);
            while (c.find()) {
                console.add(c.group());
            }
            for (String line : console) {
                ((com.fasterxml.jackson.databind.node.ArrayNode) node.get("errors")).add("console: " + line);
            }
            return node;
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    static void screenshot(Path page, String name, int height) throws Exception {
        Path out = SHOTS.resolve(name).toAbsolutePath();
        Files.deleteIfExists(out);
        chromium(List.of("--hide-scrollbars", "--window-size=1400," + height, "--screenshot=" + out,
                page.toAbsolutePath().toUri().toString()));
        assertTrue(Files.size(out) > 10_000, "screenshot " + out + " looks empty");
    }

    static void crop(String from, String to, int top, int height) throws IOException {
        java.awt.image.BufferedImage full = javax.imageio.ImageIO.read(SHOTS.resolve(from).toFile());
        int y = Math.max(0, Math.min(top, full.getHeight() - 1));
        int h = Math.min(height, full.getHeight() - y);
        javax.imageio.ImageIO.write(full.getSubimage(0, y, full.getWidth(), h), "png", SHOTS.resolve(to).toFile());
    }

    record Result(String stdout, String stderr) {
    }

    static Result chromium(List<String> args) throws Exception {
        Path profile = Files.createTempDirectory("vaelab-chromium-");
        List<String> cmd = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0",
                "--virtual-time-budget=10000"));
        cmd.addAll(args);
        Path out = Files.createTempFile("chromium-out", ".txt");
        Path err = Files.createTempFile("chromium-err", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                fail("chromium did not finish within 90 s: " + cmd);
            }
            return new Result(Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            deleteTree(profile);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
