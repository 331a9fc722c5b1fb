package io.pigeon.broker.spi;

import java.util.concurrent.CompletableFuture;

import io.pigeon.broker.Message;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Where the broker keeps what must survive a restart: persistent sessions (their subscriptions, the QoS 1/2
 * messages queued or in flight to them, the QoS 2 packet ids they sent and have not released, their pending
 * wills) and retained messages. Only persistent sessions (MQTT 3.1.1 clean session 0, MQTT 5 session expiry
 * above 0) and retained messages are written; clean sessions never reach the store.
 * <p>
 * One method per change, so the broker can acknowledge a QoS 1/2 message as soon as the writes it caused are
 * on disk. Threading: every write method is called on broker event loops and must return at once (queue the
 * change, never touch the disk on the caller's thread). Changes are applied in the order of the calls. A write
 * that fails is reported through the next {@link #synced()} future and {@link #isWritable()}, never thrown.
 * <p>
 * Register an implementation as an OSGi service; without one the broker keeps everything in memory.
 */
@ConsumerType
public interface DurableStore {

    /**
     * Everything stored, read once when the broker starts, before it accepts clients (not on an event loop).
     * An implementation that finds damaged data recovers what it can and logs what it could not.
     */
    StoredState load();

    /**
     * A future that completes once every change submitted before this call (by any thread) is on disk,
     * or completes exceptionally with an {@link java.io.IOException} when one of them could not be written.
     * Implementations complete it on their own thread; callers must hop back to their event loop.
     */
    CompletableFuture<Void> synced();

    /** False while the store cannot write (for example the disk is full); the broker then refuses QoS 1/2. */
    boolean isWritable();

    /** Creates or updates a persistent session's own record. */
    void putSession(StoredSession.Record session);

    /** Forgets a session and everything stored for it (subscriptions, messages, packet ids, will). */
    void removeSession(String clientId);

    void putSubscription(String clientId, StoredSubscription subscription);

    /** @param topicFilter the filter as the client sent it, including any {@code $share/<group>/} prefix */
    void removeSubscription(String clientId, String topicFilter);

    /** Adds a QoS 1/2 message on its way to a client (queued, not yet sent). */
    void addMessage(String clientId, StoredMessage message);

    /**
     * Records that a stored message was sent with {@code packetId} (PUBLISH in flight), or, with
     * {@code released} true, that the client sent PUBREC and only PUBREL/PUBCOMP is left: its payload may go.
     */
    void messageSent(String clientId, long seq, int packetId, boolean released);

    /** The client acknowledged (PUBACK, PUBCOMP) or the broker dropped a stored message. */
    void removeMessage(String clientId, long seq);

    /** A QoS 2 PUBLISH from the client was accepted; its packet id waits for PUBREL. */
    void addAwaitingPubrel(String clientId, int packetId);

    void removeAwaitingPubrel(String clientId, int packetId);

    /** Sets the will the session's client gave in CONNECT, or the delayed will of a disconnected client. */
    void putWill(String clientId, StoredWill will);

    void removeWill(String clientId);

    /** Stores or replaces the retained message of {@code message.topic()}. */
    void putRetained(StoredRetained message);

    void removeRetained(String topic);

    /** What a store holds, as read at start. */
    record StoredState(java.util.List<StoredSession> sessions, java.util.List<StoredRetained> retained) {
        public StoredState {
            sessions = java.util.List.copyOf(sessions);
            retained = java.util.List.copyOf(retained);
        }

        public static final StoredState EMPTY = new StoredState(java.util.List.of(), java.util.List.of());
    }

    /**
     * A retained message.
     *
     * @param message        the message; its Message Expiry Interval counts from {@code storedAtMillis}
     * @param storedAtMillis wall-clock time it was stored
     */
    record StoredRetained(Message message, long storedAtMillis) {
    }
}
