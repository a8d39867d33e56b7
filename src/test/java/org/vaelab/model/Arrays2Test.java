package org.vaelab.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class Arrays2Test {
    @Test
    void copiesRowMajorIntoFloatAndDoubleArrays() {
        float[] src = {1, 2, 3, 4, 5, 6};
        for (DataType t : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            INDArray a = Nd4j.create(t, 2, 3);
            Arrays2.copyInto(a, src);
            assertArrayEquals(new double[]{4, 5, 6}, a.getRow(1).toDoubleVector());
        }
    }

    @Test
    void refusesViewsAndWrongLengths() {
        INDArray a = Nd4j.create(DataType.FLOAT, 4, 3);
        assertThrows(IllegalArgumentException.class, () -> Arrays2.copyInto(a.getRow(1), new float[3]));
        assertThrows(IllegalArgumentException.class, () -> Arrays2.copyInto(a, new float[11]));
    }
}
