package org.vaelab.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.vaelab.train.MemoryEstimate;

/**
 * The Java heap of a training worker: {@code VAELAB_HEAP} when set (e.g. {@code VAELAB_HEAP=8g}), else the
 * launcher's 2 GB, raised to what the largest run's {@link MemoryEstimate} needs when that is more. The heap is
 * kept as small as the runs allow on purpose: ND4J frees native memory only when the Java handles are collected,
 * so a huge heap means rare collections and native memory growing in between (the reason for the launcher's
 * -Xmx2g). The parent of a sweep starts its workers with {@link #jvmArguments}; provenance.json records the heap
 * ({@code max_heap_mb}) and where its size came from ({@code heap_source}).
 */
final class WorkerHeap {
    /** The launcher's heap, enough for every run whose estimate asks for less. */
    static final long DEFAULT = 2L << 30;
    /** System property naming where a JVM's heap size came from; recorded in provenance.json. */
    static final String SOURCE_PROPERTY = "vaelab.heap.source";
    private static final long STEP = 256L << 20;

    /** The heap the next workers of this process get (set by the sweep before it starts them), or null. */
    private static volatile Long planned;

    private WorkerHeap() {
    }

    /** {@code VAELAB_HEAP} in bytes, or empty when it is not set; a value that is not a size is bad input. */
    static Optional<Long> requested() {
        return parse(System.getenv("VAELAB_HEAP"));
    }

    /** {@code 8g}, {@code 512m}, {@code 1024M} or bytes; null or blank is empty. */
    static Optional<Long> parse(String v) {
        if (v == null || v.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(size(v).orElseThrow(() -> new UserError("VAELAB_HEAP=" + v + ": not a heap size; write"
                + " it as java's -Xmx takes it, e.g. VAELAB_HEAP=8g or VAELAB_HEAP=1536m")));
    }

    /** A size as java's -Xmx takes it ({@code 8g}, {@code 512m}, bytes) in bytes; empty when it is not one. */
    static Optional<Long> size(String v) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,12})([kKmMgGtT]?)").matcher(v.trim());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            return Optional.empty();
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        return Optional.of(Long.parseLong(m.group(1)) << shift);
    }

    /**
     * The heap for workers that may train any of the runs estimated by {@code estimates}: VAELAB_HEAP when set,
     * else the default raised to the largest need (rounded up to 256 MB), never above the machine's memory.
     */
    static long forRuns(List<MemoryEstimate> estimates) {
        Optional<Long> env = requested();
        if (env.isPresent()) {
            return env.get();
        }
        long need = estimates.stream().mapToLong(MemoryEstimate::heapBytes).max().orElse(0);
        long heap = Math.max(DEFAULT, roundUp(need));
        return Math.min(heap, Math.max(DEFAULT, MemoryEstimate.machineBytes() / STEP * STEP));
    }

    /**
     * The larger heap workers need when the largest run does not fit this JVM's (the launcher's -Xmx2g), or
     * empty when this JVM's heap will do (workers then inherit its flags) or VAELAB_HEAP fixes the size.
     */
    static Optional<Long> raise(List<MemoryEstimate> estimates) {
        long need = estimates.stream().mapToLong(MemoryEstimate::heapBytes).max().orElse(0);
        if (requested().isPresent() || fitsThisJvm(need)) {
            return Optional.empty();
        }
        return Optional.of(forRuns(estimates));
    }

    /**
     * The heap workers for these runs get, as the dry run prints it: {@code 8.0 GB (VAELAB_HEAP)}, {@code 3.5 GB
     * (from the estimate)}, or this JVM's own, {@code 2.0 GB (default)}.
     */
    static String describe(List<MemoryEstimate> estimates) {
        if (requested().isPresent()) {
            return MemoryEstimate.bytes(requested().get()) + " (VAELAB_HEAP)";
        }
        Optional<Long> raised = raise(estimates);
        if (raised.isPresent()) {
            return MemoryEstimate.bytes(raised.get()) + " (from the estimate)";
        }
        long own = Runtime.getRuntime().maxMemory();
        return MemoryEstimate.bytes((own + STEP / 2) / STEP * STEP) + " (" + System.getProperty(SOURCE_PROPERTY, "jvm") + ")";
    }

    /** {@code bytes} rounded up to a multiple of 256 MB, the steps heaps are sized in. */
    static long roundUp(long bytes) {
        return (bytes + STEP - 1) / STEP * STEP;
    }

    /** The value of -Xmx for {@code bytes}: whole gigabytes as {@code 3g}, else megabytes. */
    static String flagValue(long bytes) {
        return bytes % (1L << 30) == 0 ? (bytes >> 30) + "g" : ((bytes + (1 << 20) - 1) >> 20) + "m";
    }

    /** Sets the heap the workers this process starts from now on get (null: the parent's own flags). */
    static void plan(Long heap) {
        planned = heap;
    }

    /** True when this JVM's own heap is at least {@code heap} (Runtime reports a little less than -Xmx). */
    static boolean fitsThisJvm(long heap) {
        return Runtime.getRuntime().maxMemory() >= heap - heap / 16;
    }

    /**
     * A worker's JVM arguments: the parent's {@code inputArguments} with its -Xmx (and a larger -Xms) replaced by
     * the planned heap and its source recorded, or as they are when nothing is planned.
     */
    static List<String> jvmArguments(List<String> inputArguments) {
        Long heap = planned;
        if (heap == null) {
            return inputArguments;
        }
        List<String> out = new ArrayList<>();
        for (String a : inputArguments) {
            boolean xms = a.startsWith("-Xms") && parse(a.substring(4)).map(v -> v > heap).orElse(false);
            if (!a.startsWith("-Xmx") && !xms && !a.startsWith("-D" + SOURCE_PROPERTY + "=")) {
                out.add(a);
            }
        }
        out.add("-Xmx" + flagValue(heap));
        out.add("-D" + SOURCE_PROPERTY + "=estimate");
        return out;
    }
}
