package org.vaelab.data;

/**
 * Training and test images of one run, after subset and class filtering.
 *
 * @param train  training images
 * @param test   test images
 * @param source where they were read from (for provenance), e.g. {@code data/mnist (md5 verified)}
 */
public record DataSplit(ImageSet train, ImageSet test, String source) {
}
