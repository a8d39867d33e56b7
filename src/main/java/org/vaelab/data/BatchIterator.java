package org.vaelab.data;

/** The batches of one pass over an {@link ImageSet}, with their number known up front (for progress and schedules). */
public interface BatchIterator extends java.util.Iterator<Batch> {
    /** Total number of batches of this pass, {@code ceil(size / batchSize)}, including those already returned. */
    int batches();
}
