package io.pigeon.e2e;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client on a plain socket that writes exactly the frames a test asks for (RFC 6455), so a test can split
 * MQTT packets across frames, fragment messages and send malformed frames. It reads the server's frames and hands
 * their bytes back as MQTT packets. Not thread safe; one test at a time.
 */
final class RawWebSocketClient implements AutoCloseable {

    static final int CONTINUATION = 0x0, TEXT = 0x1, BINARY = 0x2, CLOSE = 0x8, PING = 0x9, PONG = 0xA;

    /** A frame from the server. */
    record Frame(int opcode, boolean fin, byte[] payload) {
        static final Frame CLOSED = new Frame(-1, true, new byte[0]);

        /** The close code of a close frame, or -1. */
        int closeCode() {
            return opcode == CLOSE && payload.length >= 2 ? (payload[0] & 0xFF) << 8 | payload[1] & 0xFF : -1;
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    /** MQTT bytes received in binary frames and not yet returned as packets. */
    private final ByteArrayOutputStream mqtt = new ByteArrayOutputStream();
    private boolean closeReceived;

    private RawWebSocketClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(Env.LOOPBACK, port), 5000);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(5000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** A raw TCP connection to a WebSockets listener, before any HTTP. */
    static RawWebSocketClient tcp(int port) throws IOException {
        return new RawWebSocketClient(port);
    }

    /** Connects and upgrades on {@code path} with subprotocol {@code mqtt}; fails unless the server answers 101. */
    static RawWebSocketClient upgrade(int port, String path) throws IOException {
        RawWebSocketClient c = new RawWebSocketClient(port);
        String key = Base64.getEncoder().encodeToString(randomBytes(16));
        String response = c.http("GET " + path + " HTTP/1.1\r\nHost: " + Env.LOOPBACK + ":" + port + "\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n");
        if (!response.startsWith("HTTP/1.1 101")) {
            c.close();
            throw new AssertionError("the upgrade on " + path + " was answered with:\n" + response);
        }
        if (!response.toLowerCase().contains("sec-websocket-accept: " + accept(key).toLowerCase())) {
            c.close();
            throw new AssertionError("wrong or missing Sec-WebSocket-Accept:\n" + response);
        }
        if (!response.toLowerCase().contains("sec-websocket-protocol: mqtt")) {
            c.close();
            throw new AssertionError("subprotocol mqtt not chosen:\n" + response);
        }
        return c;
    }

    /** Sends an HTTP request and returns the response head (status line and headers). */
    String http(String request) throws IOException {
        sendRaw(request.getBytes(StandardCharsets.ISO_8859_1));
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = { '\r', '\n', '\r', '\n' };
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : b == '\r' ? 1 : 0;
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Writes one frame; a client's frames are masked unless the test wants to break that rule. */
    void sendFrame(int opcode, boolean fin, byte[] payload, boolean masked) throws IOException {
        sendRaw(frame(opcode, fin, payload, masked));
    }

    /** One complete binary message. */
    void sendBinary(byte[] payload) throws IOException {
        sendFrame(BINARY, true, payload, true);
    }

    static byte[] frame(int opcode, boolean fin, byte[] payload, boolean masked) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write((fin ? 0x80 : 0) | opcode);
        int maskBit = masked ? 0x80 : 0;
        if (payload.length < 126) {
            f.write(maskBit | payload.length);
        } else if (payload.length < 65536) {
            f.write(maskBit | 126);
            f.write(payload.length >> 8);
            f.write(payload.length);
        } else {
            f.write(maskBit | 127);
            for (int i = 7; i >= 0; i--) {
                f.write((int) ((long) payload.length >> (8 * i)));
            }
        }
        if (!masked) {
            f.writeBytes(payload);
            return f.toByteArray();
        }
        byte[] mask = randomBytes(4);
        f.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            f.write(payload[i] ^ mask[i % 4]);
        }
        return f.toByteArray();
    }

    /** The next frame from the server, {@link Frame#CLOSED} when the connection ends; fails after the timeout. */
    Frame readFrame(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        try {
            int b0 = in.read();
            if (b0 < 0) {
                return Frame.CLOSED;
            }
            int b1 = in.readUnsignedByte();
            long len = b1 & 0x7F;
            if (len == 126) {
                len = in.readUnsignedShort();
            } else if (len == 127) {
                len = in.readLong();
            }
            if ((b1 & 0x80) != 0) {
                throw new AssertionError("the server masked a frame, which RFC 6455 forbids");
            }
            if (len > 16 * 1024 * 1024) {
                throw new AssertionError("frame of " + len + " bytes from the server");
            }
            byte[] payload = new byte[(int) len];
            in.readFully(payload);
            Frame f = new Frame(b0 & 0x0F, (b0 & 0x80) != 0, payload);
            if (f.opcode() == CLOSE) {
                closeReceived = true;
            }
            return f;
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no frame from the server within " + timeout.toMillis() + " ms");
        } catch (EOFException | SocketException e) {
            return Frame.CLOSED;
        }
    }

    /** The next MQTT packet carried in binary (or continuation) frames; {@link RawMqttClient.Packet#CLOSED} at the end. */
    RawMqttClient.Packet readPacket(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < 10_000; i++) {
            RawMqttClient.Packet p = parse();
            if (p != null) {
                return p;
            }
            Frame f = readFrame(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
            if (f.opcode() == BINARY || f.opcode() == CONTINUATION) {
                mqtt.writeBytes(f.payload());
            } else if (f.opcode() == CLOSE || f == Frame.CLOSED) {
                return RawMqttClient.Packet.CLOSED;
            } else if (f.opcode() == TEXT) {
                throw new AssertionError("the server sent a text frame");
            }
        }
        throw new AssertionError("too many frames without a whole MQTT packet");
    }

    /** Reads frames until the server closes; returns the close frame's code (-1 if it closed without one). */
    int awaitClose(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int code = -1;
        for (int i = 0; i < 10_000; i++) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("the server kept the connection open for " + timeout.toMillis() + " ms");
            }
            Frame f = readFrame(Duration.ofNanos(left));
            if (f == Frame.CLOSED) {
                return code;
            }
            if (f.opcode() == CLOSE) {
                code = f.closeCode();
            }
        }
        throw new AssertionError("the server kept sending frames");
    }

    boolean closeReceived() {
        return closeReceived;
    }

    /** A whole MQTT packet from the buffered bytes, or null when more bytes are needed. */
    private RawMqttClient.Packet parse() {
        byte[] b = mqtt.toByteArray();
        if (b.length < 2) {
            return null;
        }
        int len = 0, mult = 1, i = 1;
        while (true) {
            if (i >= b.length) {
                return null;
            }
            int d = b[i++] & 0xFF;
            len += (d & 0x7F) * mult;
            if ((d & 0x80) == 0) {
                break;
            }
            mult *= 128;
        }
        if (b.length < i + len) {
            return null;
        }
        byte[] body = java.util.Arrays.copyOfRange(b, i, i + len);
        mqtt.reset();
        mqtt.write(b, i + len, b.length - i - len);
        return new RawMqttClient.Packet((b[0] & 0xFF) >> 4, b[0] & 0x0F, body);
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    private static String accept(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                    .getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
