package io.pigeon.broker.internal.handler.ping;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.pigeon.broker.internal.handler.MqttConnection;

/** PINGREQ -> PINGRESP. Sharable; channel's event loop. */
@Sharable
public final class PingHandler extends ChannelInboundHandlerAdapter {

    private static final MqttMessage PINGRESP = new MqttMessage(
            new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0));

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof MqttMessage m && m.fixedHeader().messageType() == MqttMessageType.PINGREQ) {
            MqttConnection.of(ctx.channel()).write(PINGRESP);
        } else {
            ctx.fireChannelRead(msg);
        }
    }
}
