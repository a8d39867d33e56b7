package org.vaelab.data;

/**
 * One batch of images as floats: x holds n*dim floats row-major in [0,1] (a fresh array per batch, the consumer
 * may keep it), labels and the indices into the ImageSet.
 *
 * @param x       {@code n * dim} pixel values in [0,1], row-major (image k is {@code x[k*dim .. (k+1)*dim)})
 * @param n       images in this batch (the last batch of a pass may be smaller than the batch size)
 * @param dim     pixels per image
 * @param labels  label of each image
 * @param indices index of each image in the {@link ImageSet} it came from
 */
public record Batch(float[] x, int n, int dim, int[] labels, int[] indices) {
}
