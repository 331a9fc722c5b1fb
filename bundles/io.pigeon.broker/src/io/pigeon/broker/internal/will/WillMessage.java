package io.pigeon.broker.internal.will;

import io.netty.handler.codec.mqtt.MqttProperties;

/**
 * A client's Will from CONNECT. Immutable.
 *
 * @param topic        will topic
 * @param payload      will payload (owned)
 * @param qos          will QoS
 * @param retain       will retain
 * @param properties   pass-through will properties (user properties, content type, ...)
 * @param expirySeconds Message Expiry Interval of the will, -1 when none
 * @param delaySeconds MQTT 5 Will Delay Interval, 0 when none
 */
public record WillMessage(String topic, byte[] payload, int qos, boolean retain, MqttProperties properties,
        long expirySeconds, long delaySeconds) {
}
