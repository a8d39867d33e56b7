package org.vaelab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vaelab.spec.Activation;
import org.vaelab.spec.DatasetSpec;
import org.vaelab.spec.Device;
import org.vaelab.spec.EvalSpec;
import org.vaelab.spec.LossSpec;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.ModelSummary;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.Optimizer;
import org.vaelab.spec.RunConfig;
import org.vaelab.spec.TrainSpec;
import org.vaelab.tracking.EpochMetrics;

/**
 * The disk estimate against what a run really writes: a checkpoint encoded by {@link Checkpoint} for the
 * model's parameter count (two of them live at the peak). A change to the checkpoint's format that makes it
 * larger than the estimate assumes fails here. The estimate against a whole run folder is checked by the
 * slow {@code cli.DiskFullTest}.
 */
class RunFootprintTest {
    private static RunConfig config(List<Integer> hidden, int latent, int epochs) {
        ModelSpec m = new ModelSpec(NetKind.MLP, NetKind.MLP, hidden, List.of(4, 8), Activation.RELU, latent);
        TrainSpec t = new TrainSpec(epochs, 128, Optimizer.ADAM, 1e-3, null, 42L, Device.CPU);
        return new RunConfig(DatasetSpec.DEFAULT, m, LossSpec.DEFAULT, t, EvalSpec.DEFAULT);
    }

    @Test
    void coversTwoRealCheckpointsWithoutRunningFarOver() throws IOException {
        for (RunConfig cfg : List.of(config(List.of(32), 2, 10), config(List.of(256, 256), 32, 10))) {
            String model = cfg.model().toString();
            long params = ModelSummary.of(cfg.model(), 28, 28).total();
            float[] p = new float[(int) params];
            byte[] ckpt = new Checkpoint(10, 1000, "sig", p, new float[2 * p.length],
                    EpochMetrics.builder(10).build()).encode();
            long estimate = RunFootprint.bytes(cfg, 28, 28);
            assertTrue(estimate >= 2L * ckpt.length, model + ": estimate " + estimate + " < two checkpoints "
                    + 2L * ckpt.length);
            assertTrue(estimate <= 2L * ckpt.length + 2_000_000, model + ": estimate " + estimate
                    + " far over two checkpoints " + 2L * ckpt.length + " plus pictures and metrics");
        }
    }

    /**
     * The beta sweep's run folders as measured (du -b of results/beta-sweep/3e995de5746a and 800e6fc2ef71,
     * MNIST, hidden [256, 256], 10 epochs): the estimate covers each and runs at most 10% over.
     */
    @Test
    void coversTheBetaSweepsMeasuredRunFolders() {
        long[][] latentAndBytes = {{32, 13_672_905}, {128, 15_598_223}};
        for (long[] m : latentAndBytes) {
            long estimate = RunFootprint.bytes(config(List.of(256, 256), (int) m[0], 10), 28, 28);
            assertTrue(estimate >= m[1] && estimate <= m[1] * 1.1, "latent " + m[0] + ": estimated " + estimate
                    + ", measured " + m[1]);
        }
    }

    @Test
    void growsWithEpochsLatentDimensionsAndImageSize() {
        assertTrue(RunFootprint.bytes(config(List.of(32), 8, 100), 28, 28)
                > RunFootprint.bytes(config(List.of(32), 8, 10), 28, 28));
        assertTrue(RunFootprint.bytes(config(List.of(32), 64, 10), 28, 28)
                > RunFootprint.bytes(config(List.of(32), 8, 10), 28, 28));
        assertTrue(RunFootprint.bytes(config(List.of(32), 8, 10), 64, 64)
                > RunFootprint.bytes(config(List.of(32), 8, 10), 28, 28));
    }

    @Test
    void humanSizesRoundUpForANeedAndDownForWhatIsFree() {
        assertEquals("1 KB", RunFootprint.human(1));
        assertEquals("1 KB", RunFootprint.human(1024));
        assertEquals("2 KB", RunFootprint.human(1025));
        assertEquals("1.0 MB", RunFootprint.human(1024 * 1024));
        assertEquals("1.4 MB", RunFootprint.human(1_400_000));
        assertEquals("1.3 MB", RunFootprint.humanDown(1_400_000));
        assertEquals("14 MB", RunFootprint.human(13_900_000));
        assertEquals("13 MB", RunFootprint.humanDown(13_900_000));
        assertEquals("1.5 GB", RunFootprint.human(1_600_000_000L));
        assertEquals("0 KB", RunFootprint.humanDown(1000));
    }
}
