package io.pigeon.broker.internal.handler;

import java.io.IOException;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Last handler: every exception from the pipeline ends here, becomes a reason code through
 * {@link ReasonCodes}, is logged once with the client id and address, and closes only this connection.
 * Also drops packets no handler took. Sharable; runs on the channel's event loop.
 */
@Sharable
public final class ProtocolErrorHandler extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
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
