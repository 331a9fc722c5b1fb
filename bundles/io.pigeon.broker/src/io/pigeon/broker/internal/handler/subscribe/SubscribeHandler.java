package io.pigeon.broker.internal.handler.subscribe;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.pigeon.broker.internal.handler.MqttConnection;

/** SUBSCRIBE -> {@link SubscribeService}. Sharable; channel's event loop. */
@Sharable
public final class SubscribeHandler extends ChannelInboundHandlerAdapter {

    private final SubscribeService service;

    public SubscribeHandler(SubscribeService service) {
        this.service = service;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof MqttSubscribeMessage subscribe) {
            service.subscribe(MqttConnection.of(ctx.channel()), subscribe);
        } else {
            ctx.fireChannelRead(msg);
        }
    }
}
