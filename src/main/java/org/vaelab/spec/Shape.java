package org.vaelab.spec;

/**
 * The shape of one example's activation between two layers, batch dimension excluded, as PyTorch names it:
 * a vector {@code [features]} or an image {@code [C, H, W]}.
 *
 * @param channels features of a vector, or channels of an image
 * @param height   1 for a vector
 * @param width    1 for a vector
 * @param image    whether this is an image (conv, pooling and upsampling need one)
 */
public record Shape(int channels, int height, int width, boolean image) {

    /** A vector of {@code features} values. */
    public static Shape vector(int features) {
        return new Shape(features, 1, 1, false);
    }

    /** An image of {@code c} channels, {@code h} x {@code w}. */
    public static Shape image(int c, int h, int w) {
        return new Shape(c, h, w, true);
    }

    /** Values per example. */
    public int size() {
        return channels * height * width;
    }

    @Override
    public String toString() {
        return image ? "[" + channels + ", " + height + ", " + width + "]" : "[" + channels + "]";
    }
}
