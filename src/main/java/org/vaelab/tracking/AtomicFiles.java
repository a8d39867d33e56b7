package org.vaelab.tracking;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Whole-file writes that a reader never sees half done: the bytes go to a temporary file in the same folder,
 * are forced to disk, and the file is then renamed over the target in one atomic step. A kill at any moment
 * leaves either the previous version or the new one, and so does a full disk ({@link DiskFullException}).
 * Files end up rw-r--r--.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** What streams a file's content; called once with the temporary file's buffered stream. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Replaces {@code target} with {@code bytes} atomically, creating parent folders as needed.
     *
     * @throws DiskFullException when the file system is full: {@code target} is then as it was before
     */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /**
     * Replaces {@code target} atomically with what {@code body} writes, creating parent folders as needed. The
     * content streams through a buffer into the temporary file, so a file larger than the heap (a checkpoint of
     * a big model) is never held whole in memory.
     *
     * @throws DiskFullException when the file system is full: {@code target} is then as it was before
     */
    public static void write(Path target, Body body) throws IOException {
        try {
            replace(target, body);
        } catch (IOException e) {
            // Named here, where the file is known: the JDK's own ENOSPC error names neither file nor folder.
            throw DiskFullException.classify(target, e);
        }
    }

    private static void replace(Path target, Body body) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                // not closed here: closing the stream would close the channel before force()
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                body.writeTo(out);
                out.flush();
                ch.force(true);
            }
            // createTempFile makes owner-only files; results and reports are meant to be read by others too.
            if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot replace " + target + " atomically on this file system", e);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Replaces {@code target} atomically with a copy of {@code source}, streamed (never read whole). */
    public static void copy(Path source, Path target) throws IOException {
        write(target, out -> Files.copy(source, out));
    }

    /**
     * Deletes the temporary files that {@link #write} leaves behind when its process is killed mid-write
     * ({@code .<name>.<random>.tmp} in {@code dir}), for {@code names} only, or every name if none is given.
     * Only safe while the caller knows that nobody else is writing those files (it holds their lock): a
     * live writer's temporary file would vanish before its rename. Returns how many files were removed.
     */
    public static int removeLeftovers(Path dir, String... names) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int removed = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, f -> isLeftover(f, names))) {
            for (Path f : ds) {
                if (Files.deleteIfExists(f)) {
                    removed++;
                }
            }
        }
        return removed;
    }

    private static boolean isLeftover(Path f, String... names) {
        String n = f.getFileName().toString();
        if (!n.startsWith(".") || !n.endsWith(".tmp") || !Files.isRegularFile(f)) {
            return false;
        }
        if (names.length == 0) {
            return true;
        }
        for (String name : names) {
            if (n.startsWith("." + name + ".")) {
                return true;
            }
        }
        return false;
    }

    /** {@link #write(Path, byte[])} for UTF-8 text. */
    public static void writeString(Path target, String text) throws IOException {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }
}
