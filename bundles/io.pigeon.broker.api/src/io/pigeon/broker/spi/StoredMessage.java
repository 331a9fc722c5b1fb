package io.pigeon.broker.spi;

import io.pigeon.broker.Message;

/**
 * One QoS 1/2 message on its way to one persistent session.
 *
 * @param seq             the session's sequence number of the message (ascending in delivery order)
 * @param message         the message as it is delivered to this client (its QoS and retain flag); its Message
 *                        Expiry Interval counts from {@code storedAtMillis}. After PUBREC its payload may be empty.
 * @param storedAtMillis  wall-clock time it was stored
 * @param subscriptionIds MQTT 5 Subscription Identifiers it is delivered with
 * @param packetId        packet id it was sent with, 0 while queued
 * @param released        true after the client's PUBREC (only PUBREL/PUBCOMP left)
 */
public record StoredMessage(long seq, Message message, long storedAtMillis, int[] subscriptionIds, int packetId,
        boolean released) {

    public StoredMessage {
        subscriptionIds = subscriptionIds == null ? new int[0] : subscriptionIds.clone();
    }

    @Override
    public int[] subscriptionIds() {
        return subscriptionIds.clone();
    }
}
