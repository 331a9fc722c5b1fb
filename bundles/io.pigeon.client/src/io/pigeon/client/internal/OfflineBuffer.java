package io.pigeon.client.internal;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

import io.pigeon.broker.Message;
import io.pigeon.client.ClientOptions.DropPolicy;
import io.pigeon.client.MqttClientException;

/**
 * Publishes made while a client is not connected, oldest first, bounded by
 * {@link io.pigeon.client.ClientOptions#offlineBufferMessages()} with its drop policy. Not thread safe: the owning
 * client guards it with its own lock or keeps it on one thread.
 */
public final class OfflineBuffer {

    /** A publish waiting for a connection, with the stage its publisher holds. */
    public record Pending(Message message, CompletableFuture<Void> done) {
    }

    private final int capacity;
    private final DropPolicy policy;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();

    public OfflineBuffer(int capacity, DropPolicy policy) {
        this.capacity = capacity;
        this.policy = policy;
    }

    /** Queues a publish, or fails it (or the oldest) by the drop policy when the buffer is full. */
    public CompletableFuture<Void> add(Message message) {
        return add(message, new CompletableFuture<>());
    }

    /** {@link #add(Message)} completing {@code done}, which the caller created. */
    public CompletableFuture<Void> add(Message message, CompletableFuture<Void> done) {
        if (capacity <= 0) {
            done.completeExceptionally(new MqttClientException("Not connected and the offline buffer is off (0 "
                    + "messages): the message to '" + message.topic() + "' was not sent; publish again once connected "
                    + "or give the client an offline buffer", -1));
            return done;
        }
        if (queue.size() >= capacity) {
            if (policy == DropPolicy.DROP_NEWEST) {
                done.completeExceptionally(new MqttClientException("Offline buffer full (" + capacity + " messages, "
                        + "policy DROP_NEWEST): the new message to '" + message.topic() + "' was dropped; raise the "
                        + "buffer size or publish less while disconnected", -1));
                return done;
            }
            Pending oldest = queue.pollFirst();
            oldest.done().completeExceptionally(new MqttClientException("Offline buffer full (" + capacity
                    + " messages, policy DROP_OLDEST): the oldest message, to '" + oldest.message().topic()
                    + "', was dropped for a newer one; raise the buffer size or publish less while disconnected", -1));
        }
        queue.addLast(new Pending(message, done));
        return done;
    }

    /** The oldest waiting publish, removed, or null. */
    public Pending poll() {
        return queue.pollFirst();
    }

    /** Puts a publish back at the head, for one taken but not sent. */
    public void pushBack(Pending pending) {
        queue.addFirst(pending);
    }

    public boolean isEmpty() {
        return queue.isEmpty();
    }

    public int size() {
        return queue.size();
    }

    /** Fails everything waiting, with {@code why}. */
    public void failAll(String why) {
        for (Pending p = queue.pollFirst(); p != null; p = queue.pollFirst()) {
            p.done().completeExceptionally(new MqttClientException(why + ": the message to '" + p.message().topic()
                    + "' was not sent", -1));
        }
    }
}
