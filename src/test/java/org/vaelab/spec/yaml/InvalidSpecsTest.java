package org.vaelab.spec.yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One spec file per defect under {@code src/test/resources/specs/invalid/}. Each file states, in leading
 * comments, the {@code --set} arguments to apply ({@code # set: key=value}) and EVERY message the loader must
 * report ({@code # expect: line:col: key.path: message}, or the full {@code --set ...} line), in order. The
 * file name is left out of the expected lines because it is the same for all of them.
 */
class InvalidSpecsTest {
    static final Path DIR = Path.of("src/test/resources/specs/invalid");

    static Stream<Path> invalidSpecs() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSpecs")
    void reportsExactlyTheExpectedProblems(Path file) throws IOException {
        List<String> sets = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.startsWith("# set: ")) {
                sets.add(line.substring("# set: ".length()));
            } else if (line.startsWith("# expect: ")) {
                expected.add(line.substring("# expect: ".length()));
            }
        }
        assertFalse(expected.isEmpty(), file + " has no '# expect:' line");

        SpecException e = assertThrows(SpecException.class, () -> SpecLoader.load(file, sets));

        String prefix = file + ":";
        List<String> actual = e.errors().stream().map(SpecError::format)
                .map(s -> s.startsWith(prefix) ? s.substring(prefix.length()) : s).toList();
        assertEquals(expected, actual, "problems reported for " + file.getFileName());
        assertEquals(String.join("\n", e.errors().stream().map(SpecError::format).toList()), e.getMessage());
        for (String line : e.getMessage().split("\n")) {
            // Users see these lines as they are: no parser class names, no stack-trace fragments.
            assertFalse(line.matches(".*(com\\.fasterxml|org\\.yaml|Exception|\\tat ).*"), line);
        }
    }

    @Test
    void everyDefectFileExpectsOneProblemExceptTheCombinedOne() throws IOException {
        // Keeps the suite honest as "one file per defect": a fixture that reports two things tests neither well.
        for (Path file : invalidSpecs().toList()) {
            long expects = Files.readAllLines(file).stream().filter(l -> l.startsWith("# expect: ")).count();
            if (!file.getFileName().toString().equals("all-problems-at-once.yaml")) {
                assertEquals(1, expects, file.toString());
            } else {
                assertTrue(expects >= 5, file.toString());
            }
        }
    }
}
