package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.vaelab.data.IdxFiles;
import org.vaelab.data.ImageSet;
import org.vaelab.tracking.Json;

/**
 * `vaelab` as a separate JVM, the way a user runs it (same class path and JVM flags as the launcher), in a
 * process group of its own so that a test can kill -9 it together with its worker processes in one signal.
 */
final class CliProcess {
    final Process process;
    final Path stdout;
    final Path stderr;

    private CliProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Starts `vaelab ARGS` with output into {@code logDir}/{@code tag}.out and .err. */
    static CliProcess start(Path logDir, String tag, String... args) throws IOException {
        return start(logDir, tag, List.of("-Xmx1g"), args);
    }

    /** As {@link #start(Path, String, String...)} with the child JVM's heap options given. */
    static CliProcess start(Path logDir, String tag, List<String> heapOptions, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        // setsid: a new session and process group whose id is the JVM's pid; the workers inherit it.
        cmd.add("setsid");
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of("-Djava.awt.headless=true", "-Dorg.bytedeco.javacpp.maxphysicalbytes=0",
                "-Dorg.bytedeco.javacpp.maxbytes=0"));
        cmd.addAll(heapOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Files.createDirectories(logDir);
        Path out = logDir.resolve(tag + ".out");
        Path err = logDir.resolve(tag + ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        return new CliProcess(pb.start(), out, err);
    }

    long pid() {
        return process.pid();
    }

    /** Waits for the process to end and returns its exit code. */
    int waitFor(long seconds) throws InterruptedException, IOException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            killGroup();
            fail("vaelab did not finish within " + seconds + " s; output:\n" + out() + "\n" + err());
        }
        return process.exitValue();
    }

    String out() throws IOException {
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }

    String err() throws IOException {
        return Files.readString(stderr, StandardCharsets.UTF_8);
    }

    /**
     * kill -9 of the whole process group (the vaelab parent and its workers at once, as the kernel delivers
     * it), then waits until no member is left.
     */
    void killGroup() throws IOException, InterruptedException {
        long pgid = pid();
        Process kill = new ProcessBuilder("kill", "-KILL", "--", "-" + pgid).redirectErrorStream(true).start();
        kill.waitFor(10, TimeUnit.SECONDS);
        process.waitFor(10, TimeUnit.SECONDS);
        long until = System.nanoTime() + 10_000_000_000L;
        while (!groupMembers(pgid).isEmpty()) {
            if (System.nanoTime() > until) {
                fail("processes of group " + pgid + " still alive after kill -9: " + groupMembers(pgid));
            }
            Thread.sleep(50);
        }
    }

    /** Live (non-zombie) processes whose process group is {@code pgid}, from /proc. */
    static List<Long> groupMembers(long pgid) throws IOException {
        List<Long> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            for (Path p : s.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                String stat;
                try {
                    stat = Files.readString(p.resolve("stat"));
                } catch (IOException e) {
                    continue; // gone meanwhile
                }
                // pid (comm) state ppid pgrp ...: comm may hold spaces, so split after the last ')'
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (!f[0].equals("Z") && Long.parseLong(f[2]) == pgid) {
                    out.add(Long.parseLong(p.getFileName().toString()));
                }
            }
        }
        return out;
    }

    /**
     * Structured 10x10 IDX data (each class a fixed bar pattern with a random shift and speckle), so a tiny
     * VAE learns something and its curves and charts are not degenerate.
     */
    static Path writeData(Path dir, int train, int test) throws IOException {
        return writeData(dir, train, test, 10);
    }

    /** {@link #writeData(Path, int, int)} with {@code side x side} images (28 for MNIST's size). */
    static Path writeData(Path dir, int train, int test, int side) throws IOException {
        IdxFiles.writeSet(dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", patterns(train, side, 1),
                false);
        IdxFiles.writeSet(dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", patterns(test, side, 2), false);
        return dir;
    }

    private static ImageSet patterns(int n, int side, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] px = new byte[n * side * side];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int c = i % 10;
            labels[i] = c;
            int shift = r.nextInt(3);
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    // class c: a horizontal bar at row c (shifted), plus a vertical one for odd classes
                    boolean on = y == (c + shift) % side || (c % 2 == 1 && x == (c + shift) % side);
                    int v = on ? 180 + r.nextInt(76) : (r.nextInt(20) == 0 ? r.nextInt(100) : 0);
                    px[i * side * side + y * side + x] = (byte) v;
                }
            }
        }
        return new ImageSet(px, labels, side, side);
    }

    /**
     * Every .json and .jsonl file under {@code root} parses (each line of a .jsonl file, which must end in a
     * newline); fails naming the first one that does not. Safe to call while vaelab writes: files replaced or
     * removed between listing and reading are skipped. Returns how many files were checked.
     */
    static int assertAllJsonParses(Path root, String when) throws IOException {
        List<Path> files = new ArrayList<>();
        collect(root, files);
        int checked = 0;
        for (Path f : files) {
            String name = f.getFileName().toString();
            String text;
            try {
                text = Files.readString(f, StandardCharsets.UTF_8);
            } catch (java.nio.file.NoSuchFileException e) {
                continue;
            }
            try {
                if (name.endsWith(".jsonl")) {
                    for (String line : text.split("\n")) {
                        Json.mapper().readTree(line);
                    }
                    if (!text.isEmpty() && !text.endsWith("\n")) {
                        fail(when + ": " + f + " ends in a torn line:\n" + text);
                    }
                } else {
                    JsonNode n = Json.mapper().readTree(text);
                    if (n == null || n.isMissingNode()) {
                        fail(when + ": " + f + " is empty");
                    }
                }
            } catch (IOException e) {
                fail(when + ": " + f + " does not parse (" + e.getMessage() + "):\n" + text);
            }
            checked++;
        }
        return checked;
    }

    private static void collect(Path dir, List<Path> out) throws IOException {
        List<Path> entries = new ArrayList<>();
        try (java.nio.file.DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(entries::add);
        } catch (java.nio.file.NoSuchFileException | java.nio.file.NotDirectoryException e) {
            return;
        }
        for (Path e : entries) {
            String name = e.getFileName().toString();
            if (Files.isDirectory(e, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                collect(e, out);
            } else if (name.endsWith(".json") || name.endsWith(".jsonl")) {
                out.add(e);
            }
        }
    }

    /** Run id to the epochs in its metrics.jsonl, in file order. */
    static Map<String, List<Integer>> epochsByRun(Path sweepDir) throws IOException {
        Map<String, List<Integer>> out = new TreeMap<>();
        if (!Files.isDirectory(sweepDir)) {
            return out;
        }
        try (Stream<Path> s = Files.list(sweepDir)) {
            for (Path d : s.filter(Files::isDirectory).toList()) {
                Path m = d.resolve("metrics.jsonl");
                List<Integer> epochs = new ArrayList<>();
                if (Files.exists(m)) {
                    for (String line : Files.readAllLines(m, StandardCharsets.UTF_8)) {
                        epochs.add(Json.mapper().readTree(line).get("epoch").asInt());
                    }
                }
                out.put(d.getFileName().toString(), epochs);
            }
        }
        return out;
    }

    /** Asserts that {@code epochs} is 1, 2, ..., k for some k <= max: each epoch once, in order, none skipped. */
    static void assertEpochPrefix(List<Integer> epochs, int max, String what) {
        for (int i = 0; i < epochs.size(); i++) {
            assertEquals(i + 1, epochs.get(i), what + ": epochs " + epochs);
        }
        if (epochs.size() > max) {
            fail(what + ": more than " + max + " epochs: " + epochs);
        }
    }
}
