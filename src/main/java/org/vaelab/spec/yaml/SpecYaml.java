package org.vaelab.spec.yaml;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import org.vaelab.spec.ConfigTree;
import org.vaelab.spec.RunSpec;

/**
 * Writes spec trees back as YAML that {@link SpecLoader} reads to the same config: the run store's
 * {@code spec.yaml} (the resolved config of one run) is made here, so YAML stays in this package.
 */
public final class SpecYaml {
    private static final YAMLMapper YAML = new YAMLMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
            .build());

    private SpecYaml() {
    }

    /** The tree as block YAML, keys in the tree's order, strings quoted only where YAML needs it. */
    public static String write(Map<String, ?> tree) {
        try {
            return YAML.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of maps, lists and scalars always serialises", e);
        }
    }

    /**
     * A complete spec file for one run: a comment naming the run, {@code name:} the sweep, and the full
     * resolved config. Loading it gives a one-run spec whose run has the same id.
     */
    public static String resolvedRun(RunSpec run) {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("name", run.sweep());
        tree.putAll(ConfigTree.toTree(run.config()));
        return "# vaelab run " + run.id() + " (" + run.name() + ", #" + run.index() + " of sweep " + run.sweep()
                + "): the resolved config, every key stated.\n" + write(tree);
    }
}
