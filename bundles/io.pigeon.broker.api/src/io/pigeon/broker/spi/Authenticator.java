package io.pigeon.broker.spi;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Decides whether a client may connect. Called on the connection's event loop: must not block for long
 * (hashing a password is fine, a network round trip is not).
 */
@ConsumerType
public interface Authenticator {

    enum Result {
        /** Let the client in. */
        ACCEPT,
        /** CONNACK 0x04 (3.x) / 0x86 (5.0): bad user name or password. */
        BAD_CREDENTIALS,
        /** CONNACK 0x05 (3.x) / 0x87 (5.0): not authorized. */
        NOT_AUTHORIZED
    }

    /**
     * @param client   the client, with its user name
     * @param password the password bytes from CONNECT, or null when the client sent none
     */
    Result authenticate(ClientIdentity client, byte[] password);
}
