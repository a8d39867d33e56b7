package org.vaelab.spec;

import java.util.Objects;

/**
 * One thing wrong with a spec, before it is tied to a file position.
 *
 * @param path    dotted key path, list elements as {@code [i]}: {@code model.hidden[1]},
 *                {@code sweep.grid.loss.beta[0]}; empty for the document itself
 * @param message what is wrong, the bad value and what is allowed, e.g. {@code must be >= 0 (got -1)}
 */
public record SpecProblem(String path, String message) {
    public SpecProblem {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(message, "message");
    }

    /** {@code path: message}, or just the message for the document itself. */
    @Override
    public String toString() {
        return path.isEmpty() ? message : path + ": " + message;
    }
}
