package org.vaelab.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vaelab.spec.ConfigTree;
import org.vaelab.spec.RunSpec;
import org.vaelab.spec.yaml.SpecLoader;

/**
 * Golden files for sweep expansion: {@code src/test/resources/specs/expansion/NAME.yaml} (its {@code # set:}
 * lines are applied as {@code --set}) must expand to exactly {@code src/test/resources/golden/expansion-NAME-v1.json}:
 * every run's index, id, name, sweep, varied keys (in expansion order) and full resolved config.
 *
 * <p>A failure means the order, the names, the ids or a resolved value changed. If that is intended (say a
 * new key with a default, which changes every id), regenerate and review the diff before committing:
 * <pre>mvn -q -B -o test -Dtest=ExpansionGoldenTest -Dvaelab.regenerateGoldens=true &amp;&amp; git diff src/test/resources/golden</pre>
 * Bump the {@code -v1} suffix only when the layout of the golden files themselves changes.
 */
class ExpansionGoldenTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter(Separators.createDefaultInstance()
            .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"));

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"grid", "zip", "seeds", "overrides"})
    void expansionMatchesTheGolden(String name) throws Exception {
        Path spec = Path.of("src/test/resources/specs/expansion", name + ".yaml");
        List<String> sets = Files.readAllLines(spec).stream().filter(l -> l.startsWith("# set: "))
                .map(l -> l.substring("# set: ".length())).toList();
        String actual = render(SweepExpander.expand(SpecLoader.load(spec, sets)));

        Path golden = Path.of("src/test/resources/golden", "expansion-" + name + "-v1.json");
        if (Boolean.getBoolean("vaelab.regenerateGoldens")) {
            Files.writeString(golden, actual, StandardCharsets.UTF_8);
            System.out.println("regenerated " + golden);
            return;
        }
        assertTrue(Files.exists(golden), golden + " is missing; run with -Dvaelab.regenerateGoldens=true");
        assertEquals(Files.readString(golden, StandardCharsets.UTF_8), actual, "expansion of " + spec);
    }

    static String render(List<RunSpec> runs) throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        for (RunSpec r : runs) {
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("index", r.index());
            run.put("id", r.id());
            run.put("name", r.name());
            run.put("sweep", r.sweep());
            run.put("varied", r.varied());
            run.put("config", ConfigTree.toTree(r.config()));
            out.add(run);
        }
        return JSON.writer(PRETTY).writeValueAsString(out) + "\n";
    }
}
