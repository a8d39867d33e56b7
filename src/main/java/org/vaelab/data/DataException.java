package org.vaelab.data;

/**
 * A problem with the data a user can fix (a missing, corrupt or mismatched file, a subset larger than the data);
 * the message is one line naming the file or spec key, what is wrong and the fix, fit to print without a
 * stack trace.
 */
public class DataException extends Exception {
    private static final long serialVersionUID = 1L;

    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
