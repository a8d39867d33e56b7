package org.vaelab.cli;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.vaelab.spec.DatasetSpec;
import org.vaelab.spec.RunSpec;
import org.vaelab.spec.yaml.SpecLoader;
import org.vaelab.train.MemoryEstimate;

/**
 * The memory check of a sweep, before anything trains ({@code validate}, {@code --dry-run}, {@code run},
 * {@code submit}): each run's {@link MemoryEstimate} against this machine's memory, and its heap against
 * {@code VAELAB_HEAP} when that is set. A refusal is one line at the key to change (file:line:col) with the
 * estimate, the memory available and the fix.
 */
final class MemoryChecks {
    private MemoryChecks() {
    }

    /**
     * The estimate of run {@code r}; for idx data from its files' headers (image size and counts), empty when
     * those cannot be read (the data check reports that).
     */
    static Optional<MemoryEstimate> estimate(RunSpec r) {
        DatasetSpec ds = r.config().dataset();
        try {
            if (ds.name().rows() > 0) {
                return Optional.of(MemoryEstimate.of(r.config(), ds.name().rows(), ds.name().cols()));
            }
            if (ds.path() == null) {
                return Optional.empty();
            }
            int[] train = idxHeader(Path.of(ds.path()), "train-images-idx3-ubyte");
            int[] test = idxHeader(Path.of(ds.path()), "t10k-images-idx3-ubyte");
            if (train == null || test == null || train[1] != test[1] || train[2] != test[2]) {
                return Optional.empty();
            }
            return Optional.of(MemoryEstimate.of(r.config(), train[1], train[2], train[0], test[0]));
        } catch (RuntimeException e) {
            return Optional.empty(); // a layer that does not fit is validation's to report
        }
    }

    /** {count, rows, cols} from an IDX image file's header (raw or gzipped), or null if it cannot be read. */
    private static int[] idxHeader(Path dir, String name) {
        for (Path f : List.of(dir.resolve(name), dir.resolve(name + ".gz"))) {
            if (!Files.isRegularFile(f)) {
                continue;
            }
            try (InputStream raw = Files.newInputStream(f);
                 DataInputStream in = new DataInputStream(f.toString().endsWith(".gz")
                         ? new GZIPInputStream(raw) : raw)) {
                if (in.readInt() != 0x00000803) {
                    return null;
                }
                int[] h = {in.readInt(), in.readInt(), in.readInt()};
                return h[0] > 0 && h[1] > 0 && h[2] > 0 ? h : null;
            } catch (IOException e) {
                return null;
            }
        }
        return null;
    }

    /**
     * The problems of {@code runs}' memory, one line each.
     *
     * @param machine   bytes of memory of this machine ({@link MemoryEstimate#machineBytes()})
     * @param heapLimit bytes of {@code VAELAB_HEAP}, or null when the heap is sized from the estimate
     */
    static List<String> problems(Path specFile, List<RunSpec> runs, long machine, Long heapLimit) {
        return problems(specFile, runs, machine, "this machine has", "", heapLimit, "VAELAB_HEAP gives");
    }

    /**
     * As {@link #problems(Path, List, long, Long)} with the phrases that name the memory and heap available
     * ({@code "this machine has"}, {@code "--mem-per-run 4G gives"}; {@code "VAELAB_HEAP gives"}, {@code "the
     * tasks' heap (this JVM's) is"}) and a fix put before the keys ({@code "raise --mem-per-run or "}).
     */
    static List<String> problems(Path specFile, List<RunSpec> runs, long available, String availablePhrase,
                                 String raiseFix, Long heapLimit, String heapPhrase) {
        Map<String, List<String>> byProblem = new LinkedHashMap<>();
        for (RunSpec r : runs) {
            Optional<MemoryEstimate> e = estimate(r);
            if (e.isEmpty()) {
                continue;
            }
            MemoryEstimate m = e.get();
            String at = SpecLoader.position(specFile, m.keys());
            String problem = null;
            if (m.total() > available) {
                problem = String.format(Locale.ROOT, "%s: %s: a training worker needs about %s of memory (%s),"
                                + " %s %s; %slower %s", at, m.keys().get(0), MemoryEstimate.bytes(m.total()),
                        m.parts(), availablePhrase, MemoryEstimate.bytes(available), raiseFix, m.keyText());
            } else if (heapLimit != null && m.heapBytes() > heapLimit) {
                problem = String.format(Locale.ROOT, "%s: %s: a training worker needs a Java heap of about %s,"
                                + " %s %s; set VAELAB_HEAP=%s (or unset it to size the heap from the"
                                + " estimate), or lower %s", at, m.keys().get(0), MemoryEstimate.bytes(m.heapBytes()),
                        heapPhrase, MemoryEstimate.bytes(heapLimit),
                        WorkerHeap.flagValue(WorkerHeap.roundUp(m.heapBytes())), m.keyText());
            }
            if (problem != null) {
                byProblem.computeIfAbsent(problem, k -> new ArrayList<>()).add(r.name());
            }
        }
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : byProblem.entrySet()) {
            boolean some = runs.size() > 1 && e.getValue().size() < runs.size();
            out.add(e.getKey() + (some ? " (runs " + String.join(", ", e.getValue()) + ")" : ""));
        }
        return out;
    }

    /** The problems for this machine and the environment's {@code VAELAB_HEAP}. */
    static List<String> problems(Path specFile, List<RunSpec> runs) {
        return problems(specFile, runs, MemoryEstimate.machineBytes(), WorkerHeap.requested().orElse(null));
    }

    /**
     * The problems of runs submitted to Slurm: each task has {@code memPerRun} bytes ({@code --mem-per-run}) and
     * trains in a JVM with this one's flags, so with this JVM's heap ({@code VAELAB_HEAP} when set).
     */
    static List<String> submitProblems(Path specFile, List<RunSpec> runs, String memPerRun, long memBytes) {
        boolean env = WorkerHeap.requested().isPresent();
        return problems(specFile, runs, memBytes, "--mem-per-run " + memPerRun + " gives", "raise --mem-per-run or ",
                Runtime.getRuntime().maxMemory(), env ? "VAELAB_HEAP gives" : "the tasks' heap (the launcher's) is");
    }

    /** Throws every problem as one {@link UserError} of one line each. */
    static void require(Path specFile, List<RunSpec> runs) {
        List<String> problems = problems(specFile, runs);
        if (!problems.isEmpty()) {
            throw UserError.located(String.join("\n", problems), null);
        }
    }

    /**
     * One line for {@code --dry-run}: the largest run's estimate, the heap its worker gets and the machine's
     * memory; empty when no run can be estimated.
     */
    static Optional<String> line(List<RunSpec> runs) {
        Optional<RunSpec> largest = runs.stream().filter(r -> estimate(r).isPresent())
                .max(Comparator.comparingLong(r -> estimate(r).orElseThrow().total()));
        return largest.map(r -> {
            MemoryEstimate m = estimate(r).orElseThrow();
            return String.format(Locale.ROOT, "memory: about %s per training worker%s; Java heap %s; this machine"
                            + " has %s", m.describe(), runs.size() > 1 ? " (run #" + r.index() + ", the largest)" : "",
                    WorkerHeap.describe(List.of(m)), MemoryEstimate.bytes(MemoryEstimate.machineBytes()));
        });
    }
}
