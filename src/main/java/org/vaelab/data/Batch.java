package org.vaelab.data;

/**
 * One mini-batch of images ready for a network.
 *
 * @param x       {@code n * dim} pixel values in [0, 1], row-major (example i is x[i*dim .. (i+1)*dim))
 * @param n       number of examples
 * @param dim     pixels per example
 * @param labels  class label per example
 * @param indices position of each example in its ImageSet
 */
public record Batch(float[] x, int n, int dim, int[] labels, int[] indices) {
}
