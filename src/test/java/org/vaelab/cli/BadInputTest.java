package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vaelab.data.IdxFiles;
import org.vaelab.data.ImageSet;

/**
 * The list of bad input, each through the command line as a user meets it: exit code 2, exactly one
 * line on stderr that names the place (file, key, flag or folder) and the fix, no stack trace (not on the
 * command's error stream, nor on the process's System.err), and a results and reports folder written by an
 * earlier sweep left byte for byte as it was (nothing created in it either).
 *
 * <p>The earlier sweep ("tiny", two runs) is trained once for the class. The data cases then run that same
 * spec with one run's folder removed, as a user does to retrain a run, so that vaelab has something to train
 * and must load the data, which each case has broken in its own way.
 */
class BadInputTest {
    @TempDir
    static Path shared;
    static Path idx;
    static Path spec;
    static Path baseResults;
    static Path baseReports;
    static Map<String, byte[]> pristineData;

    @TempDir
    Path tmp;
    /** A copy of the earlier sweep's results and reports for this case. */
    Path results;
    Path reports;

    /** What a case does before vaelab runs (break a file, write a spec) and the arguments it then runs with. */
    interface Setup {
        String[] apply(BadInputTest t) throws IOException;
    }

    /**
     * One defect.
     *
     * @param name   shown in the test report
     * @param setup  breaks something and returns the command line
     * @param expect fragments of the one error line: the place and the fix
     */
    record Case(String name, Setup setup, List<String> expect) {
        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeAll
    static void anEarlierSweep() throws IOException {
        idx = shared.resolve("idx");
        int[] train = new int[100];
        int[] test = new int[30];
        Arrays.setAll(train, i -> i % 10);
        Arrays.setAll(test, i -> i % 10);
        IdxFiles.writeSet(idx, "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                IdxFiles.synthetic(train, 8, 8, 1), false);
        IdxFiles.writeSet(idx, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
                IdxFiles.synthetic(test, 8, 8, 2), false);
        pristineData = new TreeMap<>();
        try (Stream<Path> s = Files.list(idx)) {
            for (Path f : s.toList()) {
                pristineData.put(f.getFileName().toString(), Files.readAllBytes(f));
            }
        }
        spec = shared.resolve("tiny.yaml");
        Files.writeString(spec, """
                name: tiny
                dataset: {name: idx, path: %s}
                model: {hidden: [8]}
                train: {epochs: 1, batch_size: 50}
                eval: {loglik_samples: 5, loglik_subset: 10}
                sweep:
                  grid: {model.latent_dim: [2, 3]}
                """.formatted(idx));
        baseResults = shared.resolve("results");
        baseReports = shared.resolve("reports");
        CliTest.Outcome o = CliTest.vaelab("run", spec.toString(), "--workers", "1", "--results",
                baseResults.toString(), "--reports", baseReports.toString());
        assertEquals(ExitCodes.OK, o.code(), o.err());
    }

    @BeforeEach
    void copyResultsAndRestoreData() throws IOException {
        results = copyTree(baseResults, tmp.resolve("results"));
        reports = copyTree(baseReports, tmp.resolve("reports"));
        try (Stream<Path> s = Files.list(idx)) {
            for (Path f : s.toList()) {
                Files.delete(f);
            }
        }
        for (Map.Entry<String, byte[]> e : pristineData.entrySet()) {
            Files.write(idx.resolve(e.getKey()), e.getValue());
        }
    }

    // ---- the cases ----

    /** A spec file with {@code body} under the earlier sweep's name, run against the earlier sweep's folders. */
    private String[] runSpec(String body, String... extra) throws IOException {
        Path f = tmp.resolve("spec.yaml");
        Files.writeString(f, body);
        return runArgs(f, extra);
    }

    private String[] runArgs(Path specFile, String... extra) {
        List<String> a = new ArrayList<>(List.of("run", specFile.toString(), "--results", results.toString(),
                "--reports", reports.toString(), "--workers", "1"));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    /** The earlier sweep's own command, with one run's folder removed (so a run must be trained again). */
    private String[] retrainOneRun() throws IOException {
        Path sweep = results.resolve("tiny");
        List<Path> runs;
        try (Stream<Path> s = Files.list(sweep)) {
            runs = s.filter(Files::isDirectory).sorted().toList();
        }
        deleteTree(runs.get(0));
        return runArgs(spec);
    }

    private static Path copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return to;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static void rewrite(String file, java.util.function.UnaryOperator<byte[]> change) throws IOException {
        Path f = idx.resolve(file);
        Files.write(f, change.apply(Files.readAllBytes(f)));
    }

    static List<Case> cases() {
        return List.of(
                new Case("malformed YAML", t -> t.runSpec("name: tiny\nmodel:\n\tlatent_dim: 8\n"),
                        List.of("spec.yaml:3:", "invalid YAML", "tab", "spaces")),
                new Case("unknown key", t -> t.runSpec("name: tiny\nmodel: {latent_dims: 8}\n"),
                        List.of("spec.yaml:2:", "model.latent_dims: unknown key", "did you mean 'latent_dim'")),
                new Case("wrong type", t -> t.runSpec("name: tiny\ntrain: {epochs: many}\n"),
                        List.of("spec.yaml:2:", "train.epochs", "integer")),
                new Case("out-of-range value", t -> t.runSpec("name: tiny\nloss: {beta: -1}\n"),
                        List.of("spec.yaml:2:", "loss.beta: must be >= 0 (got -1)")),
                new Case("empty sweep list", t -> t.runSpec("name: tiny\nsweep: {grid: {loss.beta: []}}\n"),
                        List.of("spec.yaml:2:", "sweep.grid.loss.beta", "empty")),
                new Case("unequal zip lists",
                        t -> t.runSpec("name: tiny\nsweep: {zip: {loss.beta: [1, 2], train.epochs: [1, 2, 3]}}\n"),
                        List.of("spec.yaml:2:", "sweep.zip.train.epochs: has 3 values but sweep.zip.loss.beta has 2",
                                "equal length")),
                new Case("a sweep that would explode", t -> t.runSpec("""
                        name: tiny
                        sweep:
                          grid:
                            model.latent_dim: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
                            loss.beta: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
                            train.epochs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
                            train.batch_size: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
                        """), List.of("spec.yaml:2:1: sweep: expands to 11000 runs", "limit of 10000", "shrink the lists")),
                new Case("missing spec file", t -> t.runArgs(t.tmp.resolve("nope.yaml")),
                        List.of("nope.yaml", "cannot read spec file")),
                new Case("--set of an unknown key", t -> t.runArgs(spec, "--set", "train.lr=0.1"),
                        List.of("--set train.lr=0.1", "did you mean 'train.learning_rate'")),
                new Case("missing IDX file", t -> {
                    Files.delete(idx.resolve("t10k-labels-idx1-ubyte"));
                    return t.retrainOneRun();
                }, List.of("t10k-labels-idx1-ubyte: not found", "place the file there")),
                new Case("corrupt IDX file (bad magic number)", t -> {
                    rewrite("train-images-idx3-ubyte", b -> {
                        b[2] = 9;
                        return b;
                    });
                    return t.retrainOneRun();
                }, List.of("train-images-idx3-ubyte", "magic")),
                new Case("truncated IDX file", t -> {
                    rewrite("train-images-idx3-ubyte", b -> Arrays.copyOf(b, b.length / 2));
                    return t.retrainOneRun();
                }, List.of("train-images-idx3-ubyte: truncated")),
                new Case("IDX labels that do not match the images", t -> {
                    rewrite("train-labels-idx1-ubyte", b -> IdxFiles.labels(new int[] {1, 2, 3}));
                    return t.retrainOneRun();
                }, List.of("train-images-idx3-ubyte: has 100 images but", "3 labels")),
                new Case("IDX test images of another size", t -> {
                    int[] labels = new int[30];
                    Arrays.setAll(labels, i -> i % 10);
                    ImageSet small = IdxFiles.synthetic(labels, 6, 6, 3);
                    IdxFiles.write(idx.resolve("t10k-images-idx3-ubyte"),
                            IdxFiles.images(30, 6, 6, small.pixels()));
                    return t.retrainOneRun();
                }, List.of("training images are 8x8 but test images are 6x6", "same data set")),
                new Case("results folder that is a file", t -> {
                    Path file = Files.writeString(t.tmp.resolve("results-file"), "not a folder");
                    return new String[] {"run", spec.toString(), "--results", file.toString(), "--reports",
                            t.reports.toString()};
                }, List.of("results-file/tiny: cannot write results here", "--results DIR")),
                new Case("results folder under a file", t -> {
                    Path file = Files.writeString(t.tmp.resolve("plain"), "x");
                    return new String[] {"run", spec.toString(), "--results", file.resolve("results").toString(),
                            "--reports", t.reports.toString()};
                }, List.of("plain/results/tiny: cannot write results here", "--results DIR")),
                new Case("reports folder that is a file", t -> {
                    Path file = Files.writeString(t.tmp.resolve("reports-file"), "x");
                    t.retrainOneRun();
                    return new String[] {"run", spec.toString(), "--results", t.results.toString(), "--reports",
                            file.toString()};
                }, List.of("reports-file/tiny: cannot write the report here", "--reports DIR")),
                new Case("a changed spec under the same name", t -> t.runArgs(spec, "--set", "loss.beta=2"),
                        List.of("was written by a different spec", "loss.beta", "--force")),
                new Case("--format without --dry-run", t -> t.runArgs(spec, "--format", "json"),
                        List.of("--format", "--dry-run")),
                new Case("--workers 0", t -> new String[] {"run", spec.toString(), "--results", t.results.toString(),
                        "--reports", t.reports.toString(), "--workers", "0"}, List.of("--workers", "at least 1")),
                new Case("--workers given twice", t -> t.runArgs(spec, "--workers", "2"),
                        List.of("'--workers'", "only once")),
                new Case("an unknown flag", t -> t.runArgs(spec, "--wrokers", "2"),
                        List.of("--wrokers", "--help")),
                new Case("report of a folder that is not a sweep",
                        t -> new String[] {"report", t.tmp.resolve("idx-not-results").toString(), "--reports",
                                t.reports.toString()},
                        List.of("not a sweep results folder", "results/<sweep>")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void exitsTwoWithOneLineAndLeavesEarlierResultsAlone(Case c) throws IOException {
        String[] args = c.setup().apply(this);
        Map<String, String> before = snapshot();

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ByteArrayOutputStream sysOut = new ByteArrayOutputStream();
        ByteArrayOutputStream sysErr = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        int code;
        // System.out/err too: a stack trace or a log line printed outside the command's writers reaches the user
        System.setOut(new PrintStream(sysOut, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(sysErr, true, StandardCharsets.UTF_8));
        try {
            code = Main.execute(args, new PrintWriter(out), new PrintWriter(err));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        String shown = err.toString() + sysErr.toString(StandardCharsets.UTF_8);
        String context = c.name() + "\nstderr:\n" + shown + "\nstdout:\n" + out + sysOut;

        assertEquals(ExitCodes.BAD_INPUT, code, context);
        List<String> lines = shown.lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "exactly one line on stderr: " + context);
        String line = lines.get(0);
        for (String fragment : c.expect()) {
            assertTrue(line.contains(fragment), "'" + fragment + "' in: " + line);
        }
        assertFalse(line.contains("Exception") || line.contains("\tat "), "no Java exception shown: " + line);
        assertFalse(sysOut.toString(StandardCharsets.UTF_8).contains("\tat "), context);
        assertEquals(before, snapshot(), "the earlier results and report are byte for byte as they were");
    }

    /** Every file (path to SHA-256) and folder under the results and reports roots. */
    private Map<String, String> snapshot() throws IOException {
        Map<String, String> m = new TreeMap<>();
        for (Path root : List.of(results, reports)) {
            try (Stream<Path> s = Files.walk(root)) {
                for (Path p : s.toList()) {
                    m.put(p.toString(), Files.isDirectory(p) ? "dir" : sha256(Files.readAllBytes(p)));
                }
            }
        }
        return m;
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theEarlierSweepIsStillWhole() throws IOException {
        // the fixture itself: two completed runs, so the cases above compare against real results
        assertEquals(2, CliProcess.epochsByRun(baseResults.resolve("tiny")).size());
    }
}
