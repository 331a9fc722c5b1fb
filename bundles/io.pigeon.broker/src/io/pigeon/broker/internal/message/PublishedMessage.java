package io.pigeon.broker.internal.message;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.mqtt.MqttProperties;

/**
 * An application message on its way through the broker. The payload buffer is shared by every
 * subscriber: holders take {@code payload().retainedDuplicate()} and release their own reference, and
 * whoever created the message releases the original reference after the fan-out.
 * <p>
 * Immutable; safe to pass between event loops.
 *
 * @param topic             topic name
 * @param payload           payload, reference counted
 * @param qos               QoS the publisher used (0..2)
 * @param retain            retain flag as published
 * @param properties        pass-through MQTT 5 properties (no Topic Alias, Subscription Identifier or
 *                          Message Expiry Interval: those are per hop), never null
 * @param expiryNanos       {@code System.nanoTime()} deadline of the Message Expiry Interval, or
 *                          {@link #NO_EXPIRY}
 * @param publisherClientId client id of the publisher (for No Local), null for in-process messages
 */
public record PublishedMessage(String topic, ByteBuf payload, int qos, boolean retain, MqttProperties properties,
        long expiryNanos, String publisherClientId) {

    public static final long NO_EXPIRY = Long.MIN_VALUE;

    public boolean hasExpiry() {
        return expiryNanos != NO_EXPIRY;
    }

    public boolean isExpired(long nowNanos) {
        return hasExpiry() && nowNanos - expiryNanos >= 0;
    }

    /** Seconds left of the Message Expiry Interval, at least 1 while not expired; -1 without expiry. */
    public long remainingExpirySeconds(long nowNanos) {
        if (!hasExpiry()) {
            return -1;
        }
        long left = expiryNanos - nowNanos;
        return Math.max(1, (left + 999_999_999L) / 1_000_000_000L);
    }

    public PublishedMessage withPayload(ByteBuf newPayload) {
        return new PublishedMessage(topic, newPayload, qos, retain, properties, expiryNanos, publisherClientId);
    }

    public PublishedMessage withRetain(boolean newRetain) {
        return new PublishedMessage(topic, payload, qos, newRetain, properties, expiryNanos, publisherClientId);
    }
}
