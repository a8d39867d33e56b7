package org.vaelab.spec.yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vaelab.spec.Activation;
import org.vaelab.spec.Binarize;
import org.vaelab.spec.ConfigTree;
import org.vaelab.spec.DatasetName;
import org.vaelab.spec.DatasetSpec;
import org.vaelab.spec.Device;
import org.vaelab.spec.Estimator;
import org.vaelab.spec.EvalSpec;
import org.vaelab.spec.ExperimentSpec;
import org.vaelab.spec.LossSpec;
import org.vaelab.spec.ModelSpec;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.Optimizer;
import org.vaelab.spec.Reconstruction;
import org.vaelab.spec.RunConfig;
import org.vaelab.spec.RunSpec;
import org.vaelab.spec.TrainSpec;
import org.vaelab.spec.WarmupSchedule;
import org.vaelab.spec.WarmupSpec;
import org.vaelab.sweep.SweepExpander;

class SpecYamlTest {
    static final RunConfig ODD = new RunConfig(
            new DatasetSpec(DatasetName.IDX, "data/my files: v2", 1000, 500, List.of(1, 7), Binarize.DYNAMIC, false),
            new ModelSpec(NetKind.CONV, NetKind.MLP, List.of(512, 128), List.of(16, 32), Activation.LEAKY_RELU, 8),
            new LossSpec(Reconstruction.MSE, 4.0, new WarmupSpec(WarmupSchedule.CYCLICAL, 3, 2, 0.25), 1e-7, 5,
                    Estimator.ELBO),
            new TrainSpec(20, 64, Optimizer.ADAM, 3e-4, 5.5, -7L, Device.CUDA),
            new EvalSpec(0.02, 0, 200));

    @Test
    void writtenConfigsLoadBackToTheSameConfig() throws Exception {
        for (RunConfig c : List.of(RunConfig.DEFAULT, ODD)) {
            String yaml = SpecYaml.write(ConfigTree.toTree(c));
            assertEquals(c, SpecLoader.parse(yaml, "back.yaml", List.of()).base(), yaml);
        }
        String yaml = SpecYaml.write(ConfigTree.toTree(RunConfig.DEFAULT));
        assertTrue(yaml.startsWith("dataset:\n  name: mnist\n  path: null\n"), yaml);
    }

    @Test
    void aRunsResolvedSpecReloadsAsOneRunWithTheSameId() throws Exception {
        ExperimentSpec sweep = SpecLoader.parse("name: s\nsweep: {grid: {loss.beta: [0.5, 4]}, seeds: [3]}\n",
                "s.yaml", List.of());
        RunSpec run = SweepExpander.expand(sweep).get(1);
        String file = SpecYaml.resolvedRun(run);
        assertTrue(file.startsWith("# vaelab run " + run.id() + " (beta=4,seed=3, #1 of sweep s)"), file);
        List<RunSpec> again = SweepExpander.expand(SpecLoader.parse(file, "results/s/" + run.id() + "/spec.yaml", List.of()));
        assertEquals(1, again.size());
        assertEquals(run.id(), again.get(0).id());
        assertEquals("s", SpecLoader.parse(file, "spec.yaml", List.of()).name());
        assertEquals(Map.of(), again.get(0).varied());
    }
}
