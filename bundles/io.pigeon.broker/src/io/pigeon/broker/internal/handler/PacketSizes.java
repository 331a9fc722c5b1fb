package io.pigeon.broker.internal.handler;

import java.util.List;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttProperty;

/**
 * Encoded sizes of outgoing packets, to honour a client's Maximum Packet Size before writing.
 * Pure functions.
 */
public final class PacketSizes {

    private PacketSizes() {
    }

    /** Size in bytes of an MQTT 5 PUBLISH with these fields, fixed header included. */
    public static int publish(String topic, int qos, MqttProperties props, int payloadBytes) {
        int propLen = properties(props);
        long remaining = 2L + MqttConnection.utf8Length(topic) + (qos > 0 ? 2 : 0) + varIntSize(propLen) + propLen
                + payloadBytes;
        return (int) Math.min(Integer.MAX_VALUE, 1 + varIntSize((int) remaining) + remaining);
    }

    static int properties(MqttProperties props) {
        int n = 0;
        for (MqttProperty<?> p : props.listAll()) {
            int id = p.propertyId();
            Object v = p.value();
            if (id == MqttProperties.USER_PROPERTY) {
                for (Object o : (List<?>) v) {
                    MqttProperties.StringPair pair = (MqttProperties.StringPair) o;
                    n += 1 + 2 + MqttConnection.utf8Length(pair.key) + 2 + MqttConnection.utf8Length(pair.value);
                }
            } else if (id == MqttProperties.SUBSCRIPTION_IDENTIFIER) {
                n += 1 + varIntSize((Integer) v);
            } else if (v instanceof String s) {
                n += 1 + 2 + MqttConnection.utf8Length(s);
            } else if (v instanceof byte[] b) {
                n += 1 + 2 + b.length;
            } else if (id == MqttProperties.PAYLOAD_FORMAT_INDICATOR) {
                n += 2;
            } else if (id == MqttProperties.TOPIC_ALIAS) {
                n += 3;
            } else {
                n += 5;
            }
        }
        return n;
    }

    static int varIntSize(int value) {
        int n = 1;
        while (value > 127) {
            value >>>= 7;
            n++;
        }
        return n;
    }
}
