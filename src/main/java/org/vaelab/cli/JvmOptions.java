package org.vaelab.cli;

import java.util.List;

/**
 * The JVM option that tells a coordinating process from a training one. The launcher starts the commands that
 * only plan, coordinate and draw ({@code run}'s parent, {@code report}, {@code validate}, {@code summary},
 * {@code status}, {@code runs}, {@code submit}) with {@link #COORDINATOR}; every process that trains gets the
 * full JIT back.
 */
public final class JvmOptions {
    /**
     * C1 alone: a sweep's parent spent 12 s of CPU in C2 compiling the report's drawing code (XChart, Java2D,
     * PNG, XML), more than the drawing itself, on the cores its workers train on; {@code ./vaelab report} of the
     * beta sweep took 4.7 s of CPU instead of 8.7 and no more wall time (docs/performance.md). Training needs C2:
     * the SIMD kernels (jdk.incubator.vector) are fast only when C2 compiles them.
     */
    public static final String COORDINATOR = "-XX:TieredStopAtLevel=1";

    private JvmOptions() {
    }

    /** {@code inputArguments} (this JVM's options) for a child that trains: without {@link #COORDINATOR}. */
    public static List<String> forTraining(List<String> inputArguments) {
        return inputArguments.stream().filter(a -> !a.startsWith("-XX:TieredStopAtLevel=")).toList();
    }
}
