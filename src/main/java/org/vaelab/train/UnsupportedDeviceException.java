package org.vaelab.train;

/** train.device asks for a backend this build does not have; the message says how to get it. */
public final class UnsupportedDeviceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnsupportedDeviceException(String message) {
        super(message);
    }
}
