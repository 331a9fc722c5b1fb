package io.pigeon.broker.internal.handler;

import java.util.ArrayDeque;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.pigeon.broker.internal.MqttBroker;
import io.pigeon.broker.internal.handler.disconnect.ConnectionLifecycle;

/**
 * First handler after the decoder: creates the connection state, rejects failed decodes and packets
 * that are not allowed in the connection's state, has what a read batch wrote flushed, and reports the end of
 * the connection.
 * <p>
 * Sharable, stateless; runs on each channel's event loop.
 */
@Sharable
public final class MqttMessageGuard extends ChannelInboundHandlerAdapter {

    /** The channel attribute in which netty-codec-mqtt's decoder keeps the CONNECT's protocol version. */
    static final AttributeKey<MqttVersion> DECODER_VERSION = AttributeKey.valueOf("NETTY_CODEC_MQTT_VERSION");

    private final MqttBroker broker;
    private final ConnectionLifecycle lifecycle;

    public MqttMessageGuard(MqttBroker broker, ConnectionLifecycle lifecycle) {
        this.broker = broker;
        this.lifecycle = lifecycle;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        MqttConnection conn = new MqttConnection(ctx.channel(), broker);
        conn.guardContext = ctx;
        ctx.channel().attr(MqttConnection.KEY).set(conn);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        MqttConnection conn = MqttConnection.of(ctx.channel());
        conn.packetDecoded();
        if (!(msg instanceof MqttMessage m) || conn.closing()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        conn.inRead(true);
        broker.metrics().messageReceived();
        if (m.decoderResult().isFailure()) {
            ReferenceCountUtil.release(msg);
            decoderFailure(conn, m);
            return;
        }
        MqttMessageType type = m.fixedHeader().messageType();
        switch (conn.state()) {
            case AWAIT_CONNECT -> {
                if (type != MqttMessageType.CONNECT) {
                    ReferenceCountUtil.release(msg);
                    throw new MqttProtocolException(ReasonCodes.PROTOCOL_ERROR,
                            "first packet was " + type + ", not CONNECT");
                }
            }
            case CONNECTING -> {
                ArrayDeque<Object> q = conn.pending();
                if (q.size() >= 1000) {
                    ReferenceCountUtil.release(msg);
                    throw new MqttProtocolException(ReasonCodes.RECEIVE_MAXIMUM_EXCEEDED,
                            "too many packets before CONNACK");
                }
                q.add(msg);
                return;
            }
            case CONNECTED -> {
                if (type == MqttMessageType.CONNECT) {
                    ReferenceCountUtil.release(msg);
                    throw new MqttProtocolException(ReasonCodes.PROTOCOL_ERROR, "second CONNECT on one connection");
                }
                if (type == MqttMessageType.CONNACK || type == MqttMessageType.SUBACK
                        || type == MqttMessageType.UNSUBACK || type == MqttMessageType.PINGRESP) {
                    ReferenceCountUtil.release(msg);
                    throw new MqttProtocolException(ReasonCodes.PROTOCOL_ERROR, type + " is only sent by servers");
                }
            }
        }
        ctx.fireChannelRead(msg);
    }

    private static void decoderFailure(MqttConnection conn, MqttMessage m) {
        Throwable cause = m.decoderResult().cause();
        boolean isConnect = m.fixedHeader() != null && m.fixedHeader().messageType() == MqttMessageType.CONNECT;
        if (conn.state() == MqttConnection.State.AWAIT_CONNECT && isConnect) {
            if (m.variableHeader() instanceof MqttConnectVariableHeader vh) {
                conn.protocolLevel(vh.version());
            } else if (cause instanceof MqttUnacceptableProtocolVersionException) {
                conn.protocolLevel(4);
            } else {
                // the decoder records the protocol level as soon as it has read it, before the flags and
                // properties that may have failed
                MqttVersion v = conn.channel().attr(DECODER_VERSION).get();
                conn.protocolLevel(v == null ? 4 : v.protocolLevel());
            }
            int code = ReasonCodes.connackCode(cause, conn.protocolLevel());
            conn.broker().log().warn("Refused CONNECT from " + conn.describe() + ": " + cause.getMessage());
            if (code != ReasonCodes.NONE && ReasonCodes.validForConnack(code) || code <= 0x05 && code > 0) {
                conn.refuseConnect(code, cause.getMessage());
            } else {
                conn.close(ReasonCodes.NONE, null);
            }
            return;
        }
        throw new MqttProtocolException(ReasonCodes.disconnectCode(cause), "malformed packet: " + cause.getMessage());
    }

    /** Replays packets that arrived while the session was opening (connection's loop). */
    public static void replayPending(MqttConnection conn) {
        ArrayDeque<Object> q = conn.pendingOrNull();
        if (q == null) {
            return;
        }
        ChannelHandlerContext ctx = conn.guardContext;
        Object m;
        while ((m = q.poll()) != null) {
            if (conn.closing()) {
                ReferenceCountUtil.release(m);
            } else {
                try {
                    ctx.fireChannelRead(m);
                } catch (RuntimeException e) {
                    ctx.fireExceptionCaught(e);
                }
            }
        }
        ctx.flush();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        MqttConnection.of(ctx.channel()).readComplete();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        MqttConnection conn = MqttConnection.of(ctx.channel());
        if (ctx.channel().isWritable() && conn.session() != null) {
            conn.session().drain();
            ctx.flush();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        MqttConnection conn = MqttConnection.of(ctx.channel());
        conn.closed();
        ArrayDeque<Object> q = conn.pendingOrNull();
        if (q != null) {
            q.forEach(ReferenceCountUtil::release);
            q.clear();
        }
        lifecycle.connectionClosed(conn);
        ctx.fireChannelInactive();
    }
}
