package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vaelab.cli.CliTest.vaelab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 point 1: a run that cannot fit in the machine's memory is refused before anything trains, with one
 * line at the key to change that gives the estimate and the memory available; --dry-run and summary print
 * the estimate; VAELAB_HEAP below a run's heap need is refused the same way; worker JVMs get the planned heap.
 */
class MemoryCheckTest {
    @TempDir
    Path tmp;

    private Path absurd() throws IOException {
        Path spec = tmp.resolve("huge.yaml");
        Files.writeString(spec, """
                name: huge
                model: {latent_dim: 2000000, hidden: [4096, 4096]}
                train: {epochs: 1}
                """);
        return spec;
    }

    private static final String REFUSAL = ":2:30: model.hidden: a training worker needs about [0-9,.]+ GB of memory"
            + " \\([0-9,]+ parameters; parameters and Adam .*\\), this machine has [0-9.]+ GB; lower model.hidden"
            + " / model.latent_dim \\(or the layers' widths\\)";

    @Test
    void validateRefusesAModelTooBigForTheMachineInOneLineAtItsKey() throws IOException {
        Path spec = absurd();
        CliTest.Outcome o = vaelab("validate", spec.toString(), "--data", tmp.resolve("data").toString());
        assertEquals(ExitCodes.BAD_INPUT, o.code(), o.out() + o.err());
        List<String> lines = o.err().lines().toList();
        assertEquals(1, lines.size(), o.err());
        assertTrue(lines.get(0).matches(java.util.regex.Pattern.quote(spec.toString()) + REFUSAL), lines.get(0));
    }

    @Test
    void runRefusesItBeforeFetchingOrWritingAnything() throws IOException {
        Path spec = absurd();
        Path data = tmp.resolve("data");
        Path results = tmp.resolve("results");
        for (String[] args : List.of(new String[] {"run", spec.toString(), "--dry-run", "--data", data.toString()},
                new String[] {"run", spec.toString(), "--data", data.toString(), "--results", results.toString(),
                        "--reports", tmp.resolve("reports").toString()})) {
            CliTest.Outcome o = vaelab(args);
            assertEquals(ExitCodes.BAD_INPUT, o.code(), o.out() + o.err());
            // every problem at once: `run` may also say the results disk cannot hold the absurd checkpoint
            assertTrue(o.err().lines().anyMatch(l -> l.matches(java.util.regex.Pattern.quote(spec.toString())
                    + REFUSAL)), o.err());
        }
        assertFalse(Files.exists(results), "nothing written");
        assertFalse(Files.exists(data), "MNIST not fetched for a refused sweep");
    }

    @Test
    void dryRunAndSummaryPrintTheEstimate() {
        CliTest.Outcome dry = vaelab("run", "experiments/beta-sweep.yaml", "--dry-run", "--data", tmp.toString());
        assertEquals(ExitCodes.OK, dry.code(), dry.err());
        String last = dry.out().lines().reduce((a, b) -> b).orElseThrow();
        assertTrue(last.matches("memory: about [0-9,.]+ [MG]B \\(632,848 parameters; .*\\) per training worker \\(run #9,"
                + " the largest\\); Java heap .*; this machine has .*"), last);
        CliTest.Outcome sum = vaelab("summary", "experiments/beta-sweep.yaml");
        assertEquals(ExitCodes.OK, sum.code(), sum.err());
        assertTrue(sum.out().contains("memory of a training worker: about "), sum.out());
    }

    @Test
    void theCheckComparesWithTheMemoryGivenAndVaelabHeap() throws IOException {
        Path spec = tmp.resolve("big.yaml");
        Files.writeString(spec, """
                name: big
                model: {hidden: [4096, 4096], latent_dim: 2}
                sweep:
                  grid:
                    train.batch_size: [64, 128]
                """);
        SweepPlan plan = SweepPlan.load(spec, List.of());
        // 40M parameters fit 24 GB but not 1 GB
        assertEquals(List.of(), MemoryChecks.problems(spec, plan.runs(), 24L << 30, null));
        // one line per run (their estimates differ), each naming its run
        List<String> small = MemoryChecks.problems(spec, plan.runs(), 1L << 30, null);
        assertEquals(2, small.size(), small.toString());
        for (String line : small) {
            assertTrue(line.matches(".*, this machine has 1.0 GB; lower model\\..* \\(runs batch_size=(64|128)\\)"), line);
        }
        // VAELAB_HEAP=1g is less than the heap the runs need: one line (the same for both runs) naming the
        // value that would do, in the 256 MB steps heaps are sized in
        List<String> heap = MemoryChecks.problems(spec, plan.runs(), 24L << 30, 1L << 30);
        assertEquals(1, heap.size(), heap.toString());
        assertTrue(heap.get(0).matches(java.util.regex.Pattern.quote(spec.toString()) + ":[0-9]+:[0-9]+: model\\.[a-z_]+:"
                + " a training worker needs a Java heap of about [0-9.]+ GB, VAELAB_HEAP gives 1.0 GB; set"
                + " VAELAB_HEAP=1792m \\(or unset it to size the heap from the estimate\\), or lower [^(]*\\(or the layers' widths\\)"), heap.get(0));
    }

    @Test
    void submitChecksEachTaskAgainstItsMemPerRun() throws IOException {
        Path spec = tmp.resolve("big.yaml");
        Files.writeString(spec, "name: big\nmodel: {hidden: [4096, 4096], latent_dim: 2}\n");
        SweepPlan plan = SweepPlan.load(spec, List.of());
        assertEquals(1L << 30, SubmitCommand.slurmBytes("1G"));
        assertEquals(3500L << 20, SubmitCommand.slurmBytes("3500"));
        List<String> small = MemoryChecks.submitProblems(spec, plan.runs(), "1G", SubmitCommand.slurmBytes("1G"));
        assertEquals(1, small.size(), small.toString());
        assertTrue(small.get(0).matches(java.util.regex.Pattern.quote(spec.toString()) + ":2:[0-9]+: model\\.[a-z_]+:"
                + " a training worker needs about [0-9.]+ GB of memory \\(.*\\), --mem-per-run 1G gives 1.0 GB; raise"
                + " --mem-per-run or lower .*"), small.get(0));
        assertEquals(List.of(), MemoryChecks.submitProblems(spec, plan.runs(), "64G", SubmitCommand.slurmBytes("64G"))
                .stream().filter(l -> l.contains("--mem-per-run")).toList());
    }

    @Test
    void vaelabHeapIsReadAsJavaReadsXmxAndABadValueIsBadInput() {
        assertEquals(8L << 30, WorkerHeap.parse("8g").orElseThrow());
        assertEquals(1536L << 20, WorkerHeap.parse("1536M").orElseThrow());
        assertTrue(WorkerHeap.parse("").isEmpty());
        UserError e = assertThrows(UserError.class, () -> WorkerHeap.parse("8 GB"));
        assertEquals("vaelab: VAELAB_HEAP=8 GB: not a heap size; write it as java's -Xmx takes it, e.g."
                + " VAELAB_HEAP=8g or VAELAB_HEAP=1536m", e.display());
        assertEquals("3g", WorkerHeap.flagValue(3L << 30));
        assertEquals("3133m", WorkerHeap.flagValue((3133L << 20) - 5));
    }

    @Test
    void workersGetThePlannedHeapInPlaceOfTheParentsAndItsSource() {
        List<String> parent = List.of("-Xms4g", "-Xmx2g", "-Dvaelab.heap.source=default", "-Dfoo=bar", "-Xss1m");
        try {
            WorkerHeap.plan(null);
            assertEquals(parent, WorkerHeap.jvmArguments(parent));
            WorkerHeap.plan(3L << 30);
            List<String> worker = WorkerHeap.jvmArguments(parent);
            assertEquals(List.of("-Dfoo=bar", "-Xss1m", "-Xmx3g", "-Dvaelab.heap.source=estimate"), worker);
        } finally {
            WorkerHeap.plan(null);
        }
    }
}
