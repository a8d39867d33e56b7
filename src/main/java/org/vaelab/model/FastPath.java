package org.vaelab.model;

import org.nd4j.linalg.factory.Nd4j;

/** Whether the OpenBLAS engine ({@link FastGradientStep}, the fast layers) may run here: only on ND4J's CPU backend. */
public final class FastPath {
    /** The class name of ND4J's CPU backend (nd4j-native). The CUDA one is {@code ...jcublas.JCublasBackend}. */
    static final String CPU_BACKEND = "org.nd4j.linalg.cpu.nativecpu.CpuBackend";
    /** The OpenBLAS preset's entry point, which the fast layers call for cblas_sgemm. */
    static final String OPENBLAS = "org.bytedeco.openblas.global.openblas";

    private FastPath() {
    }

    /**
     * True when the loaded ND4J backend is the CPU one and OpenBLAS's preset is on the class path. The layers
     * hand ND4J's buffers to cblas_sgemm as host memory, which only the CPU backend's arrays are (the CUDA
     * backend keeps them in GPU memory and synchronises a host copy itself, which raw pointers would bypass),
     * and on a GPU the arithmetic belongs on the GPU anyway: there models train through SameDiff. Decided once
     * per JVM.
     */
    public static boolean openBlasAvailable() {
        return Holder.AVAILABLE;
    }

    /** The decision itself, on the backend's class name and whether OpenBLAS's classes are present. */
    static boolean allowed(String backendClass, boolean openBlasPresent) {
        return openBlasPresent && CPU_BACKEND.equals(backendClass);
    }

    static boolean present(String className) {
        try {
            // initialize=false: asking must not load OpenBLAS's natives
            Class.forName(className, false, FastPath.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Lazy, so that loading this class does not start ND4J. */
    private static final class Holder {
        private static final boolean AVAILABLE = allowed(Nd4j.getBackend().getClass().getName(), present(OPENBLAS));

        private Holder() {
        }
    }
}
