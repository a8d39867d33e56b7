package org.vaelab.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.vaelab.spec.BindResult;
import org.vaelab.spec.ConfigTree;
import org.vaelab.spec.ExperimentSpec;
import org.vaelab.spec.RunSpec;
import org.vaelab.spec.yaml.SpecException;
import org.vaelab.spec.yaml.SpecLoader;
import org.vaelab.spec.yaml.SpecYaml;

/**
 * Random spec trees (seeded): the binder never throws, whatever the shape, and every spec it accepts expands
 * without a SweepException into runs whose configs break no rule and whose resolved spec.yaml loads back
 * to the same run id. The binder checks rules on the runs so
 * that users get file positions; this test is what keeps it in step with the expander.
 */
class BinderExpanderAgreementTest {
    private static final List<Object> VALUES = Arrays.asList(0L, 1L, 2L, 3L, -1L, 10L, 2.5, 0.0, 0.5, 1e-3, "relu",
            "linear", "cyclical", "none", "idx", "mnist", "fashion-mnist", "static", "dynamic", "iwae", "elbo", "conv",
            "mlp", "/data/x", "", true, false, null, List.of(64L), List.of(), List.of(3L, 3L), List.of(1L, 2L),
            Map.of("a", 1L), List.of(List.of(8L)));

    /** Values that fit each key, so that a good share of the random specs is valid. */
    private static final Map<String, List<Object>> FITTING = Map.ofEntries(
            Map.entry("dataset.path", Arrays.asList(null, "/data/x")),
            Map.entry("dataset.subset", Arrays.asList(null, 5L, 100L)),
            Map.entry("dataset.test_subset", Arrays.asList(null, 20L)),
            Map.entry("dataset.classes", Arrays.asList(null, List.of(5L), List.of(1L, 2L, 3L))),
            Map.entry("dataset.dequantize", List.of(true, false)),
            Map.entry("model.hidden", List.of(List.of(64L), List.of(128L, 64L))),
            Map.entry("model.channels", List.of(List.of(8L), List.of(16L, 32L))),
            Map.entry("model.latent_dim", List.of(1L, 2L, 16L)),
            Map.entry("loss.beta", List.of(0.0, 0.5, 4L)),
            Map.entry("loss.warmup.epochs", List.of(0L, 1L, 3L)),
            Map.entry("loss.warmup.cycles", List.of(1L, 4L)),
            Map.entry("loss.warmup.ratio", List.of(0.25, 1L)),
            Map.entry("loss.free_bits", List.of(0.0, 0.5)),
            Map.entry("loss.mc_samples", List.of(1L, 5L)),
            Map.entry("train.epochs", List.of(1L, 10L)),
            Map.entry("train.batch_size", List.of(32L, 128L)),
            Map.entry("train.learning_rate", List.of(1e-3, 0.01)),
            Map.entry("train.grad_clip", Arrays.asList(null, 1.0)),
            Map.entry("train.seed", List.of(1L, 99L)),
            Map.entry("eval.active_unit_threshold", List.of(0.0, 0.01)),
            Map.entry("eval.loglik_samples", List.of(0L, 10L)),
            Map.entry("eval.loglik_subset", List.of(10L, 1000L)));

    private static Object pick(SplittableRandom r, List<?> from) {
        return from.get(r.nextInt(from.size()));
    }

    /** Mostly a value that fits the key, sometimes anything at all. */
    private static Object valueFor(SplittableRandom r, String key) {
        if (r.nextInt(8) == 0 || !ConfigTree.keyPaths().contains(key)) {
            return pick(r, VALUES);
        }
        List<String> choices = ConfigTree.allowedValues(key);
        return choices.isEmpty() ? pick(r, FITTING.get(key)) : pick(r, choices);
    }

    private static String keyFor(SplittableRandom r) {
        return r.nextInt(25) == 0 ? (String) pick(r, List.of("model.latent_dims", "loss.warmup", "name"))
                : (String) pick(r, ConfigTree.keyPaths());
    }

    private static Map<String, Object> randomTree(SplittableRandom r) {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("name", r.nextInt(20) == 0 ? "Bad Name" : "fuzz");
        for (int i = r.nextInt(6); i > 0; i--) {
            String key = keyFor(r);
            tree = ConfigTree.withValue(tree, key, valueFor(r, key));
        }
        for (String list : List.of("grid", "zip")) {
            int length = 1 + r.nextInt(3);
            for (int k = r.nextInt(3); k > 0; k--) {
                String key = keyFor(r);
                List<Object> values = new ArrayList<>();
                for (int v = 0; v < (list.equals("zip") ? length : 1 + r.nextInt(3)); v++) {
                    values.add(valueFor(r, key));
                }
                tree = ConfigTree.withValue(tree, "sweep." + list + "." + key,
                        r.nextInt(20) == 0 ? pick(r, VALUES) : values);
            }
        }
        if (r.nextInt(4) == 0) {
            tree = ConfigTree.withValue(tree, "sweep.seeds", r.nextInt(5) > 0 ? List.of(1L, 2L) : pick(r, VALUES));
        }
        return tree;
    }

    @Test
    void whatTheBinderAcceptsTheExpanderExpands() {
        SplittableRandom random = new SplittableRandom(7_2024L);
        int accepted = 0;
        for (int i = 0; i < 3000; i++) {
            Map<String, Object> tree = randomTree(random);
            BindResult<ExperimentSpec> bound;
            try {
                bound = ConfigTree.bind(tree);
            } catch (RuntimeException e) {
                throw new AssertionError("binder threw on " + tree, e);
            }
            if (!bound.ok()) {
                assertTrue(bound.problems().stream().allMatch(p -> !p.message().isBlank()), tree.toString());
                continue;
            }
            accepted++;
            try {
                List<RunSpec> runs = SweepExpander.expand(bound.value());
                assertEquals(bound.value().sweep().runCount(), runs.size(), tree.toString());
                for (RunSpec run : runs) {
                    assertEquals(List.of(), run.config().problems(), tree.toString());
                    // The run store's spec.yaml of the run loads back as one run with the same id.
                    String resolved = SpecYaml.resolvedRun(run);
                    assertEquals(run.id(), SweepExpander.expand(SpecLoader.parse(resolved, "spec.yaml", List.of()))
                            .get(0).id(), resolved);
                }
            } catch (SpecException e) {
                fail("a run's resolved spec does not load: " + tree + "\n" + e.getMessage());
            } catch (SweepException e) {
                fail("accepted by the binder but refused by the expander: " + tree + "\n" + e.getMessage());
            }
        }
        assertTrue(accepted > 300, "the generator must produce valid specs too, got " + accepted);
    }
}
