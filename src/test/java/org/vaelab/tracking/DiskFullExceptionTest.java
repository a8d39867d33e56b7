package org.vaelab.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The one place that tells a full disk from other I/O errors, fed the JVM's real ENOSPC error (a write to
 * /dev/full) rather than a made-up message, so a JDK that words it differently fails here. The behaviour on a
 * file system that really fills up is tested end to end by the slow {@code cli.DiskFullTest}.
 */
class DiskFullExceptionTest {
    private static IOException realEnospc() {
        Path full = Path.of("/dev/full");
        assumeTrue(Files.isWritable(full), "no writable /dev/full on this machine: the JVM's ENOSPC error is not"
                + " available to test against");
        return assertThrows(IOException.class, () -> Files.write(full, new byte[4096]));
    }

    @Test
    void theJvmsOwnEnospcErrorIsADiskFullFault() {
        IOException e = realEnospc();
        Optional<DiskFullException> full = DiskFullException.find(e);
        assertTrue(full.isPresent(), "not recognised: " + e);
        assertEquals("no space left on device", full.get().getMessage().substring(0, 23));
    }

    @Test
    void classifyNamesTheFileBeingWrittenAndKeepsTheCause() {
        IOException e = realEnospc();
        Path target = Path.of("results", "sweep", "run", "checkpoints", "last.ckpt");
        IOException c = DiskFullException.classify(target, e);
        DiskFullException d = assertInstanceOf(DiskFullException.class, c);
        assertEquals("no space left on device while writing " + target, d.getMessage());
        assertEquals(target, d.file());
        assertSame(e, d.getCause());
        assertSame(d, DiskFullException.classify(Path.of("other"), d), "classified once, at the innermost write");
    }

    @Test
    void foundThroughWrappersAndInFileSystemExceptions() {
        IOException e = realEnospc();
        assertTrue(DiskFullException.find(new RuntimeException("wrapped", new UncheckedIOException(e))).isPresent());
        FileSystemException mkdir = new FileSystemException("/r/s/run", null, "No space left on device");
        DiskFullException d = DiskFullException.find(mkdir).orElseThrow();
        assertEquals(Path.of("/r/s/run"), d.file());
        assertEquals("no space left on device while writing /r/s/run", d.getMessage());
        DiskFullException quota = DiskFullException.find(new IOException("Disk quota exceeded")).orElseThrow();
        assertEquals("disk quota exceeded", quota.getMessage());
        assertNull(quota.file());
    }

    @Test
    void otherIoErrorsAreNotDiskFull() {
        NoSuchFileException missing = new NoSuchFileException("/nowhere/x");
        assertTrue(DiskFullException.find(missing).isEmpty());
        assertTrue(DiskFullException.find(new IOException("Permission denied")).isEmpty());
        assertTrue(DiskFullException.find(new IllegalStateException((String) null)).isEmpty());
        assertSame(missing, DiskFullException.classify(Path.of("x"), missing));
    }
}
