package org.vaelab.tracking;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * An exclusive OS lock on a lock file (fcntl via {@link FileChannel#tryLock()}). The operating system drops it
 * when the holder dies, even on kill -9, so a crashed sweep never leaves a run locked forever, and two vaelab
 * processes can never train the same run at once.
 */
public final class RunLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock if nobody holds it; empty if another process (or this one) already does. */
    public static Optional<RunLock> tryAcquire(Path lockFile) throws IOException {
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock l = ch.tryLock();
            if (l == null) {
                ch.close();
                return Optional.empty();
            }
            ch.truncate(0);
            ch.write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)));
            return Optional.of(new RunLock(ch, l));
        } catch (OverlappingFileLockException e) {
            ch.close();
            return Optional.empty();
        }
    }

    /**
     * Whether nobody holds the lock right now (this process included), without taking it for longer than the
     * look and without writing to the file. A missing lock file is free.
     */
    public static boolean isFree(Path lockFile) throws IOException {
        if (!java.nio.file.Files.exists(lockFile)) {
            return true;
        }
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock l = ch.tryLock();
            if (l == null) {
                return false;
            }
            l.release();
            return true;
        } catch (OverlappingFileLockException e) {
            return false;
        }
    }

    /** Waits for the lock (short critical sections only, such as rewriting a sweep's index). */
    public static RunLock acquire(Path lockFile) throws IOException {
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        while (true) {
            try {
                return new RunLock(ch, ch.lock());
            } catch (OverlappingFileLockException e) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    ch.close();
                    throw new IOException("interrupted while waiting for " + lockFile, ie);
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
