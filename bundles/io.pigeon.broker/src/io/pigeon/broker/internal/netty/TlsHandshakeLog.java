package io.pigeon.broker.internal.netty;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.pigeon.broker.internal.MqttBroker;
import io.pigeon.broker.internal.handler.MqttConnection;

/**
 * Logs the end of each TLS handshake once, in words: a failed one (an untrusted or missing client certificate, a
 * client that does not speak TLS) at info level with the address, then the connection is closed. The exception the
 * {@code SslHandler} raises for the same failure is dropped here, so it is not logged again as a bad MQTT packet.
 * Sharable; runs on each channel's event loop, right after the {@code SslHandler}.
 */
@Sharable
final class TlsHandshakeLog extends ChannelInboundHandlerAdapter {

    private final MqttBroker broker;

    TlsHandshakeLog(MqttBroker broker) {
        this.broker = broker;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                if (broker.log().isDebugEnabled()) {
                    SSLSession session = ctx.pipeline().get(SslHandler.class).engine().getSession();
                    broker.log().debug("TLS from " + address(ctx) + ": " + session.getProtocol() + " "
                            + session.getCipherSuite());
                }
            } else if (!ctx.channel().isActive()) {
                // closed before the handshake finished: a port probe, or a client that gave up
                broker.log().debug("TLS connection from " + address(ctx) + " closed during the handshake");
            } else {
                broker.log().info("TLS handshake with " + address(ctx) + " failed: " + message(done.cause())
                        + " (a client certificate not signed by cafile, none where require_certificate is true, or a"
                        + " client that does not speak TLS on this port); closing the connection");
                ctx.close();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof SSLException || cause instanceof DecoderException && cause.getCause() instanceof SSLException) {
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private static String address(ChannelHandlerContext ctx) {
        MqttConnection conn = MqttConnection.of(ctx.channel());
        return conn == null ? String.valueOf(ctx.channel().remoteAddress()) : conn.remoteAddress();
    }

    private static String message(Throwable cause) {
        Throwable t = cause;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == cause ? String.valueOf(cause.getMessage()) : cause.getMessage() + ": " + t.getMessage();
    }
}
