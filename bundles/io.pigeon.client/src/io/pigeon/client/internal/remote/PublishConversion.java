package io.pigeon.client.internal.remote;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.BinaryProperty;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttProperty;
import io.netty.handler.codec.mqtt.MqttProperties.StringProperty;
import io.netty.handler.codec.mqtt.MqttProperties.UserProperty;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.pigeon.broker.Message;
import io.pigeon.broker.MessageProperties;

/** Between the API's {@link Message} and Netty's PUBLISH packet, MQTT 5 properties included. Pure functions. */
final class PublishConversion {

    private PublishConversion() {
    }

    /** A PUBLISH for {@code m}; properties only on MQTT 5 connections. */
    static MqttPublishMessage toPacket(Message m, int packetId, boolean dup, boolean mqtt5) {
        MqttProperties props = mqtt5 ? properties(m.properties()) : MqttProperties.NO_PROPERTIES;
        MqttFixedHeader fixed = new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.valueOf(m.qos()), m.retain(),
                0);
        return new MqttPublishMessage(fixed, new MqttPublishVariableHeader(m.topic(), m.qos() == 0 ? -1 : packetId,
                props), Unpooled.wrappedBuffer(m.payload()));
    }

    /**
     * The size in bytes of the PUBLISH packet {@link #toPacket} makes for {@code m}, fixed header included, as MQTT 5's
     * Maximum Packet Size counts it.
     */
    static int packetSize(Message m, boolean mqtt5) {
        long remaining = 2L + utf8Length(m.topic()) + (m.qos() > 0 ? 2 : 0) + m.payload().length;
        if (mqtt5) {
            long props = 0;
            MessageProperties mp = m.properties();
            if (mp != null) {
                props += mp.payloadFormatUtf8() == null ? 0 : 2;
                props += mp.messageExpirySeconds() == null ? 0 : 5;
                props += mp.contentType() == null ? 0 : 3 + utf8Length(mp.contentType());
                props += mp.responseTopic() == null ? 0 : 3 + utf8Length(mp.responseTopic());
                props += mp.correlationData() == null ? 0 : 3 + mp.correlationData().length;
                for (MessageProperties.UserProperty u : mp.userProperties()) {
                    props += 5 + utf8Length(u.name()) + utf8Length(u.value());
                }
            }
            remaining += variableByteIntegerSize(props) + props;
        }
        return (int) Math.min(Integer.MAX_VALUE, 1 + variableByteIntegerSize(remaining) + remaining);
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static int variableByteIntegerSize(long value) {
        return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
    }

    static MqttProperties properties(MessageProperties mp) {
        if (mp == null || mp == MessageProperties.NONE) {
            return MqttProperties.NO_PROPERTIES;
        }
        MqttProperties props = new MqttProperties();
        if (mp.payloadFormatUtf8() != null) {
            props.add(new IntegerProperty(MqttProperties.PAYLOAD_FORMAT_INDICATOR, mp.payloadFormatUtf8() ? 1 : 0));
        }
        if (mp.messageExpirySeconds() != null) {
            props.add(new IntegerProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL,
                    (int) Math.min(mp.messageExpirySeconds(), 0xFFFF_FFFFL)));
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
        return props.isEmpty() ? MqttProperties.NO_PROPERTIES : props;
    }

    /** The message a received PUBLISH carries; the payload is copied, the packet stays the caller's to release. */
    static Message fromPacket(MqttPublishMessage p) {
        ByteBuf content = p.content();
        byte[] payload = ByteBufUtil.getBytes(content, content.readerIndex(), content.readableBytes());
        return new Message(p.variableHeader().topicName(), payload, p.fixedHeader().qosLevel().value(),
                p.fixedHeader().isRetain(), fromProperties(p.variableHeader().properties()));
    }

    static MessageProperties fromProperties(MqttProperties p) {
        if (p == null || p.isEmpty()) {
            return MessageProperties.NONE;
        }
        Boolean utf8 = null;
        MqttProperty<?> pfi = p.getProperty(MqttProperties.PAYLOAD_FORMAT_INDICATOR);
        if (pfi != null) {
            utf8 = ((Integer) pfi.value()) == 1;
        }
        Long expiry = null;
        MqttProperty<?> exp = p.getProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL);
        if (exp != null) {
            expiry = Integer.toUnsignedLong((Integer) exp.value());
        }
        List<MessageProperties.UserProperty> users = new ArrayList<>();
        for (MqttProperty<?> u : p.getProperties(MqttProperties.USER_PROPERTY)) {
            MqttProperties.StringPair pair = ((UserProperty) u).value();
            users.add(new MessageProperties.UserProperty(pair.key, pair.value));
        }
        MqttProperty<?> ct = p.getProperty(MqttProperties.CONTENT_TYPE);
        MqttProperty<?> rt = p.getProperty(MqttProperties.RESPONSE_TOPIC);
        MqttProperty<?> cd = p.getProperty(MqttProperties.CORRELATION_DATA);
        MessageProperties out = new MessageProperties(utf8, expiry, ct == null ? null : (String) ct.value(),
                rt == null ? null : (String) rt.value(), cd == null ? null : ((byte[]) cd.value()).clone(), users);
        return out.equals(MessageProperties.NONE) ? MessageProperties.NONE : out;
    }
}
