package org.vaelab.model;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
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
        // a JavaCPP bulk put is a memcpy: 0.01-0.04 ms for a 128 x 784 batch, where DataBuffer.setData took 0.3-0.4
        if (dst.dataType() == DataType.FLOAT) {
            new FloatPointer(dst.data().addressPointer()).put(src, 0, src.length);
        } else if (dst.dataType() == DataType.DOUBLE) {
            double[] d = new double[src.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = src[i];
            }
            new DoublePointer(dst.data().addressPointer()).put(d, 0, d.length);
        } else {
            throw new IllegalArgumentException("copy: unsupported type " + dst.dataType());
        }
    }
}
