package org.vaelab.report;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.vaelab.report.HtmlRenderer.Embed;
import org.vaelab.report.ReportModel.RunEntry;
import org.vaelab.tracking.AtomicFiles;
import org.vaelab.tracking.Json;
import org.vaelab.tracking.RunLock;
import org.vaelab.tracking.RunStatus;

/**
 * The one class that puts report files on disk: reports/&lt;name&gt;/index.html (the sweep page),
 * runs/&lt;sweep&gt;/&lt;run-id&gt;.html (run pages) with their images in runs/&lt;sweep&gt;/&lt;run-id&gt;/, and the
 * sweep page's images in assets/. Every file is replaced atomically, images before the pages that show them,
 * index.html last, so a browser refreshing during a sweep never sees a half-written file. Re-rendering is
 * idempotent: the same results give byte-identical files, and a run page whose inputs have not changed since
 * the last render is kept as it is (its inputs' hash is stored in the page).
 *
 * <p>One sweep goes to reports/&lt;sweep&gt;/; several go to reports/&lt;a&gt;_vs_&lt;b&gt;.../ (see
 * {@link #folderName(List)}).
 */
public final class ReportWriter {
    /** Bump when the pages' look changes, so that unchanged runs' pages are rendered again anyway. */
    static final String RENDER_VERSION = "report-1";
    static final String INDEX = "index.html";
    static final String ASSETS = "assets";
    static final String RUNS = "runs";
    private static final int MAX_FOLDER = 100;
    private static final Pattern FINGERPRINT = Pattern.compile("<meta name=\"vaelab-inputs\" content=\"([0-9a-f]+)\">");

    private ReportWriter() {
    }

    /**
     * Renders the report of {@code sweepDirs} (results/&lt;sweep&gt;/ folders) under {@code reportsRoot} and returns
     * the path of its index.html.
     */
    public static Path write(List<Path> sweepDirs, Path reportsRoot) throws IOException {
        return write(sweepDirs, reportsRoot, false);
    }

    /**
     * As {@link #write}, for a refresh while a sweep's workers are still training: the page of a run still
     * running is kept as it was last drawn (or drawn if it has none), since it would change with every epoch
     * and costs the training cores a fifth of a second each time; it is drawn again when its run finishes.
     * The sweep page and every other page are brought up to date as by {@link #write}.
     */
    public static Path refresh(List<Path> sweepDirs, Path reportsRoot) throws IOException {
        return write(sweepDirs, reportsRoot, true);
    }

    @SuppressWarnings("try") // the lock is held for the try block's duration, never read
    private static Path write(List<Path> sweepDirs, Path reportsRoot, boolean keepRunning) throws IOException {
        // Charts and pictures are drawn with Java2D; on a machine without a display AWT must not look for one.
        // The launcher sets this too; setting it here keeps library callers (tests, other tools) safe.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        List<Path> dirs = sweepDirs.stream().map(p -> p.toAbsolutePath().normalize()).distinct().toList();
        if (dirs.isEmpty()) {
            throw new IllegalArgumentException("report: give at least one results/<sweep> folder");
        }
        List<SweepData> sweeps = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Path d : dirs) {
            SweepData s = ReportLoader.load(d);
            if (!names.add(s.name())) {
                throw new IllegalArgumentException(sameName(dirs, s.name()));
            }
            sweeps.add(s);
        }
        ReportModel model = ReportModel.of(sweeps);
        List<String> sweepNames = sweeps.stream().map(SweepData::name).toList();
        Path out = reportsRoot.resolve(folderName(sweepNames));
        Optional<String> owner = ownerProblem(sweepNames, out);
        if (owner.isPresent()) {
            throw new IllegalStateException(owner.get());
        }
        Files.createDirectories(out);
        // The lock sits beside the report folder, not in it: a report folder zipped and sent holds no lock file.
        Files.deleteIfExists(out.resolve(".report.lock")); // where earlier versions kept it
        try (RunLock ignored = RunLock.acquire(reportsRoot.resolve("." + out.getFileName() + ".lock"))) {
            return render(model, out, keepRunning);
        }
    }

    /** The one-line refusal for two results folders of one sweep name. */
    public static String sameName(List<Path> dirs, String name) {
        List<String> same = dirs.stream().filter(d -> d.getFileName().toString().equals(name))
                .map(Path::toString).toList();
        return "report: " + String.join(" and ", same) + " are both sweep '" + name + "'; a comparison tells sweeps"
                + " apart by name: run one of the specs under another name (name: in the spec), then compare";
    }

    /**
     * Why {@code out} must not receive the report of {@code sweepNames}, if it must not: it holds the pages of
     * other sweeps (runs/&lt;sweep&gt;/), i.e. another report, a sweep's or a comparison's. Comparison folders
     * have a '+' in their name, which no sweep name has, so the two kinds never meet under vaelab's own names;
     * this catches folders an earlier version named otherwise.
     */
    public static Optional<String> ownerProblem(List<String> sweepNames, Path out) throws IOException {
        Path runs = out.resolve(RUNS);
        if (!Files.isDirectory(runs)) {
            return Optional.empty();
        }
        List<String> others;
        try (var s = Files.list(runs)) {
            others = s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> !sweepNames.contains(n)).sorted().toList();
        }
        if (others.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(out + ": holds the report of " + String.join(", ", others) + ", not of "
                + String.join(", ", sweepNames) + "; move that folder away, or choose another --reports DIR");
    }

    /**
     * The report folder's name: the sweep's name for one sweep; for several, their names joined with "+" in
     * the order given (e.g. beta-sweep+latent-sweep), or "compare+" and a 12-digit hash of that when it would
     * be longer than 100 characters. No sweep name holds a '+', so a comparison's folder is never a sweep's.
     */
    public static String folderName(List<String> sweepNames) {
        if (sweepNames.size() == 1) {
            return sweepNames.get(0);
        }
        String joined = String.join("+", sweepNames);
        return joined.length() <= MAX_FOLDER ? joined : "compare+" + sha256(joined).substring(0, 12);
    }

    private static Path render(ReportModel m, Path out, boolean keepRunning) throws IOException {
        Set<Path> live = new HashSet<>();
        for (RunEntry r : m.runs()) {
            renderRun(m, r, out, live, keepRunning && r.status() == RunStatus.RUNNING);
        }
        List<Figure.Group> groups = SweepChartBuilder.groups(m);
        Function<Figure, Embed> embeds = embedder(out, out.resolve(ASSETS), ASSETS + "/", "sweep", live);
        String html = HtmlRenderer.sweepPage(m, groups, embeds);
        Path index = out.resolve(INDEX);
        writeIfChanged(index, html.getBytes(StandardCharsets.UTF_8));
        live.add(index);
        removeStale(out, live);
        return index;
    }

    private static void renderRun(ReportModel m, RunEntry r, Path out, Set<Path> live, boolean keep)
            throws IOException {
        Path page = out.resolve(r.page());
        Path assetDir = out.resolve(r.assetDir());
        String fp = fingerprint(m, r);
        if (upToDate(page, keep ? null : fp, assetDir, live)) {
            return;
        }
        List<Figure.Group> groups = RunChartBuilder.groups(m, r);
        Function<Figure, Embed> embeds = embedder(out, assetDir, r.id() + "/", "run", live);
        String html = HtmlRenderer.runPage(m, r, groups, embeds, fp);
        writeIfChanged(page, html.getBytes(StandardCharsets.UTF_8));
        live.add(page);
    }

    /**
     * Encodes each figure as it is asked for: vector charts inline, everything else as a PNG written (atomically)
     * into {@code assetDir} and referenced as {@code srcPrefix + id + ".png"} relative to the page.
     */
    private static Function<Figure, Embed> embedder(Path out, Path assetDir, String srcPrefix, String idPrefix,
                                                    Set<Path> live) {
        Map<String, Embed> done = new HashMap<>();
        return f -> done.computeIfAbsent(f.id(), id -> {
            try {
                return embed(f, id, assetDir, srcPrefix, idPrefix, live);
            } catch (RuntimeException e) {
                if (e instanceof java.io.UncheckedIOException io) {
                    throw io;
                }
                // One chart XChart cannot draw must not cost the whole report (every other figure and table).
                return unrendered(f, e);
            }
        });
    }

    private static Embed embed(Figure f, String id, Path assetDir, String srcPrefix, String idPrefix,
                               Set<Path> live) {
        if (f.vector()) {
            return new Embed(FigureEncoder.svg(f.chart(), idPrefix + "-" + id), null, f.chart().getWidth(),
                    f.chart().getHeight());
        }
        BufferedImage img = f.image() != null ? f.image() : FigureEncoder.raster(f.chart());
        int w = f.image() != null ? img.getWidth() : f.chart().getWidth();
        int h = f.image() != null ? img.getHeight() : f.chart().getHeight();
        Path file = assetDir.resolve(id + ".png");
        try {
            writeIfChanged(file, FigureEncoder.pngBytes(img));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        live.add(file);
        return new Embed(null, srcPrefix + id + ".png", w, h);
    }

    /** A box in place of a chart that could not be drawn, saying why. */
    static Embed unrendered(Figure f, RuntimeException e) {
        int w = f.chart() != null ? f.chart().getWidth() : 400;
        String why = "This chart could not be drawn (" + e.getClass().getSimpleName()
                + (e.getMessage() != null ? ": " + e.getMessage() : "") + ").";
        String text = why.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
        String svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w + "\" height=\"60\" role=\"img\">"
                + "<rect x=\"0.5\" y=\"0.5\" width=\"" + (w - 1) + "\" height=\"59\" fill=\"#fff8e1\" "
                + "stroke=\"#e0a000\"/><text x=\"10\" y=\"35\" font-family=\"DejaVu Sans, sans-serif\" "
                + "font-size=\"12\" fill=\"#5d4200\">" + text + "</text></svg>";
        return new Embed(svg, null, w, 60);
    }

    /**
     * True (and the page's files marked live) when the page was rendered from the same inputs (any inputs when
     * {@code fp} is null: a page kept during a sweep) and its images exist.
     */
    private static boolean upToDate(Path page, String fp, Path assetDir, Set<Path> live) throws IOException {
        if (!Files.exists(page)) {
            return false;
        }
        String html = Files.readString(page, StandardCharsets.UTF_8);
        Matcher mm = FINGERPRINT.matcher(html);
        if (!mm.find() || (fp != null && !mm.group(1).equals(fp))) {
            return false;
        }
        List<Path> images = new ArrayList<>();
        Matcher src = Pattern.compile("<img src=\"([^\"]+)\"").matcher(html);
        while (src.find()) {
            Path p = page.getParent().resolve(src.group(1)).normalize();
            if (!Files.exists(p)) {
                return false;
            }
            images.add(p);
        }
        live.add(page);
        live.addAll(images);
        if (Files.isDirectory(assetDir)) {
            live.add(assetDir);
        }
        return true;
    }

    /**
     * Everything a run page shows: its own files, the keys the report varies, its neighbours in the pager and
     * the report's title; any change renders the page again.
     */
    static String fingerprint(ReportModel m, RunEntry r) {
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("render", RENDER_VERSION + "|" + HtmlRenderer.VERSION + "|" + sha256(HtmlRenderer.CSS + HtmlRenderer.SORT_JS));
        in.put("summary", r.summary());
        in.put("epochs", r.data().epochs());
        in.put("visuals", r.data().visuals());
        in.put("provenance", r.data().provenance());
        in.put("spec", r.data().specYaml());
        in.put("problems", r.data().problems());
        in.put("title", m.title());
        in.put("varied", m.variedKeys());
        in.put("colour", m.colourKey());
        int at = m.runs().indexOf(r);
        in.put("position", at + "/" + m.runs().size());
        in.put("prev", at > 0 ? m.runs().get(at - 1).page() + "|" + m.runs().get(at - 1).name() : null);
        in.put("next", at < m.runs().size() - 1 ? m.runs().get(at + 1).page() + "|" + m.runs().get(at + 1).name()
                : null);
        return sha256(Json.line(in));
    }

    /** Atomic replace, skipped when the file already holds these bytes (keeps mtimes stable for watchers). */
    private static void writeIfChanged(Path file, byte[] bytes) throws IOException {
        if (Files.exists(file) && Files.size(file) == bytes.length
                && java.util.Arrays.equals(Files.readAllBytes(file), bytes)) {
            return;
        }
        AtomicFiles.write(file, bytes);
    }

    /** Deletes pages and images of runs or figures that no longer exist; leaves anything else alone. */
    private static void removeStale(Path out, Set<Path> live) throws IOException {
        for (String sub : new String[] {RUNS, ASSETS}) {
            Path dir = out.resolve(sub);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            List<Path> stale;
            try (Stream<Path> files = Files.walk(dir)) {
                stale = files.filter(Files::isRegularFile)
                        .filter(p -> p.toString().endsWith(".html") || p.toString().endsWith(".png"))
                        .filter(p -> !live.contains(p)).toList();
            }
            for (Path p : stale) {
                Files.deleteIfExists(p);
            }
            try (Stream<Path> dirs = Files.walk(dir)) {
                for (Path d : dirs.filter(Files::isDirectory).sorted((a, b) -> b.getNameCount() - a.getNameCount())
                        .toList()) {
                    try (Stream<Path> left = Files.list(d)) {
                        if (left.findAny().isEmpty() && !d.equals(dir)) {
                            Files.delete(d);
                        }
                    }
                }
            }
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    }
}
