package io.pigeon.client.internal.remote;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * Mosquitto's {@code try_private}: sets bit 0x80 in the protocol level byte of the CONNECT, after Netty's encoder
 * (which only writes the standard levels), so that a Mosquitto upstream treats the connection as a bridge. Removes
 * itself after the CONNECT.
 */
final class BridgeFlag extends ChannelOutboundHandlerAdapter {

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof ByteBuf buf && buf.readableBytes() > 2 && (buf.getByte(buf.readerIndex()) & 0xF0) == 0x10) {
            int at = buf.readerIndex() + 1;
            while ((buf.getByte(at) & 0x80) != 0) {
                at++; // remaining length, 1 to 4 bytes
            }
            at++;
            int nameLength = buf.getUnsignedShort(at);
            int levelAt = at + 2 + nameLength;
            buf.setByte(levelAt, buf.getByte(levelAt) | 0x80);
            ctx.pipeline().remove(this);
        }
        ctx.write(msg, promise);
    }
}
