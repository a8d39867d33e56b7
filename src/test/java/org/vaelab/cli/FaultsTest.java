package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Environment faults get a line with their fix; only a bug is an internal error. */
class FaultsTest {
    @Test
    void memoryPermissionsAndNativeLibrariesAreEnvironmentFaultsEvenWhenWrapped() {
        String heap = Faults.environment(new RuntimeException("step failed", new OutOfMemoryError("Java heap space")))
                .orElseThrow();
        assertTrue(heap.startsWith("ran out of Java heap (") && heap.contains("; set VAELAB_HEAP="), heap);
        assertEquals(Optional.of("permission denied: /r/s/summary.json; make it writable or choose another folder"
                        + " (--results, --reports, --data)"),
                Faults.environment(new UncheckedIOException(new AccessDeniedException("/r/s/summary.json"))));
        assertEquals(Optional.of("cannot write /r/x.png (Permission denied); choose another folder (--results,"
                + " --reports, --data)"), Faults.environment(new FileNotFoundException("/r/x.png (Permission denied)")));
        String link = Faults.environment(new UnsatisfiedLinkError("no jnind4jcpu in java.library.path")).orElseThrow();
        assertTrue(link.startsWith("a native library could not be loaded (no jnind4jcpu in java.library.path); "),
                link);
        assertTrue(Faults.environment(new NoClassDefFoundError("Could not initialize class"
                + " org.bytedeco.openblas.global.openblas_nolapack")).isPresent());
    }

    @Test
    void aBugIsNot() {
        assertEquals(Optional.empty(), Faults.environment(new NullPointerException("x")));
        assertEquals(Optional.empty(), Faults.environment(new IllegalStateException("bad", new IOException("?"))));
        assertEquals(Optional.empty(), Faults.environment(new NoClassDefFoundError("org/vaelab/Missing")));
    }

    @Test
    void sizesReadAsPeopleSayThem() {
        assertEquals("2 GB", Faults.size(2L << 30));
        assertEquals("1.5 GB", Faults.size(3L << 29));
        assertEquals("160 MB", Faults.size(160L << 20));
    }

    @Test
    void theCommandLineSaysAFaultWithoutInternalErrorAndABugWithTheDebugHint() {
        String heap = Main.unexpected(new OutOfMemoryError("Java heap space"), false);
        assertTrue(heap.startsWith("vaelab: ran out of Java heap ("), heap);
        assertEquals("vaelab: internal error: java.lang.NullPointerException: x (run again with --debug for the"
                + " stack trace)", Main.unexpected(new NullPointerException("x"), false));
        assertEquals("vaelab: internal error: java.lang.NullPointerException: x",
                Main.unexpected(new NullPointerException("x"), true));
    }
}
