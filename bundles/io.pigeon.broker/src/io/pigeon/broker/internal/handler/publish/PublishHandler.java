package io.pigeon.broker.internal.handler.publish;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.util.ReferenceCountUtil;
import io.pigeon.broker.internal.handler.MqttConnection;
import io.pigeon.broker.internal.handler.PacketHandler;

/**
 * PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP -> {@link PublishService}. Releases the PUBLISH buffer in
 * {@code finally}. Stateless; channel's event loop.
 */
public final class PublishHandler implements PacketHandler {

    private final PublishService service;

    public PublishHandler(PublishService service) {
        this.service = service;
    }

    @Override
    public void handle(MqttConnection conn, MqttMessage m) {
        if (m instanceof MqttPublishMessage publish) {
            try {
                service.publish(conn, publish);
            } finally {
                ReferenceCountUtil.release(publish);
            }
            return;
        }
        switch (m.fixedHeader().messageType()) {
            case PUBACK -> service.puback(conn, packetId(m));
            case PUBREC -> service.pubrec(conn, packetId(m), reasonCode(m));
            case PUBREL -> service.pubrel(conn, packetId(m));
            case PUBCOMP -> service.pubcomp(conn, packetId(m));
            default -> throw new IllegalArgumentException(m.fixedHeader().messageType() + " is no PUBLISH flow packet");
        }
    }

    private static int packetId(MqttMessage m) {
        return ((MqttMessageIdVariableHeader) m.variableHeader()).messageId();
    }

    private static int reasonCode(MqttMessage m) {
        return m.variableHeader() instanceof MqttPubReplyMessageVariableHeader r ? r.reasonCode() & 0xFF : 0;
    }
}
