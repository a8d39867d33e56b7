package org.vaelab.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX image and label files (raw or gzipped) and checks them completely: magic number, dimensions,
 * declared against actual size, trailing bytes, and image count against label count.
 *
 * <p>IDX layout (LeCun et al., MNIST database page): a big-endian magic {@code 0x0000TTDD} with type code
 * {@code TT = 0x08} (unsigned byte) and {@code DD} dimensions, then {@code DD} big-endian int32 sizes, then the
 * data. Images are {@code 0x00000803} (count, rows, cols), labels {@code 0x00000801} (count).
 *
 * <p>Gzip is recognised by its magic bytes {@code 1f 8b}, not by the file name, so a renamed file still reads.
 */
public final class IdxReader {
    /** Magic number of an IDX file of unsigned-byte images: type 0x08, three dimensions. */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an IDX file of unsigned-byte labels: type 0x08, one dimension. */
    public static final int LABELS_MAGIC = 0x00000801;
    /** Fix suggested when the caller has nothing more specific to say. */
    public static final String DEFAULT_FIX = "replace it with an intact IDX file";

    /** Java arrays stop just short of 2^31 elements; a header declaring more is corrupt for our purposes. */
    private static final long MAX_BYTES = Integer.MAX_VALUE - 16L;

    private IdxReader() {
    }

    /** Images of one IDX image file: {@code count * rows * cols} unsigned bytes, row-major. */
    public record Images(byte[] pixels, int count, int rows, int cols) {
    }

    /** Reads a matching pair of image and label files; see {@link #read(Path, Path, String)}. */
    public static ImageSet read(Path images, Path labels) throws DataException {
        return read(images, labels, DEFAULT_FIX);
    }

    /**
     * Reads a matching pair of image and label files into an {@link ImageSet}.
     *
     * @param fix what the user should do about a bad file, appended to every message (e.g. "delete it and run
     *            again to re-fetch, or place the original file there")
     * @throws DataException naming the file and the defect, if either file is missing, corrupt, truncated, has
     *                       trailing bytes, or the two counts differ
     */
    public static ImageSet read(Path images, Path labels, String fix) throws DataException {
        Images img = readImages(images, fix);
        int[] lab = readLabels(labels, fix);
        if (img.count() != lab.length) {
            throw new DataException(images + ": has " + img.count() + " images but " + labels + " has "
                    + lab.length + " labels; use an image file and the label file that belongs to it");
        }
        return new ImageSet(img.pixels(), lab, img.rows(), img.cols());
    }

    /** Reads an IDX image file (magic {@code 0x00000803}). */
    public static Images readImages(Path file, String fix) throws DataException {
        Parsed p = parse(file, IMAGES_MAGIC, fix);
        return new Images(p.data, p.dims[0], p.dims[1], p.dims[2]);
    }

    /** Reads an IDX label file (magic {@code 0x00000801}); labels are returned as 0..255. */
    public static int[] readLabels(Path file, String fix) throws DataException {
        Parsed p = parse(file, LABELS_MAGIC, fix);
        int[] labels = new int[p.data.length];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = p.data[i] & 0xff;
        }
        return labels;
    }

    /** True if the file starts with the gzip magic bytes {@code 1f 8b}. */
    public static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    private record Parsed(int[] dims, byte[] data) {
    }

    private static Parsed parse(Path file, int magic, String fix) throws DataException {
        boolean gzip;
        long fileSize;
        try {
            fileSize = Files.size(file);
            gzip = isGzip(file);
        } catch (NoSuchFileException e) {
            throw new DataException(file + ": not found; " + fix);
        } catch (AccessDeniedException e) {
            throw new DataException(file + ": permission denied; make it readable (chmod a+r)");
        } catch (IOException e) {
            throw new DataException(file + ": cannot read (" + e + "); " + fix, e);
        }
        // "the file has N bytes" for raw files, "the decompressed data has N bytes" for gzip.
        String what = gzip ? "the decompressed data" : "the file";
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
             InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw) {
            byte[] head = in.readNBytes(4);
            if (head.length < 4) {
                throw new DataException(file + ": truncated: " + what + " has " + head.length
                        + " bytes, too short for an IDX header; " + fix);
            }
            int found = be32(head, 0);
            if (found != magic) {
                throw new DataException(file + ": " + describeMagic(found, magic, fix));
            }
            int ndims = magic & 0xff;
            byte[] dimBytes = in.readNBytes(4 * ndims);
            long headerSize = 4L + 4L * ndims;
            if (dimBytes.length < 4 * ndims) {
                throw new DataException(file + ": truncated: " + what + " has " + (4 + dimBytes.length)
                        + " bytes, the IDX header needs " + headerSize + "; " + fix);
            }
            int[] dims = new int[ndims];
            long payload = 1;
            for (int d = 0; d < ndims; d++) {
                dims[d] = be32(dimBytes, 4 * d);
                // Count may be 0 (an empty set); rows and cols may not.
                if (dims[d] < (d == 0 ? 0 : 1)) {
                    throw new DataException(file + ": header declares an impossible size " + dims[d]
                            + " for dimension " + d + " (" + declared(dims, ndims, d + 1) + "); " + fix);
                }
                payload *= dims[d];
                if (payload > MAX_BYTES) {
                    throw new DataException(file + ": header declares " + declared(dims, ndims, d + 1)
                            + ", more than 2 GB of pixels; the header is corrupt: " + fix);
                }
            }
            long expected = headerSize + payload;
            // For a raw file the size is known before reading: refuse a short or long file without
            // allocating for a header that may be lying.
            if (!gzip && fileSize != expected) {
                throw sizeError(file, dims, expected, fileSize, what, fix);
            }
            byte[] data = in.readNBytes((int) payload); // grows in chunks, so a lying header cannot OOM us
            if (data.length < payload) {
                throw sizeError(file, dims, expected, headerSize + data.length, what, fix);
            }
            long extra = in.transferTo(java.io.OutputStream.nullOutputStream());
            if (extra > 0) {
                throw sizeError(file, dims, expected, expected + extra, what, fix);
            }
            return new Parsed(dims, data);
        } catch (DataException e) {
            throw e;
        } catch (EOFException e) {
            // GZIPInputStream's "Unexpected end of ZLIB input stream": the .gz itself was cut short.
            throw new DataException(file + ": truncated: the gzip stream ends early (" + fileSize
                    + " bytes on disk); " + fix, e);
        } catch (ZipException e) {
            throw new DataException(file + ": corrupt gzip data (" + e.getMessage() + "); " + fix, e);
        } catch (IOException e) {
            throw new DataException(file + ": cannot read (" + e + "); " + fix, e);
        }
    }

    private static DataException sizeError(Path file, int[] dims, long expected, long actual, String what,
                                           String fix) {
        String head = "header declares " + declared(dims, dims.length, dims.length) + " (" + expected + " bytes)";
        if (actual < expected) {
            return new DataException(file + ": truncated: " + head + " but " + what + " has " + actual + "; " + fix);
        }
        return new DataException(file + ": " + (actual - expected) + " trailing bytes: " + head + " but " + what
                + " has " + actual + "; " + fix);
    }

    private static String declared(int[] dims, int ndims, int known) {
        if (ndims == 1) {
            return dims[0] + " labels";
        }
        if (known < 3) {
            return dims[0] + " images";
        }
        return dims[0] + " images of " + dims[1] + "x" + dims[2];
    }

    private static String describeMagic(int found, int expected, String fix) {
        String want = expected == IMAGES_MAGIC ? "an IDX image file (magic 0x00000803)"
                : "an IDX label file (magic 0x00000801)";
        String got = String.format("magic 0x%08x", found);
        if (found == IMAGES_MAGIC) {
            return "wrong magic: this is an IDX image file (" + got + "), expected " + want
                    + "; check that the image and label files are not swapped";
        }
        if (found == LABELS_MAGIC) {
            return "wrong magic: this is an IDX label file (" + got + "), expected " + want
                    + "; check that the image and label files are not swapped";
        }
        if ((found >>> 16) == 0 && ((found >>> 8) & 0xff) != 0x08) {
            return String.format("wrong magic: an IDX file of type code 0x%02x (%s), vaelab reads only unsigned "
                    + "bytes (0x08): expected %s; %s", (found >>> 8) & 0xff, got, want, fix);
        }
        return "not an IDX file (" + got + "), expected " + want + "; " + fix;
    }

    private static int be32(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }
}
