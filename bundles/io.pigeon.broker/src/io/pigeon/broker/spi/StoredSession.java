package io.pigeon.broker.spi;

import java.util.List;

import io.pigeon.broker.Message;

/**
 * The durable part of a persistent session, written when its client disconnects.
 *
 * @param clientId              client identifier
 * @param protocolVersion       3, 4 or 5
 * @param expiryIntervalSeconds session expiry interval; {@code -1} for never
 * @param disconnectedAtMillis  wall-clock time the client left (for expiry after a restart)
 * @param subscriptions         the client's subscriptions
 * @param queued                QoS 1/2 messages waiting for the client, oldest first (unacknowledged ones included)
 */
public record StoredSession(String clientId, int protocolVersion, long expiryIntervalSeconds,
        long disconnectedAtMillis, List<StoredSubscription> subscriptions, List<Message> queued) {

    public StoredSession {
        subscriptions = List.copyOf(subscriptions);
        queued = List.copyOf(queued);
    }
}
