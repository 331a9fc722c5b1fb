package io.pigeon.broker.internal.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.pigeon.broker.ClientInfo;
import io.pigeon.broker.SubscriptionInfo;
import io.pigeon.broker.internal.BrokerSettings;
import io.pigeon.broker.internal.LeakDetection;
import io.pigeon.broker.internal.ListenerSettings;
import io.pigeon.broker.internal.LogCapture;
import io.pigeon.broker.internal.MqttBroker;

/**
 * {@code Broker.clients()} and {@code Broker.disconnect()} against the real server, with raw-byte clients on loopback
 * sockets, called from the test thread (not an event loop) as the console calls them.
 */
@ExtendWith(LeakDetection.class)
class ClientAdminTest {

    private final LogCapture log = new LogCapture();
    private MqttBroker broker;
    private NettyServer server;
    private NettyServer.Handle listener;

    @BeforeEach
    void start() {
        broker = new MqttBroker(BrokerSettings.defaults(), log.logger(), System::nanoTime);
        server = new NettyServer(broker, Transport.best(), 2, () -> { });
        broker.listenersSource(server::listeners);
        listener = server.open("127.0.0.1", 0, -1, ListenerSettings.NONE);
    }

    @AfterEach
    void stop() {
        listener.close();
        server.shutdown();
    }

    @Test
    void clientsShowsWhoIsConnectedWithSubscriptionsAndTraffic() throws Exception {
        long before = System.currentTimeMillis();
        try (Client alice = Client.connect(server.firstPort(), 5, "alice-1", "alice", null, null, true);
                Client bob = Client.connect(server.firstPort(), 4, "bob-1", null, null, null, false)) {
            alice.subscribe("sensors/#", 1);
            alice.subscribe("$share/g/cmd/+", 0);
            bob.publish("sensors/t", "21.5");
            bob.publish("sensors/h", "40");
            bob.publish("sensors/p", "1013");
            alice.readPacket(); // the third message has arrived: bob's three PUBLISH were counted before routing
            alice.readPacket();
            alice.readPacket();

            List<ClientInfo> clients = broker.clients();
            assertEquals(List.of("alice-1", "bob-1"), clients.stream().map(ClientInfo::clientId).toList());
            ClientInfo a = clients.get(0);
            assertTrue(a.connected());
            assertEquals(5, a.protocolLevel());
            assertEquals("alice", a.username());
            assertTrue(a.cleanStart());
            assertEquals(0, a.sessionExpirySeconds());
            assertEquals(alice.localAddress(), a.remoteAddress());
            assertEquals(List.of(new SubscriptionInfo("sensors/#", 1), new SubscriptionInfo("$share/g/cmd/+", 0)),
                    a.subscriptions());
            assertEquals(0, a.publishesReceived());
            assertTrue(a.connectedSinceMillis() >= before && a.connectedSinceMillis() <= System.currentTimeMillis(),
                    "connected since " + a.connectedSinceMillis());

            ClientInfo b = clients.get(1);
            assertEquals(4, b.protocolLevel());
            assertEquals(null, b.username());
            assertFalse(b.cleanStart());
            assertEquals(-1, b.sessionExpirySeconds(), "MQTT 3.1.1 clean session 0: never expires by default");
            assertEquals(3, b.publishesReceived());
            assertEquals(4 + 2 + 4, b.publishBytesReceived());
            assertEquals(List.of(), b.subscriptions());
        }
        // bob's persistent session stays, offline; alice's clean session is gone (each close is seen on its own loop)
        awaitOffline("bob-1");
        List<ClientInfo> after = awaitClients(1);
        assertEquals("bob-1", after.get(0).clientId());
        assertFalse(after.get(0).connected());
        assertEquals(null, after.get(0).remoteAddress());
    }

    @Test
    void disconnectSendsAdministrativeActionToV5ClientAndPublishesItsWill() throws Exception {
        try (Client watcher = Client.connect(server.firstPort(), 4, "watcher", null, null, null, true);
                Client victim = Client.connect(server.firstPort(), 5, "victim", null, "wills/victim", "gone", true)) {
            watcher.subscribe("wills/#", 0);
            assertTrue(broker.disconnect("victim"));

            byte[] disconnect = victim.readPacket();
            assertEquals(0xE0, disconnect[0] & 0xFF, "DISCONNECT, got " + Arrays.toString(disconnect));
            assertEquals(0x98, disconnect[2] & 0xFF, "reason code 0x98 administrative action");
            assertFalse(broker.disconnect("victim"), "a connection already being ended is not ended twice");
            victim.assertClosed();

            byte[] will = watcher.readPacket();
            assertEquals(0x30, will[0] & 0xF0, "the will as PUBLISH, got " + Arrays.toString(will));
            String body = new String(will, StandardCharsets.UTF_8);
            assertTrue(body.contains("wills/victim") && body.endsWith("gone"), body);
            assertEquals(List.of("watcher"), awaitClients(1).stream().map(ClientInfo::clientId).toList());
        }
    }

    @Test
    void disconnectClosesV311ClientWithoutPacketAndPublishesItsWill() throws Exception {
        try (Client watcher = Client.connect(server.firstPort(), 5, "watcher5", null, null, null, true);
                Client victim = Client.connect(server.firstPort(), 4, "old-victim", null, "wills/old", "bye", true)) {
            watcher.subscribe("wills/old", 0);
            assertTrue(broker.disconnect("old-victim"));
            victim.assertClosed();
            byte[] will = watcher.readPacket();
            assertEquals(0x30, will[0] & 0xF0, Arrays.toString(will));
            assertTrue(new String(will, StandardCharsets.UTF_8).endsWith("bye"));
        }
    }

    @Test
    void disconnectOfUnknownOrOfflineClientSaysFalse() throws Exception {
        assertFalse(broker.disconnect("nobody"));
        try (Client c = Client.connect(server.firstPort(), 4, "persistent", null, null, null, false)) {
            assertNotNull(c);
        }
        awaitOffline("persistent");
        assertFalse(broker.disconnect("persistent"), "an offline session has no connection to end");
    }

    private List<ClientInfo> awaitClients(int count) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5000;
        List<ClientInfo> clients = broker.clients();
        while (clients.size() != count && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
            clients = broker.clients();
        }
        assertEquals(count, clients.size(), clients.toString());
        return clients;
    }

    private void awaitOffline(String clientId) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5000;
        while (System.currentTimeMillis() < deadline) {
            if (broker.clients().stream().anyMatch(c -> c.clientId().equals(clientId) && !c.connected())) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(clientId + " did not go offline: " + broker.clients());
    }

    /** A raw-byte MQTT 3.1.1 or 5 client: just enough packets to connect, subscribe, publish and read. */
    static final class Client implements AutoCloseable {
        private final Socket socket;
        private final DataInputStream in;
        private final int level;
        private int nextId = 1;

        private Client(Socket socket, int level) throws Exception {
            this.socket = socket;
            this.in = new DataInputStream(socket.getInputStream());
            this.level = level;
        }

        static Client connect(int port, int level, String clientId, String username, String willTopic,
                String willPayload, boolean clean) throws Exception {
            Socket s = new Socket("127.0.0.1", port);
            s.setSoTimeout(5000);
            Client c = new Client(s, level);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            string(body, "MQTT");
            body.write(level);
            int flags = (clean ? 0x02 : 0) | (willTopic != null ? 0x04 : 0) | (username != null ? 0x80 : 0);
            body.write(flags);
            body.write(0);
            body.write(60);
            if (level == 5) {
                body.write(0);
            }
            string(body, clientId);
            if (willTopic != null) {
                if (level == 5) {
                    body.write(0);
                }
                string(body, willTopic);
                string(body, willPayload);
            }
            if (username != null) {
                string(body, username);
            }
            c.send(0x10, body.toByteArray());
            byte[] connack = c.readPacket();
            assertEquals(0x20, connack[0] & 0xFF);
            assertEquals(0, connack[3], "CONNACK return code");
            return c;
        }

        String localAddress() {
            return "127.0.0.1:" + socket.getLocalPort();
        }

        void subscribe(String filter, int qos) throws Exception {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            int id = nextId++;
            body.write(id >> 8);
            body.write(id);
            if (level == 5) {
                body.write(0);
            }
            string(body, filter);
            body.write(qos);
            send(0x82, body.toByteArray());
            byte[] suback = readPacket();
            assertEquals(0x90, suback[0] & 0xFF, Arrays.toString(suback));
        }

        void publish(String topic, String payload) throws Exception {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            string(body, topic);
            if (level == 5) {
                body.write(0);
            }
            body.write(payload.getBytes(StandardCharsets.UTF_8));
            send(0x30, body.toByteArray());
        }

        /** One whole packet: fixed header byte, remaining length bytes, body. */
        byte[] readPacket() throws Exception {
            ByteArrayOutputStream packet = new ByteArrayOutputStream();
            packet.write(in.readUnsignedByte());
            int length = 0;
            int shift = 0;
            int b;
            do {
                b = in.readUnsignedByte();
                packet.write(b);
                length |= (b & 0x7F) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            byte[] rest = new byte[length];
            in.readFully(rest);
            packet.write(rest);
            return packet.toByteArray();
        }

        void assertClosed() throws Exception {
            try {
                int next = in.read();
                assertEquals(-1, next, "the broker closes the connection after the DISCONNECT");
            } catch (SocketException | EOFException e) {
                // reset: closed as well
            }
        }

        private void send(int type, byte[] body) throws Exception {
            ByteArrayOutputStream packet = new ByteArrayOutputStream();
            packet.write(type);
            int length = body.length;
            do {
                int digit = length % 128;
                length /= 128;
                packet.write(length > 0 ? digit | 0x80 : digit);
            } while (length > 0);
            packet.write(body);
            socket.getOutputStream().write(packet.toByteArray());
            socket.getOutputStream().flush();
        }

        private static void string(ByteArrayOutputStream out, String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.write(b.length >> 8);
            out.write(b.length);
            out.write(b, 0, b.length);
        }

        @Override
        public void close() throws Exception {
            socket.close();
        }
    }
}
