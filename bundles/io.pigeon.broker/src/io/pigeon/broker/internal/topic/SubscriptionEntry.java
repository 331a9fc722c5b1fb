package io.pigeon.broker.internal.topic;

/**
 * One subscription in the topic tree. Immutable.
 *
 * @param subscriber        who receives
 * @param filter            the filter used for matching (without a share prefix)
 * @param shareGroup        share group name, null when not shared
 * @param qos               granted QoS
 * @param noLocal           do not send the subscriber's own messages
 * @param retainAsPublished keep the publisher's retain flag
 * @param retainHandling    0 send retained on subscribe, 1 only for a new subscription, 2 never
 * @param subscriptionId    MQTT 5 Subscription Identifier, 0 when none
 */
public record SubscriptionEntry(Subscriber subscriber, String filter, String shareGroup, int qos, boolean noLocal,
        boolean retainAsPublished, int retainHandling, int subscriptionId) {

    public String rawFilter() {
        return shareGroup == null ? filter : Topics.SHARE_PREFIX + shareGroup + "/" + filter;
    }

    boolean sameKey(SubscriptionEntry other) {
        return subscriber == other.subscriber && java.util.Objects.equals(shareGroup, other.shareGroup);
    }
}
