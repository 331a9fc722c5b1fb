package io.pigeon.bridge.internal;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.osgi.service.log.Logger;

import io.pigeon.broker.Message;
import io.pigeon.client.ConnectionState;
import io.pigeon.client.MqttClient;
import io.pigeon.client.MqttClientException;

/**
 * Sends the forward queue upstream in order: up to {@link #WINDOW} messages handed to the client and not yet
 * acknowledged, each removed from the disk only when the upstream acknowledged it (PUBACK, PUBCOMP). The client keeps
 * what it was given across a reconnect and sends it again itself; what it gave back as failed is sent again from
 * here after the next reconnect. A message may so arrive twice (QoS 1 semantics), but none is lost. The connection
 * is the bridge's current client, which a lazy bridge opens and closes as it goes.
 * <p>
 * Runs on the bridge's own single thread ({@code executor}); {@link #kick()} may be called from any thread.
 */
final class Forwarder {

    static final int WINDOW = 32;
    /** MQTT 5's reason code "packet too large", which the client gives for a message above the packet size limit. */
    static final int PACKET_TOO_LARGE = 0x95;

    private final String bridge;
    private final ForwardQueue queue;
    private final Supplier<MqttClient> client;
    private final Executor executor;
    private final Logger log;
    private final LongSupplier clock;
    private final Consumer<Runnable> retryLater;
    private final AtomicBoolean kicked = new AtomicBoolean();

    // bridge thread only
    /** Keys handed to the client whose acknowledgement is still open. */
    private final Set<Long> inFlight = new HashSet<>();
    /** The last key handed to the client; the next send starts after it. */
    private long cursor;

    /**
     * @param client     the bridge's connection upstream now, or null while it has none
     * @param executor   the bridge's thread
     * @param retryLater runs a task on the bridge's thread a little later (a second)
     */
    Forwarder(String bridge, ForwardQueue queue, Supplier<MqttClient> client, Executor executor,
            Consumer<Runnable> retryLater, Logger log, LongSupplier clock) {
        this.bridge = bridge;
        this.retryLater = retryLater;
        this.queue = queue;
        this.client = client;
        this.executor = executor;
        this.log = log;
        this.clock = clock;
    }

    /** Something was queued: commit it and send what the window allows, once, soon. */
    void kick() {
        if (kicked.compareAndSet(false, true)) {
            executor.execute(() -> {
                kicked.set(false);
                pump();
            });
        }
    }

    /** The upstream accepted a new connection: look again from the head for what is neither sent nor acknowledged. */
    void connected() {
        executor.execute(() -> {
            cursor = 0;
            long waiting = queue.size();
            if (waiting > 0) {
                log.info("Bridge {}: connected; sending the {} queued message(s) in order.", bridge, waiting);
            }
            pump();
        });
    }

    private void pump() {
        queue.commit();
        long dropped = queue.takeDropped();
        if (dropped > 0) {
            log.warn("Bridge {}: the queue for the upstream is full ({} bytes); dropped the {} oldest message(s)."
                    + " Raise bridge_max_queued_bytes in the connection section if the upstream is often away this"
                    + " long.", bridge, queue.bytes(), dropped);
        }
        MqttClient upstream = client.get();
        while (upstream != null && upstream.state() == ConnectionState.CONNECTED && inFlight.size() < WINDOW) {
            Long key = queue.next(cursor);
            if (key == null) {
                return;
            }
            cursor = key;
            if (inFlight.contains(key)) {
                continue;
            }
            byte[] data = queue.get(key);
            if (data == null) {
                continue;
            }
            Message message;
            try {
                message = QueuedMessageCodec.decode(data, clock.getAsLong());
            } catch (IOException e) {
                log.error("Bridge {}: queued message {} cannot be read ({}); it is dropped.", bridge, key,
                        e.getMessage());
                queue.remove(key);
                continue;
            }
            if (message == null) {
                log.debug("Bridge {}: queued message {} expired before the upstream came back; dropped.", bridge, key);
                queue.remove(key);
                continue;
            }
            send(upstream, key, message);
        }
    }

    private void send(MqttClient upstream, long key, Message message) {
        inFlight.add(key);
        upstream.publish(message).whenComplete((ok, failure) -> executor.execute(() -> done(key, message, failure)));
    }

    private void done(long key, Message message, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                : failure;
        inFlight.remove(key);
        if (cause == null) {
            queue.remove(key);
        } else if (cause instanceof MqttClientException big && big.reasonCode() == PACKET_TOO_LARGE) {
            log.warn("Bridge {}: {}; it is dropped. Raise bridge_max_packet_size, or keep such messages off the"
                    + " bridge's topics.", bridge, cause.getMessage());
            queue.remove(key);
        } else if (cause instanceof MqttClientException refused && refused.reasonCode() >= 0x80) {
            // The upstream will refuse it again: keeping it would block the queue for good.
            log.warn("Bridge {}: the upstream refused the message to '{}' ({}); it is dropped. Check the upstream's"
                    + " ACL for this bridge's user or the topic line's remote prefix.", bridge, message.topic(),
                    cause.getMessage());
            queue.remove(key);
        } else {
            // The client gave it back unsent: its connection is going away, or its buffer was full. It stays on disk
            // and goes again after the next reconnect, or a little later; not at once, which would spin.
            cursor = Math.min(cursor, key - 1);
            log.debug("Bridge {}: message {} not acknowledged ({}); kept to be sent again.", bridge, key,
                    cause.getMessage());
            MqttClient upstream = client.get();
            if (upstream != null && upstream.state() == ConnectionState.CONNECTED) {
                retryLater.accept(this::pump);
            }
            return;
        }
        pump();
    }
}
