package io.pigeon.broker.spi;

/**
 * A client subscription as kept in a {@link DurableStore}.
 *
 * @param topicFilter       the filter as the client sent it, including any {@code $share/<group>/} prefix
 * @param qos               granted QoS
 * @param noLocal           MQTT 5 No Local option
 * @param retainAsPublished MQTT 5 Retain As Published option
 * @param retainHandling    MQTT 5 Retain Handling (0, 1 or 2)
 * @param subscriptionId    MQTT 5 Subscription Identifier, 0 when none
 */
public record StoredSubscription(String topicFilter, int qos, boolean noLocal, boolean retainAsPublished,
        int retainHandling, int subscriptionId) {
}
