package org.vaelab.tracking;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * A write that failed because its file system is full (ENOSPC) or the user's disk quota is used up (EDQUOT):
 * a fault of the machine, never a bug, and one that every later write would meet too. This is the one place
 * that recognises it; {@link AtomicFiles} turns every such failure into this exception naming the file it was
 * writing, and callers that get a plain {@link IOException} from elsewhere (a lock file, a folder) classify it
 * with {@link #find}.
 */
public final class DiskFullException extends IOException {
    private static final long serialVersionUID = 1L;
    /** The JDK passes the C library's strerror text through unchanged, in English on every locale it sets. */
    private static final String ENOSPC = "no space left on device";
    private static final String EDQUOT = "disk quota exceeded";

    private final transient Path file;

    private DiskFullException(Path file, String reason, IOException cause) {
        super(reason + (file == null ? "" : " while writing " + file), cause);
        this.file = file;
    }

    /** The file being written when the space ran out, or null when the failing call did not say. */
    public Path file() {
        return file;
    }

    /**
     * {@code e} as a {@link DiskFullException} naming {@code file} if it says the disk is full, else {@code e}
     * itself: for a caller that rethrows whatever a write threw.
     */
    public static IOException classify(Path file, IOException e) {
        if (e instanceof DiskFullException) {
            return e;
        }
        String reason = reason(e);
        return reason == null ? e : new DiskFullException(file, reason, e);
    }

    /**
     * A disk-full fault met at {@code file} (null when not known) by a process that said so in words, such as a
     * worker process to its parent.
     */
    public static DiskFullException reported(Path file) {
        return new DiskFullException(file, ENOSPC, null);
    }

    /**
     * The disk-full fault in {@code t} or its causes, if any: the exception itself when one was thrown, else
     * one made from the plain ENOSPC/EDQUOT error found (naming the file if a {@link FileSystemException} did).
     */
    public static Optional<DiskFullException> find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof DiskFullException d) {
                return Optional.of(d);
            }
        }
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof IOException io) {
                String reason = reason(io);
                if (reason != null) {
                    Path file = io instanceof FileSystemException fs && fs.getFile() != null
                            ? Path.of(fs.getFile()) : null;
                    return Optional.of(new DiskFullException(file, reason, io));
                }
            }
        }
        return Optional.empty();
    }

    /** True if {@code cause}, a run's recorded cause, says the run failed on a full disk. */
    public static boolean isCause(String cause) {
        return cause != null && (cause.startsWith(ENOSPC) || cause.startsWith(EDQUOT));
    }

    /** "no space left on device" or "disk quota exceeded" when {@code e} says so, else null. */
    private static String reason(IOException e) {
        String text = e instanceof FileSystemException fs && fs.getReason() != null ? fs.getReason() : e.getMessage();
        if (text == null) {
            return null;
        }
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.contains(ENOSPC)) {
            return ENOSPC;
        }
        if (lower.contains(EDQUOT)) {
            return EDQUOT;
        }
        return null;
    }
}
