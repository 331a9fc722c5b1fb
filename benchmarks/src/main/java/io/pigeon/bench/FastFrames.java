package io.pigeon.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import java.util.List;

/**
 * Frames the byte stream and lets the client handle PUBLISH and the acknowledgements in place, without building
 * message objects, so the generator stays far from its CPU limit. Every other packet (CONNACK, SUBACK, ...) goes on
 * as one whole frame to Netty's MqttDecoder. Runs on the channel's event loop.
 */
final class FastFrames extends ByteToMessageDecoder {
    private final Mqtt.Conn conn;

    FastFrames(Mqtt.Conn conn) {
        this.conn = conn;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (true) {
            int start = in.readerIndex();
            int readable = in.readableBytes();
            if (readable < 2) {
                return;
            }
            int b0 = in.getUnsignedByte(start);
            int len = 0;
            int shift = 0;
            int i = 1;
            while (true) {
                if (i >= readable) {
                    return;
                }
                int b = in.getUnsignedByte(start + i++);
                len |= (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    break;
                }
                shift += 7;
                if (i > 4) {
                    throw new DecoderException("malformed remaining length from the broker");
                }
            }
            if (readable < i + len) {
                return;
            }
            int body = start + i;
            if (conn.fastPath(ctx, b0, in, body, len)) {
                in.readerIndex(body + len);
                continue;
            }
            // Hand the frame to MqttDecoder before handling anything after it, to keep the packet order.
            out.add(in.retainedSlice(start, i + len));
            in.readerIndex(body + len);
            return;
        }
    }
}
