package org.vaelab.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX files for tests. */
public final class IdxFiles {
    private IdxFiles() {
    }

    public static byte[] images(int count, int rows, int cols, byte[] pixels) {
        ByteBuffer b = ByteBuffer.allocate(16 + pixels.length);
        b.putInt(IdxReader.IMAGES_MAGIC).putInt(count).putInt(rows).putInt(cols).put(pixels);
        return b.array();
    }

    public static byte[] labels(int[] labels) {
        ByteBuffer b = ByteBuffer.allocate(8 + labels.length);
        b.putInt(IdxReader.LABELS_MAGIC).putInt(labels.length);
        for (int l : labels) {
            b.put((byte) l);
        }
        return b.array();
    }

    public static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bos)) {
            out.write(data);
        }
        return bos.toByteArray();
    }

    public static Path write(Path file, byte[] data) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, data);
    }

    /**
     * A synthetic data set whose image i has label labels[i], and whose first two pixels hold i (so a test can
     * see which images a subset chose) while the rest are pseudo-random grey levels.
     */
    public static ImageSet synthetic(int[] labels, int rows, int cols, long seed) {
        int dim = rows * cols;
        byte[] px = new byte[labels.length * dim];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < labels.length; i++) {
            px[i * dim] = (byte) (i >>> 8);
            px[i * dim + 1] = (byte) i;
            for (int j = 2; j < dim; j++) {
                px[i * dim + j] = (byte) r.nextInt(256);
            }
        }
        return new ImageSet(px, labels, rows, cols);
    }

    /** Writes a set as an IDX pair (images, labels) into dir under the given base names, optionally gzipped. */
    public static void writeSet(Path dir, String imagesName, String labelsName, ImageSet set, boolean gz) throws IOException {
        byte[] img = images(set.size(), set.rows(), set.cols(), set.pixels());
        byte[] lab = labels(set.labels());
        write(dir.resolve(imagesName + (gz ? ".gz" : "")), gz ? gzip(img) : img);
        write(dir.resolve(labelsName + (gz ? ".gz" : "")), gz ? gzip(lab) : lab);
    }

    public static int idOf(ImageSet set, int i) {
        int base = i * set.dim();
        return ((set.pixels()[base] & 0xff) << 8) | (set.pixels()[base + 1] & 0xff);
    }
}
