package io.pigeon.gpio;

/** A pin or device could not be opened or used; the message says which and what to do. */
public class PinException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PinException(String message) {
        super(message);
    }

    public PinException(String message, Throwable cause) {
        super(message, cause);
    }
}
