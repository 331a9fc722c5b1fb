package io.pigeon.e2e;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny byte-level MQTT client over a plain socket, for input no real client would send. Runs on the test thread; every
 * read has a timeout.
 */
final class RawMqttClient implements Closeable {

    static final int CONNACK = 2, PUBLISH = 3, PUBACK = 4, PUBREC = 5, PUBREL = 6, PUBCOMP = 7, SUBACK = 9,
            UNSUBACK = 11, PINGRESP = 13, DISCONNECT = 14, AUTH = 15;

    /** One received packet; {@code type == -1} means the broker closed the connection. */
    record Packet(int type, int flags, byte[] body) {
        static final Packet CLOSED = new Packet(-1, 0, new byte[0]);

        boolean closed() {
            return type == -1;
        }

        /** CONNACK: return/reason code; DISCONNECT: reason code (absent = 0); acks in v5: reason code (absent = 0). */
        int reasonCode() {
            return switch (type) {
                case CONNACK -> body[1] & 0xFF;
                case DISCONNECT, AUTH -> body.length == 0 ? 0 : body[0] & 0xFF;
                case PUBACK, PUBREC, PUBREL, PUBCOMP -> body.length <= 2 ? 0 : body[2] & 0xFF;
                default -> throw new IllegalStateException("no reason code in packet type " + type);
            };
        }

        /** The packet identifier; in a PUBLISH it follows the topic name (QoS 1 and 2 only). */
        int packetId() {
            int i = 0;
            if (type == PUBLISH) {
                if (qos() == 0) {
                    throw new IllegalStateException("a QoS 0 PUBLISH has no packet identifier");
                }
                i = 2 + ((body[0] & 0xFF) << 8 | body[1] & 0xFF);
            }
            return (body[i] & 0xFF) << 8 | body[i + 1] & 0xFF;
        }

        /** PUBLISH: the topic name. */
        String topic() {
            int len = (body[0] & 0xFF) << 8 | body[1] & 0xFF;
            return new String(body, 2, len, StandardCharsets.UTF_8);
        }

        /** PUBLISH: the payload, given the protocol level (v5 has properties before it). */
        String payload(int level) {
            int i = 2 + ((body[0] & 0xFF) << 8 | body[1] & 0xFF);
            if ((flags >> 1 & 3) > 0) {
                i += 2;
            }
            if (level == 5) {
                int[] len = varInt(body, i);
                i = len[1] + len[0];
            }
            return new String(body, i, body.length - i, StandardCharsets.UTF_8);
        }

        /** CONNACK (MQTT 5): the value of a one-, two- or four-byte integer property, or null if absent. */
        Long connackProperty(int wanted) {
            int[] len = varInt(body, 2);
            int i = len[1];
            int end = i + len[0];
            while (i < end) {
                int id = body[i++] & 0xFF;
                long v;
                switch (id) {
                    case 0x11, 0x27 -> {
                        v = (body[i] & 0xFFL) << 24 | (body[i + 1] & 0xFF) << 16 | (body[i + 2] & 0xFF) << 8 | body[i + 3] & 0xFF;
                        i += 4;
                    }
                    case 0x21, 0x22, 0x13 -> {
                        v = (body[i] & 0xFF) << 8 | body[i + 1] & 0xFF;
                        i += 2;
                    }
                    case 0x24, 0x25, 0x28, 0x29, 0x2A -> v = body[i++] & 0xFF;
                    case 0x12, 0x15, 0x16, 0x1A, 0x1C, 0x1F -> {
                        i += 2 + ((body[i] & 0xFF) << 8 | body[i + 1] & 0xFF);
                        continue;
                    }
                    case 0x26 -> {
                        i += 2 + ((body[i] & 0xFF) << 8 | body[i + 1] & 0xFF);
                        i += 2 + ((body[i] & 0xFF) << 8 | body[i + 1] & 0xFF);
                        continue;
                    }
                    default -> throw new AssertionError("unknown CONNACK property 0x" + Integer.toHexString(id) + " in " + this);
                }
                if (id == wanted) {
                    return v;
                }
            }
            return null;
        }

        /** CONNACK (MQTT 5): every property. */
        List<Property> connackProperties() {
            return properties(body, 2);
        }

        /** CONNACK (MQTT 5): a string property (e.g. Assigned Client Identifier), or null if absent. */
        String connackString(int wanted) {
            return connackProperties().stream().filter(p -> p.id() == wanted).map(Property::text).findFirst().orElse(null);
        }

        /** PUBLISH: the QoS from the fixed header. */
        int qos() {
            return flags >> 1 & 3;
        }

        /** PUBLISH (MQTT 5): its properties. */
        List<Property> publishProperties() {
            int i = 2 + ((body[0] & 0xFF) << 8 | body[1] & 0xFF);
            if (qos() > 0) {
                i += 2;
            }
            return properties(body, i);
        }

        /** SUBACK: the granted QoS / reason codes, one per filter. */
        List<Integer> subackCodes(int level) {
            int i = 2;
            if (level == 5) {
                int[] len = varInt(body, i);
                i = len[1] + len[0];
            }
            List<Integer> codes = new ArrayList<>();
            for (; i < body.length; i++) {
                codes.add(body[i] & 0xFF);
            }
            return codes;
        }

        @Override
        public String toString() {
            if (closed()) {
                return "<closed>";
            }
            StringBuilder hex = new StringBuilder();
            for (int i = 0; i < Math.min(body.length, 32); i++) {
                hex.append(String.format("%02x", body[i]));
            }
            return "Packet[type=" + type + " flags=" + flags + " body=" + hex + (body.length > 32 ? "..." : "") + "]";
        }
    }

    /** One MQTT 5 property: numeric ones carry {@code value}, strings {@code text}, binary data {@code bytes}. */
    record Property(int id, long value, String text, byte[] bytes) {
    }

    /** Decodes the property block (length first) that starts at {@code offset}. */
    static List<Property> properties(byte[] b, int offset) {
        int[] len = varInt(b, offset);
        int i = len[1];
        int end = i + len[0];
        List<Property> out = new ArrayList<>();
        while (i < end) {
            int[] idv = varInt(b, i);
            int id = idv[0];
            i = idv[1];
            switch (id) {
                case 0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A -> out.add(new Property(id, b[i++] & 0xFF, null, null));
                case 0x13, 0x21, 0x22, 0x23 -> {
                    out.add(new Property(id, (b[i] & 0xFF) << 8 | b[i + 1] & 0xFF, null, null));
                    i += 2;
                }
                case 0x02, 0x11, 0x18, 0x27 -> {
                    out.add(new Property(id, (b[i] & 0xFFL) << 24 | (b[i + 1] & 0xFF) << 16 | (b[i + 2] & 0xFF) << 8
                            | b[i + 3] & 0xFF, null, null));
                    i += 4;
                }
                case 0x0B -> {
                    int[] v = varInt(b, i);
                    out.add(new Property(id, v[0], null, null));
                    i = v[1];
                }
                case 0x03, 0x08, 0x12, 0x15, 0x1A, 0x1C, 0x1F -> {
                    int n = (b[i] & 0xFF) << 8 | b[i + 1] & 0xFF;
                    out.add(new Property(id, 0, new String(b, i + 2, n, StandardCharsets.UTF_8), null));
                    i += 2 + n;
                }
                case 0x09, 0x16 -> {
                    int n = (b[i] & 0xFF) << 8 | b[i + 1] & 0xFF;
                    out.add(new Property(id, 0, null, java.util.Arrays.copyOfRange(b, i + 2, i + 2 + n)));
                    i += 2 + n;
                }
                case 0x26 -> {
                    int k = (b[i] & 0xFF) << 8 | b[i + 1] & 0xFF;
                    String key = new String(b, i + 2, k, StandardCharsets.UTF_8);
                    i += 2 + k;
                    int v = (b[i] & 0xFF) << 8 | b[i + 1] & 0xFF;
                    out.add(new Property(id, 0, key + "=" + new String(b, i + 2, v, StandardCharsets.UTF_8), null));
                    i += 2 + v;
                }
                default -> throw new AssertionError("unknown property 0x" + Integer.toHexString(id) + " at " + (i - 1));
            }
        }
        return out;
    }

    /** Decodes a variable byte integer at {@code offset}: returns {value, offset after it}. */
    static int[] varInt(byte[] b, int offset) {
        int value = 0, mult = 1, i = offset;
        while (true) {
            int d = b[i++] & 0xFF;
            value += (d & 0x7F) * mult;
            if ((d & 0x80) == 0) {
                return new int[] { value, i };
            }
            mult *= 128;
        }
    }

    private final Socket socket;
    private final DataInputStream in;

    RawMqttClient(Broker broker) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(Env.LOOPBACK, broker.port), 5000);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(5000);
        in = new DataInputStream(socket.getInputStream());
    }

    /** Writes bytes; returns false if the broker had already closed the connection. */
    boolean send(byte[] bytes) {
        try {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The next packet, {@link Packet#CLOSED} on end of stream or reset; fails if nothing comes within the timeout. */
    Packet read(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        try {
            int first = in.read();
            if (first < 0) {
                return Packet.CLOSED;
            }
            int len = 0, mult = 1;
            for (int i = 0; i < 4; i++) {
                int d = in.readUnsignedByte();
                len += (d & 0x7F) * mult;
                if ((d & 0x80) == 0) {
                    break;
                }
                mult *= 128;
            }
            byte[] body = new byte[len];
            in.readFully(body);
            return new Packet(first >> 4, first & 0x0F, body);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no packet from the broker within " + timeout.toMillis() + " ms");
        } catch (EOFException e) {
            return Packet.CLOSED;
        } catch (SocketException e) {
            return Packet.CLOSED; // connection reset
        }
    }

    /** The next packet, or null if none arrives within {@code timeout} (to show that the broker holds back). */
    Packet poll(Duration timeout) throws IOException {
        try {
            return read(timeout);
        } catch (AssertionError e) {
            return null;
        }
    }

    Packet read() throws IOException {
        return read(Duration.ofSeconds(5));
    }

    /** Reads the next packet of {@code type}, skipping others (e.g. PUBLISH of retained messages). */
    Packet expect(int type) throws IOException {
        for (int i = 0; i < 100; i++) {
            Packet p = read();
            if (p.type() == type) {
                return p;
            }
            if (p.closed()) {
                throw new AssertionError("connection closed while waiting for packet type " + type);
            }
        }
        throw new AssertionError("no packet of type " + type + " among the next 100");
    }

    /** Reads until the broker closes the connection; returns what it sent before. Fails if it stays open. */
    List<Packet> readUntilClosed(Duration timeout) throws IOException {
        List<Packet> got = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < 1000; i++) {
            long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            Packet p;
            try {
                p = read(Duration.ofMillis(left));
            } catch (AssertionError e) {
                throw new AssertionError("the broker kept the connection open for " + timeout.toMillis()
                        + " ms; it sent " + got);
            }
            if (p.closed()) {
                return got;
            }
            got.add(p);
        }
        throw new AssertionError("the broker kept sending: " + got.size() + " packets");
    }

    /** Sends CONNECT and expects a successful CONNACK. */
    Packet connect(Wire.Connect c) throws IOException {
        send(c.bytes());
        Packet p = read();
        if (p.type() != CONNACK || p.reasonCode() != 0) {
            throw new AssertionError("expected a successful CONNACK, got " + p);
        }
        return p;
    }

    /** Discards whatever has arrived so far (fuzzing: the broker may answer anything). */
    void drain() {
        try {
            InputStream s = socket.getInputStream();
            byte[] buf = new byte[8192];
            for (int i = 0; i < 64 && s.available() > 0; i++) {
                if (s.read(buf, 0, Math.min(buf.length, s.available())) < 0) {
                    return;
                }
            }
        } catch (IOException e) {
            // closed: the caller notices on the next send
        }
    }

    /** Closes with a TCP reset, as when a device loses power or a process is killed mid-write. */
    void abort() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.write(p, 0, p.length);
        }
        return out.toByteArray();
    }
}
