package io.pigeon.client;

import org.osgi.annotation.versioning.ConsumerType;

/** Told about every state change of a client, on the client's thread. Must not block. */
@ConsumerType
@FunctionalInterface
public interface ConnectionStateListener {

    /**
     * @param state  the new state
     * @param reason why, for DISCONNECTED (for example "CONNACK 0x86 bad user name or password: check
     *               remote_username") and null otherwise
     */
    void stateChanged(ConnectionState state, String reason);
}
