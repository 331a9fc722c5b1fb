package io.pigeon.broker.spi;

import java.util.Collection;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Keeps persistent sessions across broker restarts. Live sessions stay in the broker's memory; the store
 * sees a snapshot when a persistent session goes offline, and is asked for all of them once at start.
 * Called from broker event loops: implementations must be thread safe and should write asynchronously.
 */
@ConsumerType
public interface SessionStore {

    /** All stored sessions; called once when the broker starts. */
    Collection<StoredSession> loadAll();

    /** Replaces the stored state of {@code session.clientId()}. */
    void save(StoredSession session);

    /** Forgets a session (clean start, expiry). Unknown ids are ignored. */
    void remove(String clientId);
}
