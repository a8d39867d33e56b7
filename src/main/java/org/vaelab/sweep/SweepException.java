package org.vaelab.sweep;

import java.util.List;

/**
 * A spec whose sweep cannot be expanded: too many runs, runs whose config breaks a rule, or two runs with
 * the same resolved config. The message has one line per problem, ready to print without a stack trace.
 */
public final class SweepException extends Exception {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public SweepException(List<String> problems) {
        super(String.join("\n", problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a SweepException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    /** One line per problem. */
    public List<String> problems() {
        return problems;
    }
}
