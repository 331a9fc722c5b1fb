package io.pigeon.broker.internal.handler.publish;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.util.ReferenceCountUtil;
import io.pigeon.broker.internal.handler.MqttConnection;

/**
 * PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP -> {@link PublishService}. Releases the PUBLISH buffer in
 * {@code finally}. Sharable; channel's event loop.
 */
@Sharable
public final class PublishHandler extends ChannelInboundHandlerAdapter {

    private final PublishService service;

    public PublishHandler(PublishService service) {
        this.service = service;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof MqttPublishMessage publish) {
            try {
                service.publish(MqttConnection.of(ctx.channel()), publish);
            } finally {
                ReferenceCountUtil.release(publish);
            }
            return;
        }
        if (!(msg instanceof MqttMessage m)) {
            ctx.fireChannelRead(msg);
            return;
        }
        MqttConnection conn = MqttConnection.of(ctx.channel());
        switch (m.fixedHeader().messageType()) {
            case PUBACK -> service.puback(conn, packetId(m));
            case PUBREC -> service.pubrec(conn, packetId(m), reasonCode(m));
            case PUBREL -> service.pubrel(conn, packetId(m));
            case PUBCOMP -> service.pubcomp(conn, packetId(m));
            default -> ctx.fireChannelRead(msg);
        }
    }

    private static int packetId(MqttMessage m) {
        return ((MqttMessageIdVariableHeader) m.variableHeader()).messageId();
    }

    private static int reasonCode(MqttMessage m) {
        return m.variableHeader() instanceof MqttPubReplyMessageVariableHeader r ? r.reasonCode() & 0xFF : 0;
    }
}
