package org.vaelab.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Just enough of a tar reader to pull named regular files out of an npm tarball (ustar, with the pax and GNU
 * long-name extensions), so the fetcher needs no archive library.
 *
 * <p>Format: POSIX.1-1988 ustar headers of 512 bytes, data padded to 512; pax "x" records (POSIX.1-2001) may
 * set the next entry's path; GNU "L" entries carry a long name. Everything else is skipped.
 */
final class TarReader {
    private static final int BLOCK = 512;

    private TarReader() {
    }

    /**
     * Copies the entries whose path is a key of {@code wanted} to the mapped file and returns the paths found.
     *
     * @throws EOFException if the archive ends inside a header or an entry
     */
    static Set<String> extract(InputStream tar, Map<String, Path> wanted) throws IOException {
        Set<String> found = new HashSet<>();
        String nextName = null;
        byte[] header = new byte[BLOCK];
        while (true) {
            int n = tar.readNBytes(header, 0, BLOCK);
            if (n == 0) {
                return found; // some writers omit the two zero blocks
            }
            if (n < BLOCK) {
                throw new EOFException("tar archive ends inside a header");
            }
            if (allZero(header)) {
                return found;
            }
            long size = parseSize(header);
            char type = (char) header[156];
            String name = nextName != null ? nextName : headerName(header);
            nextName = null;
            switch (type) {
                case 'x' -> nextName = paxPath(readEntry(tar, size));
                case 'L' -> nextName = cString(readEntry(tar, size), 0, (int) size);
                case '0', '\0' -> {
                    Path target = wanted.get(name);
                    if (target != null) {
                        try (OutputStream out = Files.newOutputStream(target)) {
                            copy(tar, out, size);
                        }
                        found.add(name);
                        skip(tar, padding(size));
                    } else {
                        skip(tar, size + padding(size));
                    }
                }
                default -> skip(tar, size + padding(size));
            }
        }
    }

    private static byte[] readEntry(InputStream tar, long size) throws IOException {
        if (size > 1 << 20) {
            throw new IOException("tar extended header of " + size + " bytes is implausibly large");
        }
        byte[] b = tar.readNBytes((int) size);
        if (b.length < size) {
            throw new EOFException("tar archive ends inside an entry");
        }
        skip(tar, padding(size));
        return b;
    }

    /** The "path" record of a pax extended header ("LEN path=VALUE\n" records), or null. */
    private static String paxPath(byte[] data) {
        String s = new String(data, StandardCharsets.UTF_8);
        int pos = 0;
        while (pos < s.length()) {
            int space = s.indexOf(' ', pos);
            if (space < 0) {
                break;
            }
            int len = Integer.parseInt(s.substring(pos, space).trim());
            String record = s.substring(space + 1, Math.min(s.length(), pos + len - 1)); // drop the "\n"
            if (record.startsWith("path=")) {
                return record.substring(5);
            }
            pos += len;
        }
        return null;
    }

    private static String headerName(byte[] h) {
        String name = cString(h, 0, 100);
        boolean ustar = new String(h, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
        if (ustar) {
            String prefix = cString(h, 345, 155);
            if (!prefix.isEmpty()) {
                return prefix + "/" + name;
            }
        }
        return name;
    }

    /** Size field: octal text, or GNU base-256 when the high bit of the first byte is set. */
    private static long parseSize(byte[] h) throws IOException {
        if ((h[124] & 0x80) != 0) {
            long v = 0;
            for (int i = 125; i < 136; i++) {
                v = (v << 8) | (h[i] & 0xff);
            }
            return v;
        }
        String s = cString(h, 124, 12).trim();
        try {
            return s.isEmpty() ? 0 : Long.parseLong(s, 8);
        } catch (NumberFormatException e) {
            throw new IOException("not a tar archive (size field \"" + s + "\")");
        }
    }

    private static String cString(byte[] b, int off, int max) {
        int end = off;
        while (end < off + max && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static long padding(long size) {
        return (BLOCK - size % BLOCK) % BLOCK;
    }

    private static void copy(InputStream in, OutputStream out, long size) throws IOException {
        byte[] buf = new byte[1 << 16];
        long left = size;
        while (left > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                throw new EOFException("tar archive ends inside an entry");
            }
            out.write(buf, 0, r);
            left -= r;
        }
    }

    private static void skip(InputStream in, long n) throws IOException {
        try {
            in.skipNBytes(n);
        } catch (EOFException e) {
            throw new EOFException("tar archive ends inside an entry");
        }
    }
}
