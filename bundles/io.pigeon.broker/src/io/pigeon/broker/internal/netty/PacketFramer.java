package io.pigeon.broker.internal.netty;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageFactory;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.pigeon.broker.internal.handler.MqttConnection;

/**
 * Cuts the byte stream into whole MQTT packets by their Remaining Length and hands Netty's
 * {@code MqttDecoder} exactly one complete packet at a time.
 * <p>
 * Why: {@code MqttDecoder} is a replaying decoder that reads fields until they are complete, so a packet
 * whose fields claim more bytes than its Remaining Length left it waiting for bytes that never come (and
 * then reading the next packet as the rest of this one). Fed one whole packet, the decoder must turn it
 * into exactly one message and read all of it; when it emits nothing or leaves bytes unread, the packet
 * was malformed, and this handler sends a failed message down the pipeline so the guard closes the
 * connection at once (MQTT 5: CONNACK or DISCONNECT 0x81). {@code MqttDecoder} is final, so the check
 * sits here rather than in a subclass. The largest packet size is also enforced here, before the bytes
 * of an oversized packet are buffered.
 * <p>
 * One instance per channel; runs on the channel's event loop.
 */
public final class PacketFramer extends ByteToMessageDecoder {

    private final int maxPacketSize;
    private boolean failed;

    /** @param maxPacketSize largest whole packet (fixed header included) in bytes */
    public PacketFramer(int maxPacketSize) {
        this.maxPacketSize = maxPacketSize;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (!failed && in.isReadable()) {
            if (!nextPacket(ctx, in)) {
                return;
            }
        }
        if (failed) {
            in.skipBytes(in.readableBytes());
        }
    }

    /** @return false when the next packet is not complete yet */
    private boolean nextPacket(ChannelHandlerContext ctx, ByteBuf in) {
        int start = in.readerIndex();
        int readable = in.readableBytes();
        int first = in.getUnsignedByte(start);
        int remaining = 0;
        int multiplier = 1;
        int headerBytes = 1;
        while (true) {
            if (headerBytes > 4) {
                fail(ctx, first, 0, new DecoderException("remaining length exceeds 4 bytes"));
                return false;
            }
            if (headerBytes >= readable) {
                return false;
            }
            int digit = in.getUnsignedByte(start + headerBytes);
            headerBytes++;
            remaining += (digit & 0x7F) * multiplier;
            multiplier *= 128;
            if ((digit & 0x80) == 0) {
                break;
            }
        }
        long total = headerBytes + (long) remaining;
        if (total > maxPacketSize) {
            fail(ctx, first, remaining, new TooLongFrameException("packet of " + total
                    + " bytes exceeds the maximum packet size of " + maxPacketSize));
            return false;
        }
        if (readable < total) {
            return false;
        }
        MqttConnection conn = MqttConnection.of(ctx.channel());
        long before = conn == null ? 0 : conn.packetsDecoded();
        ByteBuf packet = in.readRetainedSlice((int) total);
        try {
            ctx.fireChannelRead(packet.retain());
            boolean decodedOne = conn == null || conn.packetsDecoded() != before;
            if (packet.isReadable() || !decodedOne) {
                fail(ctx, first, remaining, new DecoderException("the fields of the packet do not match its"
                        + " remaining length " + remaining));
                return false;
            }
        } finally {
            packet.release();
        }
        return true;
    }

    private void fail(ChannelHandlerContext ctx, int first, int remaining, DecoderException cause) {
        failed = true;
        MqttConnection conn = MqttConnection.of(ctx.channel());
        if (conn != null && conn.closing()) {
            return;
        }
        MqttFixedHeader header = null;
        try {
            header = new MqttFixedHeader(MqttMessageType.valueOf(first >> 4), false, MqttQoS.AT_MOST_ONCE, false,
                    remaining);
        } catch (IllegalArgumentException e) {
            // reserved packet type 0: the failed message carries no header
        }
        MqttMessage invalid = MqttMessageFactory.newInvalidMessage(header, null, cause);
        ctx.fireChannelRead(invalid);
    }
}
