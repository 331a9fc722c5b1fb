package io.pigeon.broker.spi;

import java.util.List;

/**
 * A persistent session as read from a {@link DurableStore} at start.
 *
 * @param record         the session's own record
 * @param subscriptions  its subscriptions
 * @param messages       QoS 1/2 messages queued or in flight to it, in {@link StoredMessage#seq()} order
 * @param awaitingPubrel packet ids of QoS 2 messages the client sent that wait for its PUBREL
 * @param will           the pending will, or null
 */
public record StoredSession(Record record, List<StoredSubscription> subscriptions, List<StoredMessage> messages,
        List<Integer> awaitingPubrel, StoredWill will) {

    public StoredSession {
        subscriptions = List.copyOf(subscriptions);
        messages = List.copyOf(messages);
        awaitingPubrel = List.copyOf(awaitingPubrel);
    }

    /**
     * @param clientId              client identifier
     * @param protocolVersion       3, 4 or 5
     * @param expirySeconds         session expiry interval; {@code -1} for never
     * @param disconnectedAtMillis  wall-clock time the client left, 0 while it was connected (then the expiry
     *                              counts from the broker's start)
     * @param firstSeq              the first message sequence number of this incarnation of the session: stored
     *                              messages with a lower one belong to an earlier, ended session of the same id
     */
    public record Record(String clientId, int protocolVersion, long expirySeconds, long disconnectedAtMillis,
            long firstSeq) {
    }
}
