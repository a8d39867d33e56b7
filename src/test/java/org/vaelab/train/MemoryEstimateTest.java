package org.vaelab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vaelab.spec.Activation;
import org.vaelab.spec.DatasetSpec;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.ModelSummary;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.RunConfig;
import org.vaelab.spec.TrainSpec;

/** The memory estimate's parts follow what they count: parameters, batch size, data, evaluation. */
class MemoryEstimateTest {
    private static ModelSpec mlp(List<Integer> hidden, int latent) {
        return new ModelSpec(NetKind.MLP, NetKind.MLP, hidden, List.of(32, 64), Activation.RELU, latent);
    }

    private static RunConfig cfg(ModelSpec m, int batch) {
        TrainSpec t = TrainSpec.DEFAULT;
        return new RunConfig(DatasetSpec.DEFAULT, m, org.vaelab.spec.LossSpec.DEFAULT,
                new TrainSpec(t.epochs(), batch, t.optimizer(), t.learningRate(), t.gradClip(), t.seed(), t.device()),
                org.vaelab.spec.EvalSpec.DEFAULT);
    }

    @Test
    void parametersAndAdamAreTwentyFourBytesAPlainParameter() {
        ModelSpec seed = mlp(List.of(256, 256), 32);
        MemoryEstimate m = MemoryEstimate.of(cfg(seed, 128), 28, 28);
        assertEquals(ModelSummary.of(seed, 28, 28).total(), m.params());
        assertEquals(16 * m.params(), m.parameters()); // no conv weight copies in an MLP
        assertEquals(8 * m.params(), m.optimizer()); // Adam's m and v; it steps the parameters in place
        assertTrue(m.total() > MemoryEstimate.BASELINE + m.parameters() + m.optimizer() + m.data(), m.describe());
        assertTrue(m.heapBytes() >= MemoryEstimate.HEAP_BASE + m.optimizer(), m.describe());
    }

    @Test
    void theBatchSizeMovesTheActivationsAloneAndTheSubsetTheData() {
        ModelSpec seed = mlp(List.of(256, 256), 32);
        MemoryEstimate small = MemoryEstimate.of(cfg(seed, 128), 28, 28);
        MemoryEstimate large = MemoryEstimate.of(cfg(seed, 8192), 28, 28);
        assertEquals(small.parameters(), large.parameters());
        assertEquals(small.data(), large.data());
        assertTrue(large.activations() > 30 * small.activations(), large.describe());
        RunConfig sub = cfg(seed, 128);
        DatasetSpec d = sub.dataset();
        sub = new RunConfig(new DatasetSpec(d.name(), d.path(), 1000, 500, d.classes(), d.binarize(), d.dequantize()),
                sub.model(), sub.loss(), sub.train(), sub.eval());
        assertTrue(MemoryEstimate.of(sub, 28, 28).data() < small.data() / 10);
    }

    @Test
    void theIssuesModelsAreSizedAndTheirKeyNamed() {
        // issue 13: about 25 billion parameters, far beyond any machine; the parameters dominate
        MemoryEstimate absurd = MemoryEstimate.of(cfg(mlp(List.of(4096, 4096), 2_000_000), 128), 28, 28);
        assertTrue(absurd.params() > 24_000_000_000L, absurd.describe());
        assertTrue(absurd.total() > 1L << 40, absurd.describe());
        assertEquals("model.hidden", absurd.keys().get(0));
        // the 40M-parameter model: fits a 24 GB machine and, since checkpoints stream and Adam steps in place,
        // the launcher's 2 GB heap (it trains in it: docs/performance.md, "Memory")
        MemoryEstimate big = MemoryEstimate.of(cfg(mlp(List.of(4096, 4096), 2), 128), 28, 28);
        assertEquals(40_018_708, big.params());
        assertTrue(big.total() < 8L << 30 && big.heapBytes() <= 2L << 30, big.describe());
        // twice as wide, 85M parameters: still fits the machine, but needs more heap than 2 GB
        MemoryEstimate wider = MemoryEstimate.of(cfg(mlp(List.of(6144, 6144), 2), 128), 28, 28);
        assertTrue(wider.total() < 8L << 30 && wider.heapBytes() > 2L << 30, wider.describe());
        // a huge batch: the activations dominate and the batch size is the key
        MemoryEstimate batch = MemoryEstimate.of(cfg(mlp(List.of(256, 256), 32), 1 << 20), 28, 28);
        assertEquals("train.batch_size", batch.keys().get(0), batch.describe());
    }

    @Test
    void bytesReadAsAPersonWouldWriteThem() {
        assertEquals("512 MB", MemoryEstimate.bytes(512L << 20));
        assertEquals("1.5 GB", MemoryEstimate.bytes(3L << 29));
        assertEquals("1,858 GB", MemoryEstimate.bytes(1858L << 30));
    }
}
