package org.vaelab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The log-likelihood's test subset: class-stratified, random, and the same for every run. */
class LoglikSubsetTest {
    /** A test set sorted by class, as the start of a file can be: 300 of class 0, then 100 each of 1..7. */
    private static int[] sortedLabels() {
        int[] labels = new int[1000];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i < 300 ? 0 : 1 + (i - 300) / 100;
        }
        return labels;
    }

    @Test
    void eachClassKeepsItsShareOfTheTestSet() {
        int[] labels = sortedLabels();
        int[] idx = ImportanceWeights.subset(labels, 100);
        int[] counts = new int[8];
        for (int i : idx) {
            counts[labels[i]]++;
        }
        // 30% class 0, 10% each other class: 30, 10, 10, ... where the first 100 images would all be class 0
        assertArrayEquals(new int[] {30, 10, 10, 10, 10, 10, 10, 10}, counts);
        assertEquals(100, IntStream.of(idx).distinct().count());
        for (int i = 1; i < idx.length; i++) {
            assertTrue(idx[i - 1] < idx[i], "ascending, so the subset keeps the test set's order");
        }
    }

    @Test
    void theSubsetIsRandomButTheSameForEveryRun() {
        int[] labels = sortedLabels();
        int[] a = ImportanceWeights.subset(labels, 100);
        // no run seed goes in: the draw depends on the test labels, the size and SUBSET_SEED alone
        assertArrayEquals(a, ImportanceWeights.subset(labels.clone(), 100));
        int[] first = IntStream.range(0, 30).toArray();
        assertNotEquals(java.util.Arrays.toString(first),
                java.util.Arrays.toString(java.util.Arrays.copyOf(a, 30)), "not the first images of the class");
        assertArrayEquals(IntStream.range(0, 1000).toArray(), ImportanceWeights.subset(labels, 1000),
                "a subset as large as the test set is the test set");
    }
}
