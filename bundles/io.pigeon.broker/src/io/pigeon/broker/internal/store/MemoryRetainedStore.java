package io.pigeon.broker.internal.store;

import java.util.Collection;
import java.util.List;

import io.pigeon.broker.Message;
import io.pigeon.broker.spi.RetainedStore;

/**
 * The default retained store. The broker already indexes retained messages in memory, so keeping a
 * second copy here would only double the footprint: this store remembers nothing across restarts.
 */
public final class MemoryRetainedStore implements RetainedStore {

    @Override
    public Collection<Message> loadAll() {
        return List.of();
    }

    @Override
    public void put(Message message) {
        // the broker's own index is the in-memory copy
    }

    @Override
    public void remove(String topic) {
        // the broker's own index is the in-memory copy
    }
}
