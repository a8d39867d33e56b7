package org.vaelab.data;

/**
 * A set of greyscale images kept as their raw 0..255 bytes, so that every pixel transform (scaling,
 * binarisation, dequantisation) happens once, where batches are made.
 *
 * @param pixels row-major, {@code size() * rows * cols} unsigned bytes
 * @param labels class label per image (0..9 for MNIST)
 * @param rows   image height
 * @param cols   image width
 */
public record ImageSet(byte[] pixels, int[] labels, int rows, int cols) {
    public ImageSet {
        if ((long) labels.length * rows * cols != pixels.length) {
            throw new IllegalArgumentException("ImageSet: " + labels.length + " labels of " + rows + "x" + cols
                    + " need " + ((long) labels.length * rows * cols) + " pixels, got " + pixels.length);
        }
    }

    /** Number of images. */
    public int size() {
        return labels.length;
    }

    /** Pixels per image. */
    public int dim() {
        return rows * cols;
    }

    /** Pixel {@code j} of image {@code i} as 0..255. */
    public int pixel(int i, int j) {
        return pixels[i * dim() + j] & 0xff;
    }
}
