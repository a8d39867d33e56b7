package org.vaelab.train;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.vaelab.spec.Device;

class DevicesTest {
    @Test
    void cudaOnTheCpuBuildSaysHowToBuildIt() {
        UnsupportedDeviceException e = assertThrows(UnsupportedDeviceException.class,
                () -> Devices.require(Device.CUDA, false));
        assertTrue(e.getMessage().startsWith("train.device: cuda"), e.getMessage());
        assertTrue(e.getMessage().contains("mvn -Pcuda package"), e.getMessage());
        assertTrue(e.getMessage().contains("untested"), e.getMessage());
    }

    @Test
    void thisBuildRunsOnTheCpu() {
        Devices.require(Device.CPU);
        assertThrows(UnsupportedDeviceException.class, () -> Devices.require(Device.CUDA));
    }

    @Test
    void theCpuBuildIsNotTheCudaOneAndNeedsNoGpu() {
        assertFalse(Devices.cudaBuild());
        assertTrue(Devices.unusableGpu().isEmpty());
    }

    @Test
    void aMissingDriverIsNamedInOneLineWithTheFix() {
        // what ND4J's CUDA probe threw on our GPU-less machine (cudart's static initialiser)
        Throwable t = new UnsatisfiedLinkError("/root/.javacpp/cache/cuda-11.6-8.3-1.5.7-linux-x86_64.jar/org/bytedeco"
                + "/cuda/linux-x86_64/libjnicudart.so: libcuda.so.1: cannot open shared object file: No such file or"
                + " directory");
        String m = Devices.noGpuMessage(new ExceptionInInitializerError(t));
        assertTrue(m.startsWith("no usable GPU: "), m);
        assertTrue(m.contains("(libcuda.so.1 not found: no NVIDIA driver)"), m);
        assertFalse(m.contains("/root/.javacpp"), m);
        assertTrue(m.contains("use the CPU build (./vaelab)"), m);
        assertFalse(m.contains("\n"), m);
    }

    @Test
    void aMachineWithoutDevicesGetsTheBackendsOwnReason() {
        String m = Devices.noGpuMessage(new RuntimeException("No CUDA devices were found in system\nmore"));
        assertTrue(m.contains("did not start (No CUDA devices were found in system)"), m);
        String other = Devices.noGpuMessage(new NoSuchMethodException("canRun"));
        assertTrue(other.contains("(NoSuchMethodException: canRun)"), other);
    }
}
