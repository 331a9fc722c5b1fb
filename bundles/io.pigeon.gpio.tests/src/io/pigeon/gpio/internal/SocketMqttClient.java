package io.pigeon.gpio.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A minimal MQTT 3.1.1 client on a plain socket, as an outside subscriber would connect to the gateway: QoS 0
 * subscriptions and publishes. Every message received is kept; waits are bounded.
 */
final class SocketMqttClient implements AutoCloseable {

    static final long TIMEOUT_MS = 10_000;

    /** A message as this client received it. */
    record Received(String topic, String payload, boolean retain) {
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final List<Received> received = new ArrayList<>();
    private final Thread reader;
    private int nextPacketId = 1;
    private int subacks;

    SocketMqttClient(int port, String clientId) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout((int) TIMEOUT_MS);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, "MQTT");
        body.write(4);
        body.write(0x02); // clean session
        body.write(0);
        body.write(60);
        string(body, clientId);
        send(0x10, body.toByteArray());
        if (in.readUnsignedByte() != 0x20 || in.readUnsignedByte() != 2) {
            throw new IOException("no CONNACK");
        }
        in.readUnsignedByte();
        int code = in.readUnsignedByte();
        if (code != 0) {
            throw new IOException("CONNACK return code " + code);
        }
        socket.setSoTimeout(0);
        reader = new Thread(this::read, "test-mqtt-" + clientId);
        reader.setDaemon(true);
        reader.start();
    }

    /** Subscribes at QoS 0 and waits for the SUBACK. */
    void subscribe(String filter) throws IOException, InterruptedException {
        int expected;
        synchronized (this) {
            expected = subacks + 1;
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int id = nextPacketId++;
        body.write(id >> 8);
        body.write(id);
        string(body, filter);
        body.write(0);
        send(0x82, body.toByteArray());
        long end = System.currentTimeMillis() + TIMEOUT_MS;
        synchronized (this) {
            while (subacks < expected) {
                long left = end - System.currentTimeMillis();
                if (left <= 0) {
                    throw new AssertionError("no SUBACK for " + filter);
                }
                wait(left);
            }
        }
    }

    void publish(String topic, String payload, boolean retain) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, topic);
        body.write(payload.getBytes(StandardCharsets.UTF_8));
        send(0x30 | (retain ? 1 : 0), body.toByteArray());
    }

    /** Waits for a message that matches, received after the first {@code skip} ones; fails after the timeout. */
    Received await(String what, Predicate<Received> match) throws InterruptedException {
        return await(what, match, 0);
    }

    synchronized Received await(String what, Predicate<Received> match, int skip) throws InterruptedException {
        long end = System.currentTimeMillis() + TIMEOUT_MS;
        while (true) {
            for (int i = skip; i < received.size(); i++) {
                if (match.test(received.get(i))) {
                    return received.get(i);
                }
            }
            long left = end - System.currentTimeMillis();
            if (left <= 0) {
                throw new AssertionError("no message " + what + " within " + TIMEOUT_MS + " ms; received " + received);
            }
            wait(left);
        }
    }

    /** Waits for {@code payload} on {@code topic}. */
    Received await(String topic, String payload) throws InterruptedException {
        return await(topic + " = '" + payload + "'", r -> r.topic.equals(topic) && r.payload.equals(payload));
    }

    /** Waits for {@code payload} on {@code topic} among the messages received from now on. */
    Received awaitNext(String topic, String payload) throws InterruptedException {
        return await(topic + " = '" + payload + "' (new)", r -> r.topic.equals(topic) && r.payload.equals(payload),
                count());
    }

    synchronized int count() {
        return received.size();
    }

    synchronized List<Received> received() {
        return List.copyOf(received);
    }

    /** Messages on {@code topic} received so far, after waiting {@code ms} for stragglers. */
    List<Received> on(String topic, long ms) throws InterruptedException {
        TimeUnit.MILLISECONDS.sleep(ms);
        return received().stream().filter(r -> r.topic.equals(topic)).toList();
    }

    private void read() {
        try {
            while (true) {
                int header = in.readUnsignedByte();
                byte[] body = new byte[remainingLength()];
                in.readFully(body);
                int type = header >> 4;
                if (type == 3) {
                    int topicLength = (body[0] & 0xff) << 8 | body[1] & 0xff;
                    String topic = new String(body, 2, topicLength, StandardCharsets.UTF_8);
                    int at = 2 + topicLength + (((header >> 1) & 3) > 0 ? 2 : 0);
                    String payload = new String(body, at, body.length - at, StandardCharsets.UTF_8);
                    synchronized (this) {
                        received.add(new Received(topic, payload, (header & 1) != 0));
                        notifyAll();
                    }
                } else if (type == 9) {
                    synchronized (this) {
                        subacks++;
                        notifyAll();
                    }
                }
            }
        } catch (EOFException | SocketException e) {
            // closed
        } catch (IOException e) {
            // closed or broken: the waits report what did not arrive
        }
    }

    private int remainingLength() throws IOException {
        int value = 0;
        for (int shift = 0; shift < 28; shift += 7) {
            int b = in.readUnsignedByte();
            value |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IOException("malformed remaining length");
    }

    private synchronized void send(int header, byte[] body) throws IOException {
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(header);
        int length = body.length;
        do {
            int b = length & 0x7f;
            length >>= 7;
            packet.write(length > 0 ? b | 0x80 : b);
        } while (length > 0);
        packet.write(body);
        out.write(packet.toByteArray());
        out.flush();
    }

    private static void string(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b.length >> 8);
        out.write(b.length);
        out.write(b, 0, b.length);
    }

    @Override
    public void close() throws IOException {
        try {
            send(0xe0, new byte[0]);
        } catch (IOException e) {
            // already gone
        }
        socket.close();
    }
}
