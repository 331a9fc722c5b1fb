package io.pigeon.broker.internal.message;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.BinaryProperty;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttProperty;
import io.netty.handler.codec.mqtt.MqttProperties.StringProperty;
import io.netty.handler.codec.mqtt.MqttProperties.UserProperty;
import io.pigeon.broker.Message;
import io.pigeon.broker.MessageProperties;

/**
 * Converts between the API's {@link Message} and the internal {@link PublishedMessage}, and picks the
 * pass-through properties out of a PUBLISH. Pure functions.
 */
public final class MessageConversion {

    private MessageConversion() {
    }

    /** Copies the properties that travel with a message unchanged (spec 3.3.2.3). */
    public static MqttProperties passThrough(MqttProperties in) {
        if (in == null || in.isEmpty()) {
            return MqttProperties.NO_PROPERTIES;
        }
        MqttProperties out = null;
        for (MqttProperty<?> p : in.listAll()) {
            int id = p.propertyId();
            if (id == MqttProperties.PAYLOAD_FORMAT_INDICATOR || id == MqttProperties.CONTENT_TYPE
                    || id == MqttProperties.RESPONSE_TOPIC || id == MqttProperties.CORRELATION_DATA
                    || id == MqttProperties.USER_PROPERTY) {
                if (out == null) {
                    out = new MqttProperties();
                }
                out.add(p);
            }
        }
        return out == null ? MqttProperties.NO_PROPERTIES : out;
    }

    /** Message Expiry Interval in seconds, or -1 when absent. */
    public static long expirySeconds(MqttProperties in) {
        MqttProperty<?> p = in == null ? null : in.getProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL);
        return p == null ? -1 : Integer.toUnsignedLong((Integer) p.value());
    }

    public static long expiryDeadline(long expirySeconds, long nowNanos) {
        return expirySeconds < 0 ? PublishedMessage.NO_EXPIRY : nowNanos + expirySeconds * 1_000_000_000L;
    }

    public static PublishedMessage fromApi(Message m, long nowNanos) {
        MessageProperties mp = m.properties();
        MqttProperties props = new MqttProperties();
        if (mp.payloadFormatUtf8() != null) {
            props.add(new IntegerProperty(MqttProperties.PAYLOAD_FORMAT_INDICATOR, mp.payloadFormatUtf8() ? 1 : 0));
        }
        if (mp.contentType() != null) {
            props.add(new StringProperty(MqttProperties.CONTENT_TYPE, mp.contentType()));
        }
        if (mp.responseTopic() != null) {
            props.add(new StringProperty(MqttProperties.RESPONSE_TOPIC, mp.responseTopic()));
        }
        if (mp.correlationData() != null) {
            props.add(new BinaryProperty(MqttProperties.CORRELATION_DATA, mp.correlationData().clone()));
        }
        for (MessageProperties.UserProperty u : mp.userProperties()) {
            props.add(new UserProperty(u.name(), u.value()));
        }
        long expiry = mp.messageExpirySeconds() == null ? -1 : mp.messageExpirySeconds();
        return new PublishedMessage(m.topic(), Unpooled.wrappedBuffer(m.payload()), m.qos(), m.retain(),
                props.isEmpty() ? MqttProperties.NO_PROPERTIES : props, expiryDeadline(expiry, nowNanos), null);
    }

    /** Copies the payload; the caller keeps ownership of {@code m}. */
    public static Message toApi(PublishedMessage m, int qos, boolean retain, long nowNanos) {
        return new Message(m.topic(), ByteBufUtil.getBytes(m.payload()), qos, retain, toApiProperties(m, nowNanos));
    }

    public static MessageProperties toApiProperties(PublishedMessage m, long nowNanos) {
        MqttProperties p = m.properties();
        Long expiry = m.hasExpiry() ? m.remainingExpirySeconds(nowNanos) : null;
        if (p.isEmpty() && expiry == null) {
            return MessageProperties.NONE;
        }
        Boolean utf8 = null;
        MqttProperty<?> pfi = p.getProperty(MqttProperties.PAYLOAD_FORMAT_INDICATOR);
        if (pfi != null) {
            utf8 = ((Integer) pfi.value()) == 1;
        }
        List<MessageProperties.UserProperty> users = new ArrayList<>();
        for (MqttProperty<?> u : p.getProperties(MqttProperties.USER_PROPERTY)) {
            MqttProperties.StringPair pair = ((UserProperty) u).value();
            users.add(new MessageProperties.UserProperty(pair.key, pair.value));
        }
        return new MessageProperties(utf8, expiry, string(p, MqttProperties.CONTENT_TYPE),
                string(p, MqttProperties.RESPONSE_TOPIC), binary(p, MqttProperties.CORRELATION_DATA), users);
    }

    /**
     * A stored message after {@code elapsedMillis} on disk: its Message Expiry Interval shortened by the time
     * passed, or null when it expired meanwhile.
     */
    public static Message ageBy(Message m, long elapsedMillis) {
        Long expiry = m.properties().messageExpirySeconds();
        if (expiry == null) {
            return m;
        }
        long left = expiry - Math.max(0, elapsedMillis) / 1000;
        if (left <= 0) {
            return null;
        }
        MessageProperties p = m.properties();
        return new Message(m.topic(), m.payload(), m.qos(), m.retain(), new MessageProperties(p.payloadFormatUtf8(),
                left, p.contentType(), p.responseTopic(), p.correlationData(), p.userProperties()));
    }

    /** True when a PUBLISH that says its payload is UTF-8 really is (MQTT 5 0x99 otherwise). */
    public static boolean payloadFormatValid(MqttProperties props, ByteBuf payload) {
        MqttProperty<?> pfi = props.getProperty(MqttProperties.PAYLOAD_FORMAT_INDICATOR);
        if (pfi == null || ((Integer) pfi.value()) != 1) {
            return true;
        }
        return ByteBufUtil.isText(payload, StandardCharsets.UTF_8);
    }

    private static String string(MqttProperties p, int id) {
        MqttProperty<?> v = p.getProperty(id);
        return v == null ? null : (String) v.value();
    }

    private static byte[] binary(MqttProperties p, int id) {
        MqttProperty<?> v = p.getProperty(id);
        return v == null ? null : ((byte[]) v.value()).clone();
    }
}
