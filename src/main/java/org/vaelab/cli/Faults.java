package org.vaelab.cli;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Tells an environment fault (the machine: memory, permissions, native libraries, a full disk) from a bug in
 * vaelab, for the one line an unexpected exception gets: a fault is said with its fix and never called an
 * "internal error"; anything else is one, with the --debug hint. Each kind of fault is one case in
 * {@link #describe}; add a case there for a new one.
 */
final class Faults {
    private static final long MB = 1L << 20;
    private static final long GB = 1L << 30;

    private Faults() {
    }

    /** The line for {@code t} if it, or any of its causes, is an environment fault; empty for a bug. */
    static Optional<String> environment(Throwable t) {
        Set<Throwable> seen = new HashSet<>();
        for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
            Optional<String> d = describe(c);
            if (d.isPresent()) {
                return d;
            }
        }
        return Optional.empty();
    }

    /** One throwable, without its causes. */
    private static Optional<String> describe(Throwable t) {
        if (t instanceof OutOfMemoryError) {
            return Optional.of(outOfMemory(t.getMessage(), Runtime.getRuntime().maxMemory()));
        }
        if (t instanceof UnsatisfiedLinkError || isNativeLoading(t)) {
            return Optional.of("a native library could not be loaded (" + firstLine(t) + "); vaelab's CPU build"
                    + " needs the ND4J and OpenBLAS libraries bundled for this platform (linux-x86_64,"
                    + " linux-arm64, macosx-x86_64, windows-x86_64): build it on this machine (mvn package)");
        }
        if (t instanceof AccessDeniedException e) {
            return Optional.of("permission denied: " + e.getFile() + "; make it writable or choose another"
                    + " folder (--results, --reports, --data)");
        }
        if (t instanceof FileSystemException e && e.getReason() != null
                && (e.getReason().contains("Permission denied") || e.getReason().contains("Read-only file system"))) {
            return Optional.of(e.getReason().toLowerCase(Locale.ROOT) + ": " + e.getFile()
                    + "; choose another folder (--results, --reports, --data)");
        }
        if (t instanceof java.io.IOException && t.getMessage() != null
                && (t.getMessage().endsWith("(Permission denied)")
                || t.getMessage().endsWith("(Read-only file system)"))) {
            return Optional.of("cannot write " + t.getMessage() + "; choose another folder (--results, --reports,"
                    + " --data)");
        }
        return Optional.empty();
    }

    /**
     * ND4J's failure to start its native backend: a class whose static start-up failed because its library did
     * not load (seen as NoClassDefFoundError "Could not initialize class ..." on later uses) or ND4J's own
     * "no backend" error.
     */
    private static boolean isNativeLoading(Throwable t) {
        String m = t.getMessage() == null ? "" : t.getMessage();
        if (t instanceof NoClassDefFoundError && m.startsWith("Could not initialize class org.")
                && (m.contains("bytedeco") || m.contains("nd4j"))) {
            return true;
        }
        return t.getClass().getName().endsWith("NoAvailableBackendException");
    }

    /**
     * The line for a Java heap exhausted in a JVM whose maximum heap is {@code heapBytes}; {@code message} is
     * the OutOfMemoryError's message ("Java heap space", "Metaspace", "Cannot allocate ..." from JavaCPP).
     */
    static String outOfMemory(String message, long heapBytes) {
        String m = message == null ? "" : message.strip();
        if (m.isEmpty() || m.equals("Java heap space") || m.startsWith("GC overhead limit")
                || m.startsWith("Requested array size")) {
            return "ran out of Java heap (" + size(heapBytes) + "); set VAELAB_HEAP="
                    + Math.max(1, (2 * heapBytes + GB - 1) / GB) + "g";
        }
        return "ran out of memory (" + m + "); train fewer runs at once (--workers 1) or smaller models";
    }

    /** "2 GB", "512 MB". */
    static String size(long bytes) {
        if (bytes >= GB && bytes % (GB / 4) == 0) {
            double g = bytes / (double) GB;
            return (g == Math.rint(g) ? String.format(Locale.ROOT, "%d", (long) g)
                    : String.format(Locale.ROOT, "%.2f", g).replaceAll("0$", "")) + " GB";
        }
        if (bytes >= GB) {
            return String.format(Locale.ROOT, "%.1f GB", bytes / (double) GB);
        }
        return Math.max(1, Math.round(bytes / (double) MB)) + " MB";
    }

    private static String firstLine(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
