package org.vaelab.data;

import java.util.Iterator;

/** The batches of one pass over an ImageSet. */
public interface BatchIterator extends Iterator<Batch> {
    /** Number of batches this pass yields in total. */
    int batches();
}
