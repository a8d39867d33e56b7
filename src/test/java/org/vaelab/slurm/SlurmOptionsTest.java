package org.vaelab.slurm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Validation of what submit asks Slurm for: Slurm's time formats, sizes, and the options vaelab owns. */
class SlurmOptionsTest {
    static SlurmOptions opts(String time, int cpus, String mem, int gpus, Integer par, List<String> extra) {
        return new SlurmOptions(null, time, cpus, mem, gpus, par, 10, extra);
    }

    @Test
    void slurmTimeFormatsAreReadAsSlurmReadsThem() {
        assertEquals(60, SlurmOptions.seconds("1"), "a bare number is minutes");
        assertEquals(90, SlurmOptions.seconds("1:30"), "M:S");
        assertEquals(2 * 3600 + 5 * 60 + 7, SlurmOptions.seconds("02:05:07"), "H:M:S");
        assertEquals(36 * 3600, SlurmOptions.seconds("1-12"), "D-H");
        assertEquals(24 * 3600 + 3600 + 120, SlurmOptions.seconds("1-01:02"), "D-H:M");
        assertEquals(2 * 86400 + 3 * 3600 + 4 * 60 + 5, SlurmOptions.seconds("2-03:04:05"), "D-H:M:S");
        assertEquals(-1, SlurmOptions.seconds("1h"));
        assertEquals(-1, SlurmOptions.seconds("01:02:03:04"));
        assertEquals(-1, SlurmOptions.seconds(""));
    }

    @Test
    void theWarningComesHalfTheLimitBeforeItAtMostFiveMinutes() {
        assertEquals(30, opts("00:01:00", 1, "4G", 0, null, List.of()).signalSeconds());
        assertEquals(300, opts("02:00:00", 1, "4G", 0, null, List.of()).signalSeconds());
        assertEquals(SlurmOptions.DEFAULT_SIGNAL_SECONDS, opts(null, 1, "4G", 0, null, List.of()).signalSeconds());
    }

    @Test
    void badValuesNameTheFlagTheValueAndTheFix() {
        String m = assertThrows(IllegalArgumentException.class,
                () -> opts("1h", 1, "4G", 0, null, List.of())).getMessage();
        assertEquals("--time: not a Slurm time limit: '1h'; write HH:MM:SS (e.g. 02:00:00), MM, MM:SS, D-HH or"
                + " D-HH:MM:SS", m);
        m = assertThrows(IllegalArgumentException.class, () -> opts("0:30", 1, "4G", 0, null, List.of())).getMessage();
        assertTrue(m.startsWith("--time: 0:30 is under a minute"), m);
        m = assertThrows(IllegalArgumentException.class, () -> opts(null, 0, "4G", 0, null, List.of())).getMessage();
        assertEquals("--cpus-per-run must be at least 1 (got 0)", m);
        m = assertThrows(IllegalArgumentException.class, () -> opts(null, 1, "4GB", 0, null, List.of())).getMessage();
        assertTrue(m.startsWith("--mem-per-run: not a memory size: '4GB'"), m);
        m = assertThrows(IllegalArgumentException.class, () -> opts(null, 1, "4G", -1, null, List.of())).getMessage();
        assertEquals("--gpus-per-run must be 0 or more (got -1)", m);
        m = assertThrows(IllegalArgumentException.class, () -> opts(null, 1, "4G", 0, 0, List.of())).getMessage();
        assertEquals("--max-parallel must be at least 1 (got 0)", m);
        m = assertThrows(IllegalArgumentException.class,
                () -> new SlurmOptions("my part", null, 1, "4G", 0, null, 1, List.of())).getMessage();
        assertTrue(m.startsWith("--partition: not a partition name: 'my part'"), m);
    }

    @Test
    void everyProblemIsListedAtOnce() {
        String m = assertThrows(IllegalArgumentException.class,
                () -> opts("x", 0, "many", 0, 0, List.of())).getMessage();
        assertEquals(4, m.split("\n").length, m);
    }

    @Test
    void optionsVaelabWritesItselfAreRefusedInSbatchArgs() {
        for (String own : List.of("--array=0-3", "--output=x.log", "--dependency=afterok:1", "--signal=USR1@60",
                "--time=10", "-p", "--gres=gpu:2")) {
            String m = assertThrows(IllegalArgumentException.class,
                    () -> opts(null, 1, "4G", 0, null, List.of(own)), own).getMessage();
            assertTrue(m.startsWith("--sbatch-arg: vaelab sets "), m);
        }
        String m = assertThrows(IllegalArgumentException.class,
                () -> opts(null, 1, "4G", 0, null, List.of("account=proj"))).getMessage();
        assertTrue(m.contains("is not an sbatch option"), m);
        // what a cluster typically needs passes through
        assertEquals(List.of("--account=proj", "--qos=short"),
                opts(null, 1, "4G", 0, null, List.of("--account=proj", "--qos=short")).sbatchArgs());
    }
}
