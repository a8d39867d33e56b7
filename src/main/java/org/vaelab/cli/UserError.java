package org.vaelab.cli;

/**
 * Bad input from the user (spec, data, flags, folders): printed as one line, exit code 2, no stack trace.
 * The message names the place and the fix.
 */
public final class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean located;

    /** An error whose message is shown to the user as is. */
    public UserError(String message) {
        super(message);
        this.located = false;
    }

    /** An error with its underlying cause kept for --debug. */
    public UserError(String message, Throwable cause) {
        super(message, cause);
        this.located = false;
    }

    private UserError(String message, Throwable cause, boolean located) {
        super(message, cause);
        this.located = located;
    }

    /** Errors that already start with their place ({@code file:line:col: ...}), printed without a prefix. */
    public static UserError located(String message, Throwable cause) {
        return new UserError(message, cause, true);
    }

    /** The line(s) to print. */
    public String display() {
        return located ? getMessage() : "vaelab: " + getMessage();
    }
}
