package io.pigeon.broker.internal.session;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.netty.util.concurrent.EventExecutor;
import io.pigeon.broker.internal.BrokerSettings;
import io.pigeon.broker.internal.store.MemoryStore;
import io.pigeon.broker.internal.sys.BrokerMetrics;
import io.pigeon.broker.internal.topic.SubscriptionEntry;
import io.pigeon.broker.internal.topic.TopicTree;
import io.pigeon.broker.spi.DurableStore;
import io.pigeon.broker.spi.StoredSession;

/**
 * All sessions by client id, and the moves between event loops that a takeover needs.
 * <p>
 * Threading: the map is concurrent. A session is changed only on its own loop; {@link #open} runs the
 * takeover on the old session's loop, switches the session to the new connection's loop there, and
 * continues on the new loop, so each step happens-before the next through the loops' task queues.
 */
public final class Sessions {

    /** Called on the new connection's loop once its session is ready. */
    public interface OpenCallback {
        void opened(Session session, boolean sessionPresent);
    }

    /** What happens around a session's life, for the broker to keep its indexes and events in step. */
    public interface Listener {
        /** The old connection of a session is being replaced (on the old loop, before the switch). */
        void takenOver(Session session, ClientConnection old);
    }

    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    private final Supplier<BrokerSettings> settings;
    private final BrokerMetrics metrics;
    private final LongSupplier nanoTime;
    private final TopicTree tree;
    private volatile Listener listener;
    private volatile DurableStore store = MemoryStore.INSTANCE;
    private static final long MIN_WRITE_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long MAX_WRITE_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Recent time from a write to its sync, see {@link #writeDelayNanos()}; races between loops only blur it. */
    private volatile long syncNanos = MIN_WRITE_DELAY_NANOS;
    private final ConcurrentHashMap<EventExecutor, DelayedWrites> delayedWrites = new ConcurrentHashMap<>();

    public Sessions(Supplier<BrokerSettings> settings, BrokerMetrics metrics, LongSupplier nanoTime, TopicTree tree) {
        this.settings = settings;
        this.metrics = metrics;
        this.nanoTime = nanoTime;
        this.tree = tree;
    }

    public void listener(Listener l) {
        this.listener = l;
    }

    /** Sets the store before any session exists. */
    public void store(DurableStore s) {
        this.store = s == null ? MemoryStore.INSTANCE : s;
    }

    DurableStore store() {
        return store;
    }

    /** Whether sessions with an expiry are written to a durable store. */
    boolean isStorePersistent() {
        return !MemoryStore.isMemory(store);
    }

    BrokerSettings settings() {
        return settings.get();
    }

    BrokerMetrics metrics() {
        return metrics;
    }

    long nanoTime() {
        return nanoTime.getAsLong();
    }

    /**
     * How long a message for a connected persistent session waits before it is written, in case its client
     * acknowledges it first (then it never needs writing): twice the time the store recently took to sync a write, so
     * a client that keeps up is never waited for longer than the sync it spares, within 1-100 ms.
     */
    long writeDelayNanos() {
        return Math.min(MAX_WRITE_DELAY_NANOS, Math.max(MIN_WRITE_DELAY_NANOS, 2 * syncNanos));
    }

    /** The timer of {@code loop} for messages its sessions hold back from the store. */
    DelayedWrites delayedWrites(EventExecutor loop) {
        return delayedWrites.computeIfAbsent(loop, l -> new DelayedWrites(l, this));
    }

    /** Records how long a write took until the store had synced it (any thread). */
    void syncTook(long nanos) {
        syncNanos = (syncNanos * 7 + nanos) / 8;
    }

    public Session get(String clientId) {
        return sessions.get(clientId);
    }

    public Collection<Session> all() {
        return sessions.values();
    }

    public int size() {
        return sessions.size();
    }

    /**
     * Creates an offline session read from the store. Runs before the broker serves clients.
     *
     * @param lastSeq       the highest sequence number of its stored messages
     * @param expirySeconds seconds left until it expires, -1 for never
     */
    public Session restore(StoredSession.Record record, long lastSeq, long expirySeconds, EventExecutor loop) {
        String clientId = record.clientId();
        Session s = new Session(clientId, this, loop);
        s.restored(record, lastSeq);
        if (sessions.putIfAbsent(clientId, s) != null) {
            return sessions.get(clientId);
        }
        s.scheduleExpiry(() -> expire(s), expirySeconds);
        return s;
    }

    /**
     * Opens the session of a connecting client: new, resumed, or taken over from another connection.
     *
     * @param loop the new connection's event loop; {@code callback} runs there
     */
    public void open(String clientId, boolean cleanStart, long expirySeconds, ClientConnection conn, int level,
            EventExecutor loop, OpenCallback callback) {
        Session fresh = new Session(clientId, this, loop);
        Session existing = sessions.putIfAbsent(clientId, fresh);
        if (existing == null) {
            fresh.expirySeconds(expirySeconds);
            fresh.attach(conn, level);
            callback.opened(fresh, false);
            return;
        }
        runOn(existing, () -> {
            ClientConnection old = existing.connection();
            if (old != null) {
                existing.detach();
                Listener l = listener;
                if (l != null) {
                    l.takenOver(existing, old);
                }
            }
            if (cleanStart || existing.isEnded()) {
                endNow(existing);
                Session replacement = new Session(clientId, this, loop);
                replacement.expirySeconds(expirySeconds);
                Session raced = sessions.putIfAbsent(clientId, replacement);
                Session use = raced == null ? replacement : raced;
                execute(loop, () -> {
                    use.expirySeconds(expirySeconds);
                    use.attach(conn, level);
                    callback.opened(use, false);
                });
            } else {
                existing.loop(loop);
                execute(loop, () -> {
                    existing.expirySeconds(expirySeconds);
                    existing.attach(conn, level);
                    callback.opened(existing, true);
                });
            }
        });
    }

    /**
     * The connection of {@code session} is gone (session loop). Ends the session when its expiry is 0,
     * otherwise keeps it offline until the expiry interval passes.
     */
    public void connectionLost(Session session, ClientConnection conn) {
        if (session.connection() != conn) {
            return;
        }
        session.detach();
        if (session.expirySeconds() == 0) {
            endNow(session);
        } else {
            session.wentOffline();
            session.scheduleExpiry(() -> expire(session));
        }
    }

    private void expire(Session session) {
        if (session.connection() == null && !session.isEnded()) {
            metrics.clientExpired();
            endNow(session);
        }
    }

    /**
     * Releases the message payloads every session holds, once the broker's event loops have stopped, so pooled
     * buffers go back to the pool when the broker bundle stops or is updated. Sessions keep their other state.
     */
    public void releaseAll() {
        for (Session session : sessions.values()) {
            session.releaseHeld();
        }
    }

    /** Ends a session now (session loop): removes its subscriptions and forgets it. */
    public void endNow(Session session) {
        for (SubscriptionEntry e : session.subscriptions().values()) {
            tree.remove(session, e.shareGroup(), e.filter());
        }
        session.subscriptions().clear();
        session.end();
        sessions.remove(session.clientId(), session);
    }

    /** Offline persistent sessions (for $SYS clients/disconnected). */
    public long offlineCount() {
        long n = 0;
        for (Session s : sessions.values()) {
            if (!s.isOnline()) {
                n++;
            }
        }
        return n;
    }

    /**
     * Runs {@code task} on the session's loop (following it if a takeover moves the session meanwhile) and completes
     * with its result; completes exceptionally if the broker is shutting down.
     */
    public <T> CompletableFuture<T> onLoop(Session s, Supplier<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            runOnOrFail(s, () -> {
                try {
                    result.complete(task.get());
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    private static void runOnOrFail(Session s, Runnable task) {
        EventExecutor l = s.loop();
        if (l.inEventLoop()) {
            task.run();
        } else {
            l.execute(() -> runOnOrFail(s, task));
        }
    }

    private static void runOn(Session s, Runnable task) {
        EventExecutor l = s.loop();
        if (l.inEventLoop()) {
            task.run();
        } else {
            execute(l, () -> runOn(s, task));
        }
    }

    private static void execute(EventExecutor loop, Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            try {
                loop.execute(task);
            } catch (RejectedExecutionException e) {
                // the broker is shutting down; the connection closes with its loop
            }
        }
    }
}
