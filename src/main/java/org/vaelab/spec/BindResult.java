package org.vaelab.spec;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The outcome of binding a spec tree: a value when nothing is wrong, otherwise every problem found.
 *
 * @param value    the bound value, or null when {@code problems} is not empty
 * @param problems all problems, in the order they were found (document order for a parsed file)
 * @param <T>      what was bound
 */
public record BindResult<T>(T value, List<SpecProblem> problems) {
    public BindResult {
        problems = List.copyOf(problems);
        if ((value == null) == problems.isEmpty()) {
            throw new IllegalArgumentException("a BindResult holds either a value or problems");
        }
    }

    static <T> BindResult<T> of(T value) {
        return new BindResult<>(value, List.of());
    }

    static <T> BindResult<T> failed(List<SpecProblem> problems) {
        return new BindResult<>(null, problems);
    }

    /** True when binding succeeded. */
    public boolean ok() {
        return value != null;
    }

    /** The value, or an IllegalArgumentException listing every problem (for code that built the tree itself). */
    public T orThrow() {
        if (value == null) {
            throw new IllegalArgumentException(problems.stream().map(SpecProblem::toString)
                    .collect(Collectors.joining("; ")));
        }
        return value;
    }
}
