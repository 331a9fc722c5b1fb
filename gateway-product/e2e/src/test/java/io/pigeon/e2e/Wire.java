package io.pigeon.e2e;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A byte-level MQTT encoder for hand-made (and deliberately broken) packets. */
final class Wire {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Wire u8(int v) {
        out.write(v & 0xFF);
        return this;
    }

    Wire u16(int v) {
        return u8(v >> 8).u8(v);
    }

    Wire u32(long v) {
        return u16((int) (v >> 16)).u16((int) v);
    }

    Wire varInt(int v) {
        do {
            int b = v % 128;
            v /= 128;
            if (v > 0) {
                b |= 0x80;
            }
            u8(b);
        } while (v > 0);
        return this;
    }

    Wire raw(byte[] b) {
        out.write(b, 0, b.length);
        return this;
    }

    /** Two-byte length followed by the bytes (MQTT's UTF-8 string and binary data). */
    Wire lenPrefixed(byte[] b) {
        return u16(b.length).raw(b);
    }

    Wire utf8(String s) {
        return lenPrefixed(s.getBytes(StandardCharsets.UTF_8));
    }

    int size() {
        return out.size();
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /** Fixed header (first byte and remaining length) plus body. */
    static byte[] packet(int firstByte, byte[] body) {
        return new Wire().u8(firstByte).varInt(body.length).raw(body).bytes();
    }

    static byte[] utf8Bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** MQTT 5 properties: collect them, then {@link #bytes()} prefixes the length. */
    static final class Props {
        private final Wire w = new Wire();

        Props u8(int id, int v) {
            w.varInt(id).u8(v);
            return this;
        }

        Props u16(int id, int v) {
            w.varInt(id).u16(v);
            return this;
        }

        Props u32(int id, long v) {
            w.varInt(id).u32(v);
            return this;
        }

        Props varInt(int id, int v) {
            w.varInt(id).varInt(v);
            return this;
        }

        Props utf8(int id, String s) {
            w.varInt(id).utf8(s);
            return this;
        }

        Props binary(int id, byte[] b) {
            w.varInt(id).lenPrefixed(b);
            return this;
        }

        Props pair(int id, String k, String v) {
            w.varInt(id).utf8(k).utf8(v);
            return this;
        }

        byte[] bytes() {
            byte[] content = w.bytes();
            return new Wire().varInt(content.length).raw(content).bytes();
        }

        static byte[] none() {
            return new byte[] { 0 };
        }
    }

    // Property identifiers (MQTT 5, 2.2.2.2)
    static final int PAYLOAD_FORMAT = 0x01;
    static final int MESSAGE_EXPIRY = 0x02;
    static final int CONTENT_TYPE = 0x03;
    static final int RESPONSE_TOPIC = 0x08;
    static final int CORRELATION_DATA = 0x09;
    static final int SUBSCRIPTION_ID = 0x0B;
    static final int SESSION_EXPIRY = 0x11;
    static final int ASSIGNED_CLIENT_ID = 0x12;
    static final int AUTH_METHOD = 0x15;
    static final int WILL_DELAY = 0x18;
    static final int RECEIVE_MAXIMUM = 0x21;
    static final int TOPIC_ALIAS_MAXIMUM = 0x22;
    static final int TOPIC_ALIAS = 0x23;
    static final int USER_PROPERTY = 0x26;
    static final int MAXIMUM_PACKET_SIZE = 0x27;

    /** A CONNECT packet; fields are public so tests can break exactly one thing. */
    static final class Connect {
        int level = 4;
        String protocolName;
        String clientId = "";
        boolean cleanStart = true;
        int keepAlive = 60;
        Integer flagsOverride;
        byte[] props;
        String willTopic;
        byte[] willPayload = new byte[0];
        int willQos;
        boolean willRetain;
        byte[] willProps;
        String username;
        byte[] password;

        Connect(int level, String clientId) {
            this.level = level;
            this.clientId = clientId;
        }

        Connect will(String topic, String payload, int qos, boolean retain) {
            willTopic = topic;
            willPayload = utf8Bytes(payload);
            willQos = qos;
            willRetain = retain;
            return this;
        }

        Connect clean(boolean clean) {
            cleanStart = clean;
            return this;
        }

        Connect props(byte[] p) {
            props = p;
            return this;
        }

        int flags() {
            if (flagsOverride != null) {
                return flagsOverride;
            }
            int f = cleanStart ? 0x02 : 0;
            if (willTopic != null) {
                f |= 0x04 | (willQos << 3) | (willRetain ? 0x20 : 0);
            }
            if (password != null) {
                f |= 0x40;
            }
            if (username != null) {
                f |= 0x80;
            }
            return f;
        }

        byte[] body() {
            String name = protocolName != null ? protocolName : level == 3 ? "MQIsdp" : "MQTT";
            Wire w = new Wire().utf8(name).u8(level).u8(flags()).u16(keepAlive);
            if (level == 5) {
                w.raw(props != null ? props : Props.none());
            }
            w.utf8(clientId);
            if (willTopic != null) {
                if (level == 5) {
                    w.raw(willProps != null ? willProps : Props.none());
                }
                w.utf8(willTopic).lenPrefixed(willPayload);
            }
            if (username != null) {
                w.utf8(username);
            }
            if (password != null) {
                w.lenPrefixed(password);
            }
            return w.bytes();
        }

        byte[] bytes() {
            return packet(0x10, body());
        }
    }

    static byte[] publish(int level, int qos, boolean retain, byte[] topic, int packetId, byte[] props, byte[] payload) {
        Wire w = new Wire().lenPrefixed(topic);
        if (qos > 0) {
            w.u16(packetId);
        }
        if (level == 5) {
            w.raw(props != null ? props : Props.none());
        }
        w.raw(payload);
        return packet(0x30 | (qos << 1) | (retain ? 1 : 0), w.bytes());
    }

    static byte[] publish(int level, int qos, String topic, int packetId, String payload) {
        return publish(level, qos, false, utf8Bytes(topic), packetId, null, utf8Bytes(payload));
    }

    static byte[] subscribe(int level, int packetId, String filter, int options) {
        Wire w = new Wire().u16(packetId);
        if (level == 5) {
            w.raw(Props.none());
        }
        w.utf8(filter).u8(options);
        return packet(0x82, w.bytes());
    }

    static byte[] ack(int type, int packetId) {
        int first = type << 4 | (type == 6 ? 0x02 : 0);
        return packet(first, new Wire().u16(packetId).bytes());
    }

    static byte[] pingreq() {
        return new byte[] { (byte) 0xC0, 0 };
    }

    static byte[] disconnect(int level, int reason) {
        return level == 5 ? packet(0xE0, new byte[] { (byte) reason, 0 }) : new byte[] { (byte) 0xE0, 0 };
    }
}
