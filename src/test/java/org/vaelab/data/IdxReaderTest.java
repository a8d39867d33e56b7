package org.vaelab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdxReaderTest {
    @TempDir
    Path dir;

    private final int[] labels = {3, 1, 4, 1, 5};
    private final ImageSet set = IdxFiles.synthetic(labels, 3, 2, 7);

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void readsWhatWasWritten(boolean gz) throws Exception {
        IdxFiles.writeSet(dir, "img", "lab", set, gz);
        String ext = gz ? ".gz" : "";
        ImageSet back = IdxReader.read(dir.resolve("img" + ext), dir.resolve("lab" + ext));
        assertArrayEquals(set.pixels(), back.pixels());
        assertArrayEquals(labels, back.labels());
        assertEquals(3, back.rows());
        assertEquals(2, back.cols());
    }

    @Test
    void gzipIsDetectedByContentNotName() throws Exception {
        // A gzipped file without .gz, and a raw file named .gz: both read.
        IdxFiles.write(dir.resolve("img"), IdxFiles.gzip(IdxFiles.images(5, 3, 2, set.pixels())));
        IdxFiles.write(dir.resolve("lab.gz"), IdxFiles.labels(labels));
        assertTrue(IdxReader.isGzip(dir.resolve("img")));
        assertFalse(IdxReader.isGzip(dir.resolve("lab.gz")));
        ImageSet back = IdxReader.read(dir.resolve("img"), dir.resolve("lab.gz"));
        assertArrayEquals(set.pixels(), back.pixels());
    }

    @Test
    void emptySetIsValid() throws Exception {
        IdxFiles.write(dir.resolve("img"), IdxFiles.images(0, 28, 28, new byte[0]));
        IdxFiles.write(dir.resolve("lab"), IdxFiles.labels(new int[0]));
        assertEquals(0, IdxReader.read(dir.resolve("img"), dir.resolve("lab")).size());
    }

    @Test
    void badMagicNamesFileAndFix() throws Exception {
        byte[] data = IdxFiles.images(5, 3, 2, set.pixels());
        data[2] = 0x0d; // type code float
        Path f = IdxFiles.write(dir.resolve("img"), data);
        String msg = message(() -> IdxReader.readImages(f, "FIX"));
        assertEquals(f + ": wrong magic: an IDX file of type code 0x0d (magic 0x00000d03), vaelab reads only "
                + "unsigned bytes (0x08): expected an IDX image file (magic 0x00000803); FIX", msg);

        Path text = IdxFiles.write(dir.resolve("notes.txt"), "hello world, not IDX".getBytes());
        assertEquals(text + ": not an IDX file (magic 0x68656c6c), expected an IDX image file (magic 0x00000803); FIX",
                message(() -> IdxReader.readImages(text, "FIX")));
    }

    @Test
    void swappedImagesAndLabelsAreNamed() throws Exception {
        IdxFiles.writeSet(dir, "img", "lab", set, false);
        String msg = message(() -> IdxReader.read(dir.resolve("lab"), dir.resolve("img")));
        assertEquals(dir.resolve("lab") + ": wrong magic: this is an IDX label file (magic 0x00000801), expected an "
                + "IDX image file (magic 0x00000803); check that the image and label files are not swapped", msg);
    }

    @Test
    void truncatedRawFile() throws Exception {
        byte[] full = IdxFiles.images(5, 3, 2, set.pixels());
        Path f = IdxFiles.write(dir.resolve("train-images-idx3-ubyte"), Arrays.copyOf(full, full.length - 7));
        assertEquals(f + ": truncated: header declares 5 images of 3x2 (46 bytes) but the file has 39; "
                + MnistFetcher.FIX, message(() -> IdxReader.readImages(f, MnistFetcher.FIX)));
    }

    @Test
    void truncatedInsideHeader() throws Exception {
        Path f = IdxFiles.write(dir.resolve("img"), Arrays.copyOf(IdxFiles.images(5, 3, 2, set.pixels()), 9));
        assertEquals(f + ": truncated: the file has 9 bytes, the IDX header needs 16; FIX",
                message(() -> IdxReader.readImages(f, "FIX")));
        Path empty = IdxFiles.write(dir.resolve("empty"), new byte[0]);
        assertEquals(empty + ": truncated: the file has 0 bytes, too short for an IDX header; FIX",
                message(() -> IdxReader.readLabels(empty, "FIX")));
    }

    @Test
    void truncatedGzipPayload() throws Exception {
        // A complete gzip stream of an IDX file whose data is short: the header's count is a lie.
        byte[] full = IdxFiles.labels(labels);
        Path f = IdxFiles.write(dir.resolve("lab.gz"), IdxFiles.gzip(Arrays.copyOf(full, full.length - 2)));
        assertEquals(f + ": truncated: header declares 5 labels (13 bytes) but the decompressed data has 11; FIX",
                message(() -> IdxReader.readLabels(f, "FIX")));
    }

    @Test
    void truncatedGzipStream() throws Exception {
        // The .gz file itself cut short (an interrupted download).
        byte[] gz = IdxFiles.gzip(IdxFiles.images(5, 3, 2, set.pixels()));
        Path f = IdxFiles.write(dir.resolve("img.gz"), Arrays.copyOf(gz, gz.length - 10));
        String msg = message(() -> IdxReader.readImages(f, "FIX"));
        assertTrue(msg.startsWith(f + ": truncated: the gzip stream ends early"), msg);
        assertTrue(msg.endsWith("; FIX"), msg);
    }

    @Test
    void corruptGzip() throws Exception {
        byte[] gz = IdxFiles.gzip(IdxFiles.images(5, 3, 2, set.pixels()));
        gz[gz.length - 8] ^= (byte) 0xff; // CRC-32 in the trailer no longer matches the data
        Path f = IdxFiles.write(dir.resolve("img.gz"), gz);
        String msg = message(() -> IdxReader.readImages(f, "FIX"));
        assertEquals(f + ": corrupt gzip data (Corrupt GZIP trailer); FIX", msg);
    }

    @ParameterizedTest(name = "gzip={0}")
    @ValueSource(booleans = {false, true})
    void trailingBytes(boolean gz) throws Exception {
        byte[] full = IdxFiles.images(5, 3, 2, set.pixels());
        byte[] longer = Arrays.copyOf(full, full.length + 3);
        Path f = IdxFiles.write(dir.resolve("img"), gz ? IdxFiles.gzip(longer) : longer);
        String what = gz ? "the decompressed data" : "the file";
        assertEquals(f + ": 3 trailing bytes: header declares 5 images of 3x2 (46 bytes) but " + what
                + " has 49; FIX", message(() -> IdxReader.readImages(f, "FIX")));
    }

    @Test
    void imageAndLabelCountsMustMatch() throws Exception {
        IdxFiles.write(dir.resolve("img"), IdxFiles.images(5, 3, 2, set.pixels()));
        IdxFiles.write(dir.resolve("lab"), IdxFiles.labels(new int[] {1, 2, 3, 4}));
        assertEquals(dir.resolve("img") + ": has 5 images but " + dir.resolve("lab") + " has 4 labels; use an image "
                + "file and the label file that belongs to it",
                message(() -> IdxReader.read(dir.resolve("img"), dir.resolve("lab"))));
    }

    @Test
    void impossibleDimensions() throws Exception {
        Path neg = IdxFiles.write(dir.resolve("neg"), IdxFiles.images(-1, 3, 2, new byte[0]));
        assertEquals(neg + ": header declares an impossible size -1 for dimension 0 (-1 images); FIX",
                message(() -> IdxReader.readImages(neg, "FIX")));
        Path zeroRows = IdxFiles.write(dir.resolve("zero"), IdxFiles.images(5, 0, 2, new byte[0]));
        assertTrue(message(() -> IdxReader.readImages(zeroRows, "FIX"))
                .startsWith(zeroRows + ": header declares an impossible size 0 for dimension 1"));
        // A header claiming 2^31 * 2^31 pixels must fail fast, not try to allocate.
        Path huge = IdxFiles.write(dir.resolve("huge"), IdxFiles.images(Integer.MAX_VALUE, 65536, 65536, new byte[4]));
        assertTrue(message(() -> IdxReader.readImages(huge, "FIX")).contains("more than 2 GB"));
    }

    @Test
    void missingFile() {
        Path f = dir.resolve("absent");
        assertEquals(f + ": not found; FIX", message(() -> IdxReader.readLabels(f, "FIX")));
    }

    @Test
    void messagesAreOneLine() throws IOException {
        byte[] full = IdxFiles.images(5, 3, 2, set.pixels());
        Path f = IdxFiles.write(dir.resolve("img"), Arrays.copyOf(full, 20));
        assertFalse(message(() -> IdxReader.readImages(f, IdxReader.DEFAULT_FIX)).contains("\n"));
        assertTrue(Files.exists(f));
    }

    interface Call {
        void run() throws DataException;
    }

    static String message(Call call) {
        return assertThrows(DataException.class, call::run).getMessage();
    }
}
