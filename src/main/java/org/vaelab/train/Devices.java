package org.vaelab.train;

import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.spec.Device;

/** Checks that the ND4J backend on the class path is the one train.device asks for. */
public final class Devices {
    private Devices() {
    }

    /** The loaded backend's name, e.g. {@code CpuBackend} or {@code JCublasBackend}. */
    public static String backend() {
        return Nd4j.getBackend().getClass().getSimpleName();
    }

    /** Whether the loaded backend is a CUDA one. */
    public static boolean cudaLoaded() {
        return backend().toLowerCase(java.util.Locale.ROOT).contains("cublas")
                || backend().toLowerCase(java.util.Locale.ROOT).contains("cuda");
    }

    /** Throws {@link UnsupportedDeviceException} when {@code device} is not what this build runs on. */
    public static void require(Device device) {
        require(device, cudaLoaded());
    }

    static void require(Device device, boolean cuda) {
        if (device == Device.CUDA && !cuda) {
            throw new UnsupportedDeviceException("train.device: cuda, but this vaelab was built with ND4J's CPU"
                    + " backend; build the CUDA one with `mvn -Pcuda package` (needs CUDA 11.6 and cuDNN; untested"
                    + " on our machines) or set train.device: cpu");
        }
        if (device == Device.CPU && cuda) {
            throw new UnsupportedDeviceException("train.device: cpu, but this vaelab was built with ND4J's CUDA"
                    + " backend; set train.device: cuda or rebuild without -Pcuda");
        }
    }

    /** Provenance facts: backend, native build (which CPU extension JavaCPP loaded), BLAS, threads. */
    public static java.util.Map<String, Object> describe() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("nd4j_version", "1.0.0-M2.1");
        m.put("nd4j_backend", backend());
        java.util.Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        m.put("blas_vendor", String.valueOf(env.get("blas.vendor")));
        m.put("omp_threads", String.valueOf(env.get("omp.threads")));
        // Which OpenBLAS kernels ran: the launcher picks SkylakeX on AVX-512 CPUs the bundled OpenBLAS does not
        // recognise (README "Performance"); "auto" means OpenBLAS chose.
        String core = System.getenv("OPENBLAS_CORETYPE");
        m.put("openblas_coretype", core == null || core.isBlank() ? "auto" : core);
        String lib = String.valueOf(org.bytedeco.javacpp.Loader.getLoadedLibraries().get("nd4jcpu"));
        m.put("nd4j_native", lib.contains("avx512") ? "linux-x86_64-avx512"
                : lib.contains("avx2") ? "linux-x86_64-avx2" : "null".equals(lib) ? "unknown" : "linux-x86_64");
        return m;
    }
}
