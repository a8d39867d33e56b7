package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The retry rule and the causes a parent writes for a dead worker, from what it saw. */
class WorkerDeathTest {
    private static final long TWO_GB = 2L << 30;
    private static final String HS_ERR = """
            #
            # A fatal error has been detected by the Java Runtime Environment:
            #
            #  SIGSEGV (0xb) at pc=0x00007f3cca4d2f94, pid=25380, tid=25381
            #
            # Problematic frame:
            # C  [libnd4jcpu.so+0x1c2f94]  sd::ops::matmul+0x24
            #
            """;

    private static WorkerDeath death(int code, List<String> output, boolean oomKiller, boolean retried) {
        return WorkerDeath.of(code, output, Optional.empty(), null, TWO_GB, oomKiller, retried);
    }

    @Test
    void aKillFromOutsideIsRetriedOnceAndFailsTheSecondTime() {
        WorkerDeath first = death(128 + 9, List.of(), false, false);
        assertEquals(new WorkerDeath("the worker was stopped by SIGKILL from outside vaelab", true), first);
        WorkerDeath second = death(128 + 9, List.of(), false, true);
        assertFalse(second.retry());
        assertEquals("the worker was stopped by SIGKILL from outside vaelab again after a retry; not retried a"
                + " second time", second.cause());
        // a worker's own clean stop on SIGTERM (exit 143) or SIGINT (130) is the same outside stop
        assertTrue(death(143, List.of(), false, false).retry());
        assertTrue(death(130, List.of(), false, false).retry());
        assertTrue(death(129, List.of(), false, false).retry());
    }

    @Test
    void theKernelsOutOfMemoryKillerIsNotRetried() {
        WorkerDeath d = death(137, List.of(), true, false);
        assertFalse(d.retry());
        assertTrue(d.cause().startsWith("the worker was killed by the kernel's out-of-memory killer"), d.cause());
    }

    @Test
    void aNativeCrashIsNamedWithItsSignalLibraryAndCrashFileAndNotRetried() {
        WorkerDeath d = WorkerDeath.of(1, List.of("# A fatal error has been detected"), Optional.of(HS_ERR),
                "results/s/abc/crash.log", TWO_GB, false, false);
        assertEquals(new WorkerDeath("the JVM crashed in native code (SIGSEGV in libnd4jcpu.so); details in"
                + " results/s/abc/crash.log", false), d);
        // the crash file wins over an outside-looking signal: the JVM wrote it, so it crashed
        assertFalse(WorkerDeath.of(134, List.of(), Optional.of(HS_ERR), "x", TWO_GB, false, false).retry());
        WorkerDeath noFile = death(128 + 6, List.of("free(): invalid pointer"), false, false);
        assertEquals(new WorkerDeath("the worker crashed (SIGABRT): free(): invalid pointer", false), noFile);
        WorkerDeath jvmMemory = WorkerDeath.of(1, List.of(), Optional.of("# There is insufficient memory for the"
                + " Java Runtime Environment to continue.\n"), "c.log", TWO_GB, false, false);
        assertEquals("the JVM ran out of native memory; details in c.log", jvmMemory.cause());
    }

    @Test
    void anExhaustedHeapNamesTheHeapAndTheSettingThatFixesIt() {
        WorkerDeath d = death(WorkerDeath.OOM_EXIT, List.of("run 1/3 x epoch 1/2: ...",
                "Terminating due to java.lang.OutOfMemoryError: Java heap space"), false, false);
        assertEquals(new WorkerDeath("the worker ran out of Java heap (2 GB); set VAELAB_HEAP=4g", false), d);
        assertEquals("the worker ran out of Java heap (160 MB); set VAELAB_HEAP=1g", WorkerDeath.of(3,
                List.of("Terminating due to java.lang.OutOfMemoryError: Java heap space"), Optional.empty(), null,
                160L << 20, false, false).cause());
        assertEquals("the worker ran out of memory (Metaspace); train fewer runs at once (--workers 1) or smaller"
                + " models", death(3, List.of("Terminating due to java.lang.OutOfMemoryError: Metaspace"), false,
                false).cause());
    }

    @Test
    void anyOtherExitIsNotRetriedAndSaysTheLastLineThatIsNotAStackFrame() {
        WorkerDeath d = death(1, List.of("vaelab: internal error: java.lang.IllegalStateException: boom",
                "\tat org.vaelab.Foo.bar(Foo.java:1)", "\t... 3 more"), false, false);
        assertEquals(new WorkerDeath("the worker exited with code 1: internal error:"
                + " java.lang.IllegalStateException: boom", false), d);
        assertEquals("the worker exited with code 7", death(7, List.of(), false, false).cause());
    }

    @Test
    void signalsAreNamedFromJavasExitCodes() {
        assertEquals("SIGKILL", WorkerDeath.signalName(137));
        assertEquals("SIGSEGV", WorkerDeath.signalName(139));
        assertEquals(null, WorkerDeath.signalName(1));
        assertEquals(null, WorkerDeath.signalName(128));
    }
}
