package org.vaelab.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a process in the middle of the two things vaelab's crash safety rests on: an atomic file write
 * and a run lock. The writer is a child JVM ({@link KilledWriter}) replacing a 4 MB JSON file back to back,
 * so nearly every kill lands inside a write; the file must still be a whole version, the last one the child
 * finished or the one after it, never a torn mix. (The end-to-end version through `vaelab run` is the slow
 * {@code KillResumeTest}.)
 */
class KillDuringWriteTest {
    /** About half the kills land inside a write (the rest between writes): 10 make a miss of all unlikely. */
    private static final int ATTEMPTS = 10;

    @TempDir
    Path tmp;

    private static Process child(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), KilledWriter.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    @Test
    void aKillDuringAnAtomicWriteLeavesAWholeVersion() throws Exception {
        long seed = Long.getLong("vaelab.killSeed", new Random().nextLong());
        System.out.println("KillDuringWriteTest: seed " + seed + " (replay with -Dvaelab.killSeed=" + seed + ")");
        Random random = new Random(seed);
        Path dir = Files.createDirectories(tmp.resolve("run"));
        Path file = dir.resolve("summary.json");
        int before = -1; // the version in the file before this attempt (-1: no file yet)
        int killedMidWrite = 0;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Process p = child("write", file.toString(), "4096");
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("ready", out.readLine());
            AtomicInteger lastDone = new AtomicInteger(-1);
            Thread drain = new Thread(() -> {
                try {
                    for (String line; (line = out.readLine()) != null; ) {
                        lastDone.set(Integer.parseInt(line.strip()));
                    }
                } catch (IOException | NumberFormatException e) {
                    // the pipe closes with the kill
                }
            });
            drain.start();
            Thread.sleep(150 + random.nextInt(450));
            p.destroyForcibly(); // SIGKILL
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
            drain.join();

            // The file is one whole version: the last whose write returned, or the next if the kill came after
            // its rename but before it printed. Versions restart at 0 in each child, so compare within it.
            if (!Files.exists(file) && before < 0 && lastDone.get() < 0) {
                continue; // killed before its first write: nothing to check yet
            }
            JsonNode n;
            try {
                n = Json.mapper().readTree(Files.readString(file));
            } catch (IOException e) {
                n = null;
            }
            if (n == null || !n.has("version") || !n.has("data")) {
                fail("attempt " + attempt + ": a torn file after kill -9 (" + Files.size(file) + " bytes)");
            }
            int v = n.get("version").asInt();
            String data = n.get("data").asText();
            assertEquals(4096 * 1024, data.length(), "attempt " + attempt + ": whole data of version " + v);
            assertTrue(data.chars().allMatch(c -> c == '0' + v % 10), "attempt " + attempt + ": one version's data");
            if (lastDone.get() >= 0) {
                assertTrue(v == lastDone.get() || v == lastDone.get() + 1,
                        "attempt " + attempt + ": version " + v + " after the child finished " + lastDone.get());
            } else {
                assertTrue(v == before || v == 0, "attempt " + attempt + ": version " + v + ", before it " + before);
            }
            before = v;
            // What the interrupted write left: only its own temporary file, which the next holder removes.
            int removed = AtomicFiles.removeLeftovers(dir);
            if (removed > 0) {
                killedMidWrite++;
            }
            try (Stream<Path> s = Files.list(dir)) {
                assertEquals(List.of(file), s.toList(), "attempt " + attempt + ": only the file itself remains");
            }
        }
        System.out.println("KillDuringWriteTest: " + killedMidWrite + " of " + ATTEMPTS + " kills landed inside a write");
        assertTrue(killedMidWrite >= 1, "no kill landed inside a write, so nothing was tested");
    }

    @Test
    void aRunLockIsReleasedWhenItsHolderIsKilled() throws Exception {
        Path lock = tmp.resolve("run.lock");
        Process p = child("lock", lock.toString());
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", out.readLine());
            assertTrue(RunLock.tryAcquire(lock).isEmpty(), "held by the child");
            p.destroyForcibly();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
            Optional<RunLock> mine = RunLock.tryAcquire(lock);
            assertTrue(mine.isPresent(), "a killed holder's lock is free at once, with no stale lock to remove");
            mine.get().close();
        } finally {
            p.destroyForcibly();
        }
    }
}
