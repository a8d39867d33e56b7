package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.vaelab.tracking.DiskFullException;

/**
 * What any command says when the disk is full, where `run`'s own line does not apply (a report, a Slurm task):
 * one line naming the file, never "internal error"; a real bug still gets the internal-error line.
 */
class NoSpaceMessageTest {
    @Test
    void aFullDiskIsOneLineNamingTheFile() {
        Path full = Path.of("/dev/full");
        assumeTrue(Files.isWritable(full), "no writable /dev/full: the JVM's ENOSPC error is not available here");
        IOException enospc = assertThrows(IOException.class, () -> Files.write(full, new byte[4096]));
        Path file = Path.of("reports", "beta-sweep", "index.html");
        RuntimeException thrown = new UncheckedIOException(DiskFullException.classify(file, enospc));
        assertEquals("vaelab: no space left on device while writing " + file + "; free space on its file system or"
                + " choose another folder", Main.noSpace(thrown).orElseThrow());
        assertEquals("vaelab: no space left on device; free space on its file system or choose another folder",
                Main.noSpace(new RuntimeException(enospc)).orElseThrow());
    }

    @Test
    void otherErrorsAreLeftToTheInternalErrorLine() {
        assertTrue(Main.noSpace(new IllegalStateException("a bug")).isEmpty());
        assertTrue(Main.noSpace(new IOException("Permission denied")).isEmpty());
    }
}
