package org.vaelab.tracking;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The child process of {@link KillDuringWriteTest}, which kills it with SIGKILL. {@code write FILE KB}: replace
 * FILE with AtomicFiles again and again, each version a JSON object whose text is all one digit, printing
 * each version number once its write returned. {@code lock FILE}: take a RunLock on FILE and sleep.
 */
public final class KilledWriter {
    private KilledWriter() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[1]);
        if (args[0].equals("lock")) {
            try (RunLock held = RunLock.tryAcquire(file).orElseThrow()) {
                System.out.println("locked");
                System.out.flush();
                Thread.sleep(600_000);
            }
            return;
        }
        int kb = Integer.parseInt(args[2]);
        // The ten data strings are made up front, so that the child spends its time inside AtomicFiles.write.
        byte[][] data = new byte[10][kb * 1024];
        for (int d = 0; d < 10; d++) {
            Arrays.fill(data[d], (byte) ('0' + d));
        }
        System.out.println("ready");
        System.out.flush();
        for (int v = 0; ; v++) {
            AtomicFiles.write(file, version(v, data[v % 10]));
            System.out.println(v);
            System.out.flush();
        }
    }

    /** {"version":v,"data":"ddd..."} with d = v mod 10. */
    private static byte[] version(int v, byte[] data) {
        byte[] head = ("{\"version\":" + v + ",\"data\":\"").getBytes(StandardCharsets.UTF_8);
        byte[] tail = "\"}".getBytes(StandardCharsets.UTF_8);
        byte[] all = Arrays.copyOf(head, head.length + data.length + tail.length);
        System.arraycopy(data, 0, all, head.length, data.length);
        System.arraycopy(tail, 0, all, head.length + data.length, tail.length);
        return all;
    }
}
