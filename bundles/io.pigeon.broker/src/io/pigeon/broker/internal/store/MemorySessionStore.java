package io.pigeon.broker.internal.store;

import java.util.Collection;
import java.util.List;

import io.pigeon.broker.spi.SessionStore;
import io.pigeon.broker.spi.StoredSession;

/**
 * The default session store. Live sessions, online or not, are kept in the broker's own registry, so
 * a second in-memory copy would only double the footprint: this store remembers nothing across
 * restarts, and the broker skips building snapshots for it.
 */
public final class MemorySessionStore implements SessionStore {

    @Override
    public Collection<StoredSession> loadAll() {
        return List.of();
    }

    @Override
    public void save(StoredSession session) {
        // the broker's session registry is the in-memory copy
    }

    @Override
    public void remove(String clientId) {
        // the broker's session registry is the in-memory copy
    }
}
