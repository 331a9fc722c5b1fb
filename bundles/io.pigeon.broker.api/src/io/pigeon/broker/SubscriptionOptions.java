package io.pigeon.broker;

/**
 * The options of an in-process subscription made with {@link Broker#subscribe(String, SubscriptionOptions,
 * MessageHandler)}: the MQTT 5 Subscription Options that mean something without a network connection.
 * <p>
 * No Local has no place here: messages published through {@link Broker#publish(Message)} carry no publisher
 * identity that a subscription could be told apart by.
 *
 * @param qos               maximum QoS, 0..2
 * @param retainAsPublished MQTT 5 Retain As Published: live messages keep the retain flag their publisher set. With
 *                          false they arrive with retain false, as on any normal subscription; messages retained
 *                          before the subscription arrive with retain true either way
 * @param sendRetained      deliver the matching retained messages when the subscription is made (MQTT 5 Retain
 *                          Handling 0); false is Retain Handling 2, for a subscriber that fetches them itself when
 *                          it needs them ({@link Broker#retained(String)})
 */
public record SubscriptionOptions(int qos, boolean retainAsPublished, boolean sendRetained) {

    public SubscriptionOptions {
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("QoS must be 0, 1 or 2, not " + qos);
        }
    }

    /** A normal subscription at {@code qos}: retain flag cleared on live messages, retained messages sent first. */
    public static SubscriptionOptions qos(int qos) {
        return new SubscriptionOptions(qos, false, true);
    }
}
