package io.pigeon.broker.internal.handler.connect;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.pigeon.broker.internal.handler.MqttConnection;

/** CONNECT -> {@link ConnectService}. Sharable; channel's event loop. */
@Sharable
public final class ConnectHandler extends ChannelInboundHandlerAdapter {

    private final ConnectService service;

    public ConnectHandler(ConnectService service) {
        this.service = service;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof MqttConnectMessage connect) {
            service.connect(MqttConnection.of(ctx.channel()), connect);
        } else {
            ctx.fireChannelRead(msg);
        }
    }
}
