package org.vaelab.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Copies between Java arrays and preallocated ND4J arrays without allocating new INDArrays. */
public final class Arrays2 {
    private Arrays2() {
    }

    /** Writes {@code src} (row-major) into the contiguous array {@code dst} of the same length. */
    public static void copyInto(INDArray dst, float[] src) {
        if (dst.length() != src.length) {
            throw new IllegalArgumentException("copy: array has " + dst.length() + " elements, source " + src.length);
        }
        if (dst.isView() || dst.ordering() != 'c') {
            throw new IllegalArgumentException("copy: destination must be a contiguous c-order array");
        }
        if (dst.dataType() == DataType.FLOAT) {
            dst.data().setData(src);
        } else {
            double[] d = new double[src.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = src[i];
            }
            dst.data().setData(d);
        }
    }
}
