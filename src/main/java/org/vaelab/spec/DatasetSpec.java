package org.vaelab.spec;

import java.util.List;

/**
 * Where the data comes from and how it is prepared.
 *
 * @param name       mnist, fashion-mnist or idx
 * @param path       folder of IDX files (required for idx; optional override for the others), or null
 * @param subset     number of training examples kept (stratified by class, seeded), or null for all
 * @param testSubset number of test examples kept (stratified), or null for all
 * @param classes    labels kept (e.g. [5]), or null for all ten
 * @param binarize   none, static (once) or dynamic (every batch)
 * @param dequantize add uniform noise to the 0..255 pixel values, then divide by 256
 */
public record DatasetSpec(DatasetName name, String path, Integer subset, Integer testSubset,
                          List<Integer> classes, Binarize binarize, boolean dequantize) {
    public static final DatasetSpec DEFAULT =
            new DatasetSpec(DatasetName.MNIST, null, null, null, null, Binarize.NONE, false);

    public DatasetSpec {
        classes = classes == null ? null : List.copyOf(classes);
    }
}
