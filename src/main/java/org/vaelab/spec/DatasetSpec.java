package org.vaelab.spec;

import java.util.List;
import java.util.Objects;

/**
 * Where the data comes from and how it is prepared. The constructor checks each field; combinations
 * (idx needs a path, ...) are checked by {@link RunConfig#problems()}, or for this section alone by
 * {@link #problems()}.
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
        Objects.requireNonNull(name, "dataset.name");
        Objects.requireNonNull(binarize, "dataset.binarize");
        SpecKeys.require("dataset.path", path);
        SpecKeys.require("dataset.subset", subset);
        SpecKeys.require("dataset.test_subset", testSubset);
        classes = classes == null ? null : List.copyOf(classes);
        SpecKeys.require("dataset.classes", classes);
    }

    /**
     * The cross-field rules of the dataset section this spec breaks (idx needs a path, dequantize excludes
     * binarize, ...), in the words {@code vaelab validate} uses: the rules live once, in {@link SpecKeys}, and
     * the data loader asks here instead of restating them.
     */
    public List<SpecProblem> problems() {
        // The other sections' defaults break no rule, so only this section's problems come back.
        return new RunConfig(this, ModelSpec.DEFAULT, LossSpec.DEFAULT, TrainSpec.DEFAULT, EvalSpec.DEFAULT)
                .problems();
    }
}
