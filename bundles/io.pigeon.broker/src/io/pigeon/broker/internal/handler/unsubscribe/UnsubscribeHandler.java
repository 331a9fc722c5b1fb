package io.pigeon.broker.internal.handler.unsubscribe;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.pigeon.broker.internal.handler.MqttConnection;

/** UNSUBSCRIBE -> {@link UnsubscribeService}. Sharable; channel's event loop. */
@Sharable
public final class UnsubscribeHandler extends ChannelInboundHandlerAdapter {

    private final UnsubscribeService service;

    public UnsubscribeHandler(UnsubscribeService service) {
        this.service = service;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof MqttUnsubscribeMessage unsubscribe) {
            service.unsubscribe(MqttConnection.of(ctx.channel()), unsubscribe);
        } else {
            ctx.fireChannelRead(msg);
        }
    }
}
