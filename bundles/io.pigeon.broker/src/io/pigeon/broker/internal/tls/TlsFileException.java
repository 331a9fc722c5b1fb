package io.pigeon.broker.internal.tls;

/** A TLS file that cannot be used; the message names the file, what is wrong and the fix. */
public final class TlsFileException extends Exception {

    private static final long serialVersionUID = 1L;

    public TlsFileException(String message) {
        super(message);
    }
}
