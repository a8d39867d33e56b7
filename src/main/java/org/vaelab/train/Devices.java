package org.vaelab.train;

import org.nd4j.linalg.factory.Nd4j;
import org.vaelab.spec.Device;

/**
 * Checks that the ND4J backend on the class path is the one train.device asks for
 * and that the CUDA build has a GPU.
 */
public final class Devices {
    private Devices() {
    }

    /** The loaded backend's name, e.g. {@code CpuBackend} or {@code JCublasBackend}. */
    public static String backend() {
        return Nd4j.getBackend().getClass().getSimpleName();
    }

    /**
     * The CUDA build's ND4J backend class; on the class path only in a {@code mvn -Pcuda} build, which holds no
     * CPU backend (so ND4J cannot fall back to the CPU there).
     */
    static final String CUDA_BACKEND = "org.nd4j.linalg.jcublas.JCublasBackend";

    /** Whether this is the CUDA build, known without starting ND4J. */
    public static boolean cudaBuild() {
        try {
            Class.forName(CUDA_BACKEND, false, Devices.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * In the CUDA build, why it cannot run on this machine (one line for the user), or empty when ND4J's CUDA
     * backend starts; always empty in the CPU build. Asked first thing at start-up: without a GPU, ND4J's own
     * start prints a stack trace and fails with "no nd4j backend on your classpath", which names neither the
     * GPU nor the fix. Starts ND4J in the CUDA build.
     */
    public static java.util.Optional<String> unusableGpu() {
        if (!cudaBuild()) {
            return java.util.Optional.empty();
        }
        try {
            // The backend's own probe (cudaGetDeviceCount, then cuBLAS), called directly because ND4J's loader
            // prints the cause and throws it away.
            Object backend = Class.forName(CUDA_BACKEND).getConstructor().newInstance();
            backend.getClass().getMethod("canRun").invoke(backend);
            Nd4j.getBackend();
            return java.util.Optional.empty();
        } catch (java.lang.reflect.InvocationTargetException e) {
            return java.util.Optional.of(noGpuMessage(e.getCause()));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return java.util.Optional.of(noGpuMessage(e));
        }
    }

    /** The one line for a CUDA backend that failed to start with {@code failure}. */
    static String noGpuMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String why = String.valueOf(root.getMessage()).strip();
        int nl = why.indexOf('\n');
        if (nl >= 0) {
            why = why.substring(0, nl).strip();
        }
        // "/root/.javacpp/cache/.../libjnicudart.so: libcuda.so.1: cannot open shared object file: No such file
        // or directory" -> "libcuda.so.1 not found": the library the machine lacks is the useful part
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("([^\\s/:]+\\.so[0-9.]*): cannot open shared object file").matcher(why);
        if (m.find()) {
            why = m.group(1) + " not found" + ("libcuda.so.1".equals(m.group(1)) ? ": no NVIDIA driver" : "");
        } else if (!(root instanceof RuntimeException) || why.equals("null")) {
            why = root.getClass().getSimpleName() + (why.equals("null") ? "" : ": " + why);
        }
        return "no usable GPU: this is vaelab's CUDA build and ND4J's CUDA backend did not start (" + why
                + "); run it on a machine with an NVIDIA GPU, its driver, CUDA 11.6 and cuDNN, or use the CPU build"
                + " (./vaelab)";
    }

    /**
     * Throws {@link UnsupportedDeviceException} when {@code device} is not what this build runs on. Decided from
     * the class path ({@link #cudaBuild()}: the CUDA build holds no CPU backend, so it is the backend ND4J would
     * load) without starting ND4J, which cost a sweep's parent process a second of CPU before its first worker.
     */
    public static void require(Device device) {
        require(device, cudaBuild());
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
        // recognise (docs/performance.md); "auto" means OpenBLAS chose.
        String core = System.getenv("OPENBLAS_CORETYPE");
        m.put("openblas_coretype", core == null || core.isBlank() ? "auto" : core);
        String lib = String.valueOf(org.bytedeco.javacpp.Loader.getLoadedLibraries().get("nd4jcpu"));
        m.put("nd4j_native", lib.contains("avx512") ? "linux-x86_64-avx512"
                : lib.contains("avx2") ? "linux-x86_64-avx2" : "null".equals(lib) ? "unknown" : "linux-x86_64");
        return m;
    }
}
