package io.pigeon.broker.internal.handler;

import java.io.IOException;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.util.ReferenceCountUtil;
import io.pigeon.broker.internal.handler.auth.AuthHandler;
import io.pigeon.broker.internal.handler.connect.ConnectHandler;
import io.pigeon.broker.internal.handler.disconnect.DisconnectHandler;
import io.pigeon.broker.internal.handler.ping.PingHandler;
import io.pigeon.broker.internal.handler.publish.PublishHandler;
import io.pigeon.broker.internal.handler.subscribe.SubscribeHandler;
import io.pigeon.broker.internal.handler.unsubscribe.UnsubscribeHandler;

/**
 * Last handler, after the guard: hands each packet to the {@link PacketHandler} of its type, and drops packets no
 * handler takes. Every exception from the pipeline ends here, becomes a reason code through {@link ReasonCodes}, is
 * logged once with the client id and address, and closes only this connection.
 * <p>
 * One pipeline context for every packet type: with one context per type, the contexts were the largest part of an
 * idle connection's memory (64 bytes each). Sharable, stateless; runs on the channel's event loop.
 */
@Sharable
public final class PacketDispatcher extends ChannelInboundHandlerAdapter {

    private final ConnectHandler connect;
    private final PublishHandler publish;
    private final SubscribeHandler subscribe;
    private final UnsubscribeHandler unsubscribe;
    private final PingHandler ping = new PingHandler();
    private final DisconnectHandler disconnect = new DisconnectHandler();
    private final AuthHandler auth = new AuthHandler();

    public PacketDispatcher(ConnectHandler connect, PublishHandler publish, SubscribeHandler subscribe,
            UnsubscribeHandler unsubscribe) {
        this.connect = connect;
        this.publish = publish;
        this.subscribe = subscribe;
        this.unsubscribe = unsubscribe;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MqttMessage m) || m.fixedHeader() == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        PacketHandler handler = switch (m.fixedHeader().messageType()) {
            case CONNECT -> connect;
            case PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP -> publish;
            case SUBSCRIBE -> subscribe;
            case UNSUBSCRIBE -> unsubscribe;
            case PINGREQ -> ping;
            case DISCONNECT -> disconnect;
            case AUTH -> auth;
            default -> null;
        };
        if (handler == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        handler.handle(MqttConnection.of(ctx.channel()), m);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        MqttConnection conn = MqttConnection.of(ctx.channel());
        if (conn == null) {
            ctx.close();
            return;
        }
        if (conn.closing()) {
            return;
        }
        int code = ReasonCodes.disconnectCode(cause);
        if (cause instanceof IOException) {
            conn.broker().log().debug("Connection of " + conn.describe() + " failed: " + cause.getMessage());
        } else if (cause instanceof MqttProtocolException) {
            conn.broker().log().warn("Protocol error from client " + conn.describe() + ": " + cause.getMessage()
                    + String.format(" (reason code 0x%02X); closing its connection", code));
        } else {
            conn.broker().log().warn("Bad packet from client " + conn.describe() + ": " + cause
                    + String.format(" (reason code 0x%02X); closing its connection", code));
        }
        if (conn.state() == MqttConnection.State.AWAIT_CONNECT && conn.isV5() && ReasonCodes.validForConnack(code)) {
            conn.refuseConnect(code, cause.getMessage());
        } else {
            conn.close(code, cause.getMessage());
        }
    }
}
