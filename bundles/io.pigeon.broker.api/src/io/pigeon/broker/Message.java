package io.pigeon.broker;

import java.util.Objects;

/**
 * One application message. The payload array is owned by the message once passed in: callers must not
 * modify it afterwards.
 *
 * @param topic      topic name (no wildcards)
 * @param payload    payload bytes, never null (empty for a zero-length payload)
 * @param qos        0, 1 or 2
 * @param retain     the retain flag
 * @param properties MQTT 5 properties, never null ({@link MessageProperties#NONE} when there are none)
 */
public record Message(String topic, byte[] payload, int qos, boolean retain, MessageProperties properties) {

    public Message {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("QoS must be 0, 1 or 2, not " + qos);
        }
        properties = properties == null ? MessageProperties.NONE : properties;
    }

    public Message(String topic, byte[] payload, int qos, boolean retain) {
        this(topic, payload, qos, retain, MessageProperties.NONE);
    }
}
