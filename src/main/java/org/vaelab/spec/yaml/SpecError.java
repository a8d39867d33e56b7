package org.vaelab.spec.yaml;

import java.util.Objects;

/**
 * One problem of a spec, tied to where the user can fix it: a file position or a {@code --set} argument.
 *
 * @param source  the spec file as the user named it, or {@code --set key.path=value} for an override
 * @param line    1-based line in the file, or 0 when the source has no lines (overrides, unreadable files)
 * @param column  1-based column, or 0 with line 0
 * @param path    dotted key path ({@code model.hidden[1]}), or "" when the source itself is the subject
 * @param message what is wrong, e.g. {@code must be >= 0 (got -1)}
 */
public record SpecError(String source, int line, int column, String path, String message) {
    public SpecError {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(message, "message");
    }

    /** {@code file:line:col: key.path: message}; without line and column when there are none. */
    public String format() {
        StringBuilder out = new StringBuilder(source);
        if (line > 0) {
            out.append(':').append(line).append(':').append(column);
        }
        out.append(": ");
        if (!path.isEmpty()) {
            out.append(path).append(": ");
        }
        return out.append(message).toString();
    }

    @Override
    public String toString() {
        return format();
    }
}
