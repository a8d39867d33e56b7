package org.vaelab.spec.yaml;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A spec that cannot be used, with every problem found in it. The message is one formatted
 * {@link SpecError} per line, meant to be printed to the user as it is (no stack trace).
 */
public final class SpecException extends Exception {
    private static final long serialVersionUID = 1L;

    private final List<SpecError> errors;

    public SpecException(List<SpecError> errors) {
        super(errors.stream().map(SpecError::format).collect(Collectors.joining("\n")));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a SpecException needs at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    /** The problems, file problems sorted by line and column, then {@code --set} problems in argument order. */
    public List<SpecError> errors() {
        return errors;
    }
}
