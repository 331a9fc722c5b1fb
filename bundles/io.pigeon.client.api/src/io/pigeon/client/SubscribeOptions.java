package io.pigeon.client;

/**
 * Options of one subscription. {@code noLocal} and {@code retainAsPublished} are MQTT 5 options; on
 * 3.1.1 connections they are not sent.
 *
 * @param qos               maximum QoS, 0..2
 * @param noLocal           do not receive this connection's own publishes (bridges use it against loops)
 * @param retainAsPublished keep the retain flag as the publisher set it. Not available on the embedded broker,
 *                          whose in-process API delivers live messages with retain false (and messages retained
 *                          before the subscription with retain true) whatever this option says
 */
public record SubscribeOptions(int qos, boolean noLocal, boolean retainAsPublished) {

    public SubscribeOptions {
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("QoS must be 0, 1 or 2, not " + qos);
        }
    }

    public static SubscribeOptions qos(int qos) {
        return new SubscribeOptions(qos, false, false);
    }
}
