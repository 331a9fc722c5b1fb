package io.pigeon.broker.internal.store;

import java.util.concurrent.CompletableFuture;

import io.pigeon.broker.spi.DurableStore;
import io.pigeon.broker.spi.StoredMessage;
import io.pigeon.broker.spi.StoredSession;
import io.pigeon.broker.spi.StoredSubscription;
import io.pigeon.broker.spi.StoredWill;

/**
 * The store the broker runs on when no durable one is registered ({@code persistence false}, or the store
 * bundle absent). The broker's own sessions and retained index already hold everything in memory, so this
 * store keeps nothing: it is never asked to write (sessions check {@link #isMemory}) and every
 * {@link #synced()} is complete at once.
 */
public final class MemoryStore implements DurableStore {

    public static final MemoryStore INSTANCE = new MemoryStore();

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private MemoryStore() {
    }

    public static boolean isMemory(DurableStore store) {
        return store == INSTANCE;
    }

    @Override
    public StoredState load() {
        return StoredState.EMPTY;
    }

    @Override
    public CompletableFuture<Void> synced() {
        return DONE;
    }

    @Override
    public boolean isWritable() {
        return true;
    }

    @Override
    public void putSession(StoredSession.Record session) {
    }

    @Override
    public void removeSession(String clientId) {
    }

    @Override
    public void putSubscription(String clientId, StoredSubscription subscription) {
    }

    @Override
    public void removeSubscription(String clientId, String topicFilter) {
    }

    @Override
    public void addMessage(String clientId, StoredMessage message) {
    }

    @Override
    public void messageSent(String clientId, long seq, int packetId, boolean released) {
    }

    @Override
    public void removeMessage(String clientId, long seq) {
    }

    @Override
    public void addAwaitingPubrel(String clientId, int packetId) {
    }

    @Override
    public void removeAwaitingPubrel(String clientId, int packetId) {
    }

    @Override
    public void putWill(String clientId, StoredWill will) {
    }

    @Override
    public void removeWill(String clientId) {
    }

    @Override
    public void putRetained(StoredRetained message) {
    }

    @Override
    public void removeRetained(String topic) {
    }
}
