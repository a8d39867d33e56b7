package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vaelab.cli.CliTest.vaelab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vaelab summary}, and layer lists through {@code validate} and {@code run --dry-run}, as a user meets them. */
class SummaryCommandTest {
    @TempDir
    Path tmp;

    @Test
    void summaryPrintsEachModelOfTheSweepWithShapesParametersAndTotal() {
        CliTest.Outcome o = vaelab("summary", "experiments/seeds/003-conv-mse.yaml");
        assertEquals(ExitCodes.OK, o.code(), o.err());
        assertEquals("", o.err());
        assertTrue(o.out().startsWith("seed-003-conv-mse: 2 runs, 2 models\n"), o.out());
        // The notebook's model as PyTorch counts it (torch 1.13): 213,537 at latent 16, 210,821 at latent 2.
        assertTrue(o.out().contains("model of run #0 latent_dim=16,learning_rate=0.001"), o.out());
        assertTrue(o.out().contains("total params: 213,537\n"), o.out());
        assertTrue(o.out().contains("total params: 210,821\n"), o.out());
        assertTrue(o.out().lines().anyMatch(l -> l.matches(" {2}4 {2}conv: 64, kernel: 7, stride: 1, padding: 0 +"
                + "\\[64, 1, 1] +100,416")), o.out());
        assertTrue(o.out().lines().anyMatch(l -> l.matches(" {2}7 {2}conv_transpose: 1, kernel: 3, stride: 2, padding: 1,"
                + " output_padding: 1 +\\[1, 28, 28] +145")), o.out());
    }

    @Test
    void runsThatShareAModelShareOneTable() {
        CliTest.Outcome o = vaelab("summary", "experiments/beta-sweep.yaml", "--set", "sweep.grid.model.latent_dim=[8]");
        assertEquals(ExitCodes.OK, o.code(), o.err());
        assertTrue(o.out().startsWith("beta-sweep: 3 runs, 1 model\n\nmodel of all 3 runs\n"), o.out());
        assertEquals(1, o.out().lines().filter(l -> l.startsWith("total params: ")).count(), o.out());
        // mlp 784-256-256, latent 8: 200,960 + 65,792 + 2 x 2,056 + 2,304 + 65,792 + 201,488
        assertTrue(o.out().contains("total params: 540,448\n"), o.out());
    }

    @Test
    void aLayerThatDoesNotFitIsOneLinePerProblemWithExitTwoFromEveryCommand() throws IOException {
        Path spec = tmp.resolve("bad.yaml");
        Files.writeString(spec, """
                name: bad
                model:
                  encoder: [{conv: 8, kernel: 3, stride: 2}, {conv: 16, kernel: 15}]
                  decoder: [{linear: 100}]
                """);
        List<String> expected = List.of(
                spec + ":3:46: model.encoder[1]: conv: a 15x15 kernel does not fit the input [8, 13, 13] with padding 0; "
                        + "use a kernel of at most 13x13 or more padding",
                spec + ":4:13: model.decoder[0]: the decoder ends in [100] but 28x28 images need 784 values, [784] or "
                        + "[1, 28, 28]; end with {linear: 784}");
        for (String[] args : List.of(new String[] {"validate", spec.toString()}, new String[] {"summary", spec.toString()},
                new String[] {"run", spec.toString(), "--dry-run"},
                new String[] {"run", spec.toString(), "--results", tmp.resolve("r").toString(), "--reports",
                        tmp.resolve("p").toString()})) {
            CliTest.Outcome o = vaelab(args);
            assertEquals(ExitCodes.BAD_INPUT, o.code(), args[0] + ": " + o.err());
            assertEquals(expected, o.err().lines().toList(), args[0]);
            assertEquals("", o.out(), args[0]);
        }
        assertTrue(Files.notExists(tmp.resolve("r")), "nothing ran");
    }

    @Test
    void theDryRunTableSpellsOutAListNamedByItsIndexAndCountsParameters() throws IOException {
        Path spec = tmp.resolve("long.yaml");
        Files.writeString(spec, """
                name: long
                sweep:
                  zip:
                    model.encoder:
                      - [flatten]
                      - [{conv: 16, kernel: 3, stride: 2, padding: 1}, relu, {conv: 32, kernel: 3, stride: 2, padding: 1},
                         relu, {conv: 64, kernel: 7}, relu, {conv: 64, kernel: 1}, relu]
                    model.latent_dim: [2, 16]
                """);
        CliTest.Outcome o = vaelab("run", spec.toString(), "--dry-run");
        assertEquals(ExitCodes.OK, o.code(), o.err());
        List<String> lines = o.out().lines().toList();
        assertEquals(List.of("#", "id", "name", "model.encoder", "model.latent_dim", "params"),
                List.of(lines.get(0).trim().split(" {2,}")));
        assertTrue(lines.get(2).contains("  encoder=#1,latent_dim=16  conv16k3s2p1-relu-conv32k3s2p1-relu-conv64k7-relu-"
                + "conv64k1-relu  16  "), o.out());
        // flatten, heads 784 -> 2 twice, and the default mlp decoder 2-256-256-784
        long params0 = 2 * (784 * 2 + 2) + (2 * 256 + 256) + (256 * 256 + 256) + (256 * 784 + 784);
        assertTrue(lines.get(1).endsWith("  " + String.format(java.util.Locale.ROOT, "%,d", params0)), o.out());
    }

    @Test
    void dryRunShowsEachRunsParameterCount() {
        CliTest.Outcome o = vaelab("run", "experiments/seeds/004-conv-linear-k3.yaml", "--dry-run");
        assertEquals(ExitCodes.OK, o.code(), o.err());
        List<String> lines = o.out().lines().toList();
        assertTrue(lines.get(0).endsWith("  params"), o.out());
        assertTrue(lines.get(1).endsWith("  979,210"), o.out());
    }
}
