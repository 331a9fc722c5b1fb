package io.pigeon.broker;

/**
 * Something that happened in the broker.
 *
 * @param type         what happened
 * @param clientId     the client concerned; for {@link Type#MESSAGE_PUBLISHED} the publisher, null for in-process publishers
 * @param remoteAddress "host:port" of the client's connection, null when not applicable
 * @param topic        topic (MESSAGE_PUBLISHED) or topic filter (SUBSCRIBED / UNSUBSCRIBED), otherwise null
 * @param qos          QoS of the message or granted QoS of the subscription, otherwise 0
 * @param reason       for CLIENT_DISCONNECTED a short reason ("normal", "keep alive timeout", "taken over", ...), otherwise null
 */
public record BrokerEvent(Type type, String clientId, String remoteAddress, String topic, int qos, String reason) {

    public enum Type {
        CLIENT_CONNECTED, CLIENT_DISCONNECTED, SUBSCRIBED, UNSUBSCRIBED, MESSAGE_PUBLISHED
    }
}
