package org.vaelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vaelab.tracking.RunStore;
import org.vaelab.tracking.RunSummary;

/**
 * The collapse diagnostics on real MNIST (issue "Diagnostics"): the seed MLP for ten epochs on the full
 * training set. A 2-unit latent keeps both units active; at latent 128 and beta 1 most units go inactive;
 * beta 4 leaves fewer active units than beta 1 at the same latent size. Measured when written: 2/2, 59/128
 * and 31/128 active.
 */
@Tag("slow")
class MnistDiagnosticsTest {
    @TempDir
    Path tmp;

    @Test
    void activeUnitsFollowLatentSizeAndBeta() throws IOException {
        Path spec = tmp.resolve("collapse.yaml");
        Files.writeString(spec, """
                name: collapse
                model: {hidden: [256, 256]}
                train: {epochs: 10}
                eval: {loglik_samples: 0}
                sweep:
                  zip:
                    model.latent_dim: [2, 128, 128]
                    loss.beta: [1.0, 1.0, 4.0]
                """);
        CliTest.Outcome o = CliTest.vaelab("run", spec.toString(), "--workers", "1", "--results",
                tmp.resolve("results").toString(), "--reports", tmp.resolve("reports").toString(), "--data",
                System.getProperty("vaelab.data", "data"));
        assertEquals(ExitCodes.OK, o.code(), o.err());
        Map<String, Integer> active = new HashMap<>();
        for (RunSummary s : new RunStore(tmp.resolve("results"), "collapse").summaries()) {
            active.put(s.name(), s.activeUnits());
            System.out.println(s.name() + ": " + s.activeUnits() + " active, verdict " + s.verdict());
        }
        assertEquals(2, active.get("latent_dim=2,beta=1"), active.toString());
        int beta1 = active.get("latent_dim=128,beta=1");
        int beta4 = active.get("latent_dim=128,beta=4");
        assertTrue(beta1 < 64, "most of 128 units inactive at beta 1: " + active);
        assertTrue(beta4 < beta1, "beta 4 leaves fewer active units than beta 1: " + active);
    }
}
