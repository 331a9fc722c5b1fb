package io.pigeon.bridge.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import io.pigeon.broker.Message;
import io.pigeon.broker.MessageProperties;

/**
 * The on-disk form of a queued message. Format version 1: version byte, topic, QoS, retain, expiry deadline
 * (epoch ms, -1 for none), the MQTT 5 properties, payload. The expiry is stored as a deadline so that the
 * time spent waiting on disk counts, as MQTT 5's Message Expiry Interval requires. Pure functions, any thread.
 */
final class QueuedMessageCodec {

    static final int VERSION = 1;

    private QueuedMessageCodec() {
    }

    static byte[] encode(Message m, long nowMillis) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(m.payload().length + m.topic().length() + 32);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            MessageProperties p = m.properties();
            out.writeByte(VERSION);
            out.writeUTF(m.topic());
            out.writeByte(m.qos());
            out.writeBoolean(m.retain());
            out.writeLong(p.messageExpirySeconds() == null ? -1 : nowMillis + p.messageExpirySeconds() * 1000);
            out.writeByte(p.payloadFormatUtf8() == null ? -1 : p.payloadFormatUtf8() ? 1 : 0);
            writeNullable(out, p.contentType());
            writeNullable(out, p.responseTopic());
            writeBytes(out, p.correlationData());
            out.writeInt(p.userProperties().size());
            for (MessageProperties.UserProperty u : p.userProperties()) {
                out.writeUTF(u.name());
                out.writeUTF(u.value());
            }
            writeBytes(out, m.payload());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * @return the message, or null when its expiry has passed
     * @throws IOException when the bytes are not a message of a known format version
     */
    static Message decode(byte[] data, long nowMillis) throws IOException {
        return decode(data, nowMillis, true);
    }

    /** The message as queued, whether or not its expiry has passed (its expiry interval is then 1 s). */
    static Message decodeExpiredToo(byte[] data) throws IOException {
        return decode(data, 0, false);
    }

    private static Message decode(byte[] data, long nowMillis, boolean dropExpired) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        int version = in.readUnsignedByte();
        if (version != VERSION) {
            throw new IOException("unknown queued message format " + version);
        }
        String topic = in.readUTF();
        int qos = in.readUnsignedByte();
        boolean retain = in.readBoolean();
        long deadline = in.readLong();
        int format = in.readByte();
        String contentType = readNullable(in);
        String responseTopic = readNullable(in);
        byte[] correlation = readBytes(in);
        int users = in.readInt();
        List<MessageProperties.UserProperty> userProperties = new ArrayList<>(users);
        for (int i = 0; i < users; i++) {
            userProperties.add(new MessageProperties.UserProperty(in.readUTF(), in.readUTF()));
        }
        byte[] payload = readBytes(in);
        Long expiry = null;
        if (deadline >= 0) {
            long remaining = deadline - nowMillis;
            if (remaining <= 0) {
                if (dropExpired) {
                    return null;
                }
                remaining = 1;
            }
            expiry = Math.max(1, (remaining + 999) / 1000);
        }
        MessageProperties props = new MessageProperties(format < 0 ? null : format == 1, expiry, contentType,
                responseTopic, correlation, userProperties);
        return new Message(topic, payload == null ? new byte[0] : payload, qos, retain, props);
    }

    private static void writeNullable(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b == null ? -1 : b.length);
        if (b != null) {
            out.write(b);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }
}
