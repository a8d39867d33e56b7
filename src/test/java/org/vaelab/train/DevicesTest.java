package org.vaelab.train;

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
}
