package io.pigeon.config.internal;

/** A value that does not fit its directive; the message says what is allowed and how to fix it. */
final class BadValue extends Exception {
    private static final long serialVersionUID = 1L;

    BadValue(String message) {
        super(message, null, false, false);
    }
}
