package io.pigeon.broker.internal.topic;

import io.pigeon.broker.internal.message.PublishReceipt;
import io.pigeon.broker.internal.message.PublishedMessage;

/**
 * Something that receives messages from the topic tree: a client session or an in-process handler.
 */
public interface Subscriber {

    /** The MQTT client id (for No Local), or a unique id for in-process subscribers. */
    String clientId();

    /** For shared subscriptions: prefer members that can take a message now. */
    boolean isOnline();

    /**
     * Hands over one message. Called on the publisher's thread; implementations move to their own
     * thread. The callee must not keep {@code message} beyond its own retain/release of the payload.
     *
     * @param qos             delivery QoS (already the minimum of message and subscription QoS)
     * @param retain          the retain flag to send
     * @param subscriptionIds MQTT 5 subscription identifiers of the matching subscriptions, may be empty
     */
    void deliver(PublishedMessage message, int qos, boolean retain, int[] subscriptionIds);

    /**
     * Hands over one message whose publisher waits until it is safe: a persistent session holds the receipt for its
     * delivery ({@link PublishReceipt#hold()} before returning) and settles it once its client acknowledged the
     * message or the store has it. Others have nothing to keep safe and ignore the receipt.
     *
     * @param receipt the publisher's receipt, or null when nobody waits
     */
    default void deliver(PublishedMessage message, int qos, boolean retain, int[] subscriptionIds,
            PublishReceipt receipt) {
        deliver(message, qos, retain, subscriptionIds);
    }
}
