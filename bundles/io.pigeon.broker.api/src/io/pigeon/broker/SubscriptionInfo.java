package io.pigeon.broker;

/**
 * One subscription of a client, for {@link ClientInfo}.
 *
 * @param topicFilter the filter as the client sent it (with {@code $share/group/} for a shared subscription)
 * @param qos         the granted maximum QoS
 */
public record SubscriptionInfo(String topicFilter, int qos) {
}
