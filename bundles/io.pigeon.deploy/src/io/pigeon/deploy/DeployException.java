package io.pigeon.deploy;

/** A jar or an operation the deployer refused; the message says why and what to do. */
public final class DeployException extends Exception {

    private static final long serialVersionUID = 1L;

    public DeployException(String message) {
        super(message);
    }

    public DeployException(String message, Throwable cause) {
        super(message, cause);
    }
}
