package org.vaelab.spec.yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.vaelab.spec.ConfigTree;
import org.vaelab.spec.RunConfig;
import org.vaelab.sweep.SweepExpander;

/** Keeps the spec reference (docs/spec.md) true: every key, its default and allowed values, and its examples. */
class SpecReferenceDocTest {
    static final Path REFERENCE = Path.of("docs", "spec.md");
    static final Pattern ROW = Pattern.compile("^\\| `([a-z_]+(?:\\.[a-z_]+)+)` \\| ([^|]+) \\| `([^`]*)` \\| ([^|]*) \\|");

    /** The whole reference; it must be the spec reference, not some other page that happens to sit there. */
    static String section() throws java.io.IOException {
        String all = Files.readString(REFERENCE);
        assertTrue(all.startsWith("# Experiment specs\n"), REFERENCE + " starts with '# Experiment specs'");
        return all;
    }

    @Test
    void theKeyTableListsEveryKeyWithItsRealDefaultAndChoices() throws Exception {
        List<String> keys = new ArrayList<>();
        for (String line : section().lines().toList()) {
            Matcher m = ROW.matcher(line);
            if (!m.find()) {
                continue;
            }
            String key = m.group(1);
            keys.add(key);
            // The documented default, applied as an override, must leave the defaults unchanged.
            assertEquals(RunConfig.DEFAULT, SpecLoader.parse("", "doc.yaml", List.of(key + "=" + m.group(3))).base(), key);
            List<String> choices = ConfigTree.allowedValues(key);
            if (!choices.isEmpty()) {
                List<String> documented = new ArrayList<>();
                Matcher tick = Pattern.compile("`([^`]+)`").matcher(m.group(4));
                while (tick.find()) {
                    documented.add(tick.group(1));
                }
                assertEquals(choices, documented, key);
            }
        }
        assertEquals(ConfigTree.keyPaths(), keys, "the table lists every key, in reference order");
    }

    @Test
    void theExamplesInTheDocAreWhatTheCodeDoes() throws Exception {
        String doc = section();
        List<String> blocks = new ArrayList<>();
        Matcher m = Pattern.compile("```(?:yaml)?\\n(.*?)```", Pattern.DOTALL).matcher(doc);
        while (m.find()) {
            blocks.add(m.group(1));
        }
        assertEquals(12, SweepExpander.expand(SpecLoader.parse(blocks.get(0), "beta-sweep.yaml", List.of())).size());
        String typo = blocks.stream().filter(b -> b.startsWith("name: typo")).findFirst().orElseThrow();
        int at = blocks.indexOf(typo);
        SpecException e = assertThrows(SpecException.class,
                () -> SpecLoader.parse(typo, "experiments/typo.yaml", List.of("train.lr=0.01")));
        assertEquals(blocks.get(at + 1).strip(), e.getMessage());
    }
}
