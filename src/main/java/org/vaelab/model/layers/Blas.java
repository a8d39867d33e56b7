package org.vaelab.model.layers;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * OpenBLAS sgemm and pointer arithmetic for the fast layers. The only class of the package that names CBLAS,
 * so a build without OpenBLAS (the CUDA backend) has one place to swap.
 */
public final class Blas {
    private Blas() {
    }

    /** Row-major C[m x n] = op(A) op(B) + beta C, with op(A) m x kk. */
    public static void gemm(boolean ta, boolean tb, int m, int n, int kk, FloatPointer a, int lda, FloatPointer b,
                            int ldb, float beta, FloatPointer c, int ldc) {
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, kk, 1f,
                a, lda, b, ldb, beta, c, ldc);
    }

    /** A pointer {@code offset} floats past {@code base}'s position (a new object; {@code base} is unchanged). */
    public static FloatPointer at(FloatPointer base, long offset) {
        return new FloatPointer(base).position(base.position() + offset);
    }

    /** The native FLOAT data of a contiguous c-ordered array, positioned at its first element. */
    public static FloatPointer pointer(INDArray a) {
        if (a.dataType() != DataType.FLOAT || a.ordering() != 'c' || a.elementWiseStride() != 1) {
            throw new IllegalArgumentException("expected a contiguous c-ordered FLOAT array, got " + a.dataType()
                    + " " + a.ordering() + " stride " + a.elementWiseStride());
        }
        return new FloatPointer(a.data().addressPointer()).position(a.offset());
    }
}
