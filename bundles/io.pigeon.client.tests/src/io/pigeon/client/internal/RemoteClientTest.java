package io.pigeon.client.internal;

import static io.pigeon.client.internal.Inbox.message;
import static io.pigeon.client.internal.Osgi.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.pigeon.broker.Message;
import io.pigeon.client.ClientOptions;
import io.pigeon.client.ClientOptions.DropPolicy;
import io.pigeon.client.ClientSubscription;
import io.pigeon.client.ConnectionState;
import io.pigeon.client.MqttClient;
import io.pigeon.client.MqttClientException;
import io.pigeon.client.MqttClients;
import io.pigeon.client.SubscribeOptions;
import io.pigeon.client.internal.remote.ClientEventLoops;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/**
 * The remote client over real sockets: against the Pigeon broker in this Equinox (a listener on a free port) and
 * against a real Mosquitto started by the test.
 */
class RemoteClientTest {

    @TempDir
    Path dir;

    private final List<MqttClient> opened = new ArrayList<>();
    private final List<Mosquitto> mosquittos = new ArrayList<>();
    private PigeonListener listener;

    @BeforeEach
    void needMosquitto() {
        assumeTrue(Files.isExecutable(Mosquitto.BINARY), "mosquitto is installed (apt-get install mosquitto)");
    }

    @AfterEach
    void tearDown() throws Exception {
        opened.forEach(MqttClient::close);
        for (Mosquitto m : mosquittos) {
            m.stop();
        }
        if (listener != null) {
            listener.close();
        }
        Bundle broker = Osgi.brokerBundle();
        if (broker.getState() != Bundle.ACTIVE) {
            broker.start();
        }
    }

    private Mosquitto mosquitto(String extra) throws Exception {
        Mosquitto m = new Mosquitto(dir, extra);
        mosquittos.add(m);
        return m.start();
    }

    /** A listener of the Pigeon broker in this runtime on a free loopback port. */
    private String pigeon() throws Exception {
        listener = new PigeonListener();
        return listener.uri();
    }

    private MqttClient open(ClientOptions options) throws Exception {
        MqttClient c = Osgi.service(MqttClients.class, null).open(options);
        opened.add(c);
        return c;
    }

    private static ClientOptions.Builder options(String... servers) {
        return ClientOptions.builder(servers).reconnect(Duration.ofMillis(100), Duration.ofMillis(400));
    }

    private MqttClient connect(ClientOptions options) throws Exception {
        MqttClient c = open(options);
        get(c.connected());
        return c;
    }

    private static <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(Osgi.TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    private static MqttClientException failure(CompletionStage<?> stage) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> stage.toCompletableFuture().get(Osgi.TIMEOUT_MS, TimeUnit.MILLISECONDS));
        return assertInstanceOf(MqttClientException.class, e.getCause());
    }

    /** Publishes at QoS 0, 1 and 2 and checks each is acknowledged and arrives, in order, at its QoS. */
    private void roundTrip(String server, int version) throws Exception {
        MqttClient subscriber = connect(options(server).clientId("sub-" + version).protocolVersion(version).build());
        MqttClient publisher = connect(options(server).clientId("pub-" + version).protocolVersion(version).build());
        Inbox inbox = new Inbox();
        ClientSubscription sub = get(subscriber.subscribe("remote/" + version + "/#", 2, inbox));
        assertEquals(2, sub.grantedQos());
        for (int qos = 0; qos <= 2; qos++) {
            get(publisher.publish(message("remote/" + version + "/" + qos, "v" + version + "q" + qos, qos)));
        }
        for (int qos = 0; qos <= 2; qos++) {
            Message m = inbox.take();
            assertEquals("remote/" + version + "/" + qos, m.topic());
            assertEquals("v" + version + "q" + qos, Inbox.text(m));
            assertEquals(qos, m.qos());
        }
        get(sub.unsubscribe());
        get(publisher.publish(message("remote/" + version + "/0", "after", 1)));
        assertNull(inbox.poll(300), "nothing after UNSUBACK");
    }

    @Test
    void publishAndSubscribeAtEveryQosWithThePigeonBroker() throws Exception {
        String server = pigeon();
        for (int version = 3; version <= 5; version++) {
            roundTrip(server, version);
        }
    }

    @Test
    void publishAndSubscribeAtEveryQosWithMosquitto() throws Exception {
        String server = mosquitto("allow_anonymous true").uri();
        for (int version = 3; version <= 5; version++) {
            roundTrip(server, version);
        }
    }

    @Test
    void mqtt5PropertiesTravelBothWays() throws Exception {
        String server = mosquitto("allow_anonymous true").uri();
        MqttClient client = connect(options(server).build());
        Inbox inbox = new Inbox();
        get(client.subscribe("props", 1, inbox));
        var props = new io.pigeon.broker.MessageProperties(true, 60L, "text/plain", "reply/here",
                new byte[] {1, 2}, List.of(new io.pigeon.broker.MessageProperties.UserProperty("k", "v")));
        get(client.publish(new Message("props", "x".getBytes(StandardCharsets.UTF_8), 1, false, props)));
        Message m = inbox.take();
        assertEquals("text/plain", m.properties().contentType());
        assertEquals("reply/here", m.properties().responseTopic());
        assertEquals(List.of(new io.pigeon.broker.MessageProperties.UserProperty("k", "v")),
                m.properties().userProperties());
        assertTrue(m.properties().payloadFormatUtf8());
    }

    @Test
    void aWrongPasswordIsReportedWithTheFix() throws Exception {
        Path passwd = dir.resolve("passwd");
        Files.writeString(passwd, "");
        Process p = new ProcessBuilder("mosquitto_passwd", "-b", passwd.toString(), "alice", "right").start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mosquitto_passwd");
        String server = mosquitto("allow_anonymous false\npassword_file " + passwd).uri();

        for (int version : new int[] {5, 4}) {
            List<String> reasons = new CopyOnWriteArrayList<>();
            MqttClient wrong = open(options(server).protocolVersion(version).credentials("alice", "wrong").build());
            wrong.addStateListener((state, reason) -> {
                if (reason != null) {
                    reasons.add(reason);
                }
            });
            waitFor(() -> !reasons.isEmpty(), "a refusal is reported");
            String reason = reasons.get(0);
            if (version == 5) {
                // Mosquitto 2.0 answers a wrong password with 0x87 Not authorized rather than 0x86.
                assertTrue(reason.startsWith("CONNACK 0x87 not authorized: check the username/password options"),
                        reason);
            } else {
                assertTrue(reason.startsWith("CONNACK 0x05 not authorized: check the username/password options"),
                        reason);
            }
            assertEquals(ConnectionState.DISCONNECTED, wrong.state());
            wrong.close();
        }
        MqttClient right = connect(options(server).credentials("alice", "right").build());
        assertEquals(ConnectionState.CONNECTED, right.state());
    }

    @Test
    void nothingPublishedIsLostWhileMosquittoRestarts() throws Exception {
        Mosquitto broker = mosquitto("allow_anonymous true\npersistence true\npersistence_location " + dir + "/\n"
                + "autosave_interval 0");
        MqttClient subscriber = connect(options(broker.uri()).clientId("restart-sub").cleanStart(false)
                .sessionExpirySeconds(600).build());
        Set<String> received = java.util.concurrent.ConcurrentHashMap.newKeySet();
        get(subscriber.subscribe("restart/#", 1, m -> received.add(Inbox.text(m))));
        MqttClient publisher = connect(options(broker.uri()).clientId("restart-pub").cleanStart(false)
                .sessionExpirySeconds(600).build());

        int count = 300;
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            acks.add(publisher.publish(message("restart/x", "m" + i, 1)).toCompletableFuture());
            if (i == count / 3) {
                // At once, while the publishes just made are still in flight.
                broker.stop();
            }
            if (i == 2 * count / 3) {
                waitFor(() -> publisher.state() == ConnectionState.DISCONNECTED, "the publisher sees the broker go");
                broker.start();
            }
            if (i > count / 3) {
                Thread.sleep(2);
            }
        }
        for (CompletableFuture<Void> ack : acks) {
            get(ack);
        }
        waitFor(() -> received.size() == count, "every message arrives");
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < count; i++) {
            expected.add("m" + i);
        }
        assertEquals(expected, received);
    }

    @Test
    void reconnectsAndSubscribesAgainWhenThePigeonBrokerRestarts() throws Exception {
        String server = pigeon();
        MqttClient subscriber = connect(options(server).clientId("pigeon-sub").build());
        Inbox inbox = new Inbox();
        get(subscriber.subscribe("pigeon/restart", 1, inbox));
        MqttClient publisher = connect(options(server).clientId("pigeon-pub").build());
        List<String> states = new CopyOnWriteArrayList<>();
        publisher.addStateListener((state, reason) -> states.add(state + (reason == null ? "" : ": " + reason)));

        Bundle broker = Osgi.brokerBundle();
        broker.stop();
        waitFor(() -> publisher.state() != ConnectionState.CONNECTED, "the publisher sees the broker go");
        CompletionStage<Void> buffered = publisher.publish(message("pigeon/restart", "buffered", 1));
        assertFalse(buffered.toCompletableFuture().isDone());
        broker.start();
        get(buffered);
        get(subscriber.connected());
        waitFor(() -> {
            publisher.publish(message("pigeon/restart", "after", 1));
            try {
                Message m = inbox.poll(100);
                return m != null;
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }, "the subscriber, subscribed again, receives");
        assertTrue(states.stream().anyMatch(s -> s.startsWith("DISCONNECTED: connection to " + server + " lost")),
                states.toString());
    }

    @Test
    void theOfflineBufferKeepsAndDropsByPolicyUntilTheBrokerComes() throws Exception {
        int port = Mosquitto.freePort();
        String server = "mqtt://127.0.0.1:" + port;
        MqttClient oldest = open(options(server).offlineBuffer(2, DropPolicy.DROP_OLDEST).build());
        MqttClient newest = open(options(server).offlineBuffer(2, DropPolicy.DROP_NEWEST).build());
        MqttClient none = open(options(server).offlineBuffer(0, DropPolicy.DROP_NEWEST).build());
        List<String> reasons = new CopyOnWriteArrayList<>();
        oldest.addStateListener((state, reason) -> {
            if (reason != null) {
                reasons.add(reason);
            }
        });
        waitFor(() -> !reasons.isEmpty(), "the client reports it cannot connect");
        assertTrue(reasons.get(0).startsWith("cannot reach " + server), reasons.get(0));

        List<CompletionStage<Void>> o = new ArrayList<>();
        List<CompletionStage<Void>> n = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            o.add(oldest.publish(new Message("drop/o" + i, new byte[] {1}, 1, true)));
            n.add(newest.publish(new Message("drop/n" + i, new byte[] {1}, 1, true)));
        }
        assertTrue(failure(o.get(0)).getMessage().contains("DROP_OLDEST"));
        assertTrue(failure(n.get(2)).getMessage().contains("DROP_NEWEST"));
        assertEquals(-1, failure(none.publish(message("drop/none", "x", 1))).reasonCode());

        Mosquitto broker = new Mosquitto(dir, port, "allow_anonymous true");
        mosquittos.add(broker);
        broker.start();
        get(o.get(1));
        get(o.get(2));
        get(n.get(0));
        get(n.get(1));
        MqttClient reader = connect(options(server).build());
        Set<String> retained = java.util.concurrent.ConcurrentHashMap.newKeySet();
        get(reader.subscribe("drop/#", 1, m -> retained.add(m.topic())));
        waitFor(() -> retained.size() >= 4, "the kept messages are at the broker");
        Thread.sleep(200);
        assertEquals(Set.of("drop/o2", "drop/o3", "drop/n1", "drop/n2"), retained);
    }

    @Test
    void failsOverToTheNextServer() throws Exception {
        String dead = "mqtt://127.0.0.1:" + Mosquitto.freePort();
        String live = mosquitto("allow_anonymous true").uri();
        LogReaderService reader = Osgi.service(LogReaderService.class, null);
        List<String> warnings = new CopyOnWriteArrayList<>();
        LogListener logged = e -> warnings.add(e.getMessage());
        reader.addLogListener(logged);
        MqttClient client;
        java.util.function.BooleanSupplier warned =
                () -> warnings.stream().anyMatch(s -> s.contains("'failover'") && s.contains("cannot reach " + dead));
        try {
            client = open(options(dead, live).clientId("failover").build());
            get(client.connected());
            // the Log Service hands entries to listeners on its own thread: the warning may come a moment later
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!warned.getAsBoolean() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        } finally {
            reader.removeLogListener(logged);
        }
        assertTrue(warned.getAsBoolean(), warnings.toString());
        Inbox inbox = new Inbox();
        get(client.subscribe("failover", 1, inbox));
        get(client.publish(message("failover", "here", 1)));
        assertEquals("here", inbox.takeText());
    }

    @Test
    void keepAlivePingsHoldAnIdleConnection() throws Exception {
        Mosquitto broker = mosquitto("allow_anonymous true");
        List<ConnectionState> states = new CopyOnWriteArrayList<>();
        MqttClient client = connect(options(broker.uri()).keepAliveSeconds(1).build());
        client.addStateListener((state, reason) -> states.add(state));
        Thread.sleep(3500);
        assertEquals(List.of(), states, "Mosquitto drops a client silent for 1.5 x keep alive; pings keep it");
        assertEquals(ConnectionState.CONNECTED, client.state());
    }

    @Test
    void theWillIsPublishedForAClientItsBundleLeftOpenButNotForAClosedOne() throws Exception {
        String server = mosquitto("allow_anonymous true").uri();
        MqttClient watcher = connect(options(server).build());
        Inbox wills = new Inbox();
        get(watcher.subscribe("will/#", 1, wills));
        ClientsComponent clients = new ClientsComponent(new LogCapture().logger,
                Osgi.service(ClientEventLoops.class, null), (ComponentContext) Proxy.newProxyInstance(
                        getClass().getClassLoader(), new Class<?>[] {ComponentContext.class}, (p, m, a) -> null));
        MqttClient closed = clients.open(options(server).clientId("will-closed")
                .will(message("will/closed", "gone", 1)).build());
        MqttClient left = clients.open(options(server).clientId("will-left")
                .will(message("will/left", "gone", 1)).build());
        get(closed.connected());
        get(left.connected());
        closed.close();
        clients.deactivate();
        Message will = wills.take();
        assertEquals("will/left", will.topic());
        assertNull(wills.poll(300), "a closed client's will is not published");
    }

    @Test
    void theBridgeFlagStopsMosquittoEchoingAndFallsBackOnPigeon() throws Exception {
        String server = mosquitto("allow_anonymous true").uri();
        MqttClient bridge = connect(options(server).protocolVersion(4).clientId("bridge").bridge(true).build());
        MqttClient plain = connect(options(server).protocolVersion(4).clientId("plain").build());
        Inbox bridged = new Inbox();
        Inbox control = new Inbox();
        get(bridge.subscribe("loop/#", 1, bridged));
        get(plain.subscribe("loop/#", 1, control));
        get(bridge.publish(message("loop/from-bridge", "b", 1)));
        get(plain.publish(message("loop/from-plain", "p", 1)));
        assertEquals("p", bridged.takeText(), "the bridge receives others' messages");
        assertNull(bridged.poll(300), "Mosquitto does not send a bridge its own messages back");
        Set<String> seen = new HashSet<>(List.of(control.takeText(), control.takeText()));
        assertEquals(Set.of("b", "p"), seen, "an ordinary client gets its own too");

        MqttClient onPigeon = connect(options(pigeon()).protocolVersion(4).clientId("bridge-pigeon").bridge(true)
                .build());
        Inbox inbox = new Inbox();
        get(onPigeon.subscribe("pigeon/bridge", 1, inbox));
        get(onPigeon.publish(message("pigeon/bridge", "ok", 1)));
        assertEquals("ok", inbox.takeText());
    }

    @Test
    void tlsWithPemFilesAndTheHostNameCheck() throws Exception {
        Certificates certs = new Certificates(dir);
        String tls = "cafile " + certs.ca + "\ncertfile " + certs.serverCert + "\nkeyfile " + certs.serverKey
                + "\nrequire_certificate true\nallow_anonymous true";
        Mosquitto broker = mosquitto(tls);
        String server = "mqtts://localhost:" + broker.port;
        ClientOptions.Tls files = new ClientOptions.Tls(certs.ca.toString(), certs.clientCert.toString(),
                certs.clientKey.toString(), false);
        MqttClient client = connect(options(server).tls(files).build());
        Inbox inbox = new Inbox();
        get(client.subscribe("tls", 2, inbox));
        get(client.publish(message("tls", "secret", 2)));
        assertEquals("secret", inbox.takeText());

        String otherTls = "cafile " + certs.ca + "\ncertfile " + certs.otherCert + "\nkeyfile " + certs.otherKey
                + "\nallow_anonymous true";
        Mosquitto other = mosquitto(otherTls);
        String otherServer = "mqtts://127.0.0.1:" + other.port;
        List<String> reasons = new CopyOnWriteArrayList<>();
        MqttClient checked = open(options(otherServer).tls(new ClientOptions.Tls(certs.ca.toString(), null, null,
                false)).build());
        checked.addStateListener((state, reason) -> {
            if (reason != null) {
                reasons.add(reason);
            }
        });
        waitFor(() -> !reasons.isEmpty(), "the host name check refuses other.example's certificate for 127.0.0.1");
        assertEquals(ConnectionState.DISCONNECTED, checked.state(), reasons.toString());
        MqttClient insecure = connect(options(otherServer).tls(new ClientOptions.Tls(certs.ca.toString(), null, null,
                true)).build());
        assertEquals(ConnectionState.CONNECTED, insecure.state());

        IllegalArgumentException unreadable = assertThrows(IllegalArgumentException.class,
                () -> Osgi.service(MqttClients.class, null).open(options(server).tls(new ClientOptions.Tls(
                        dir.resolve("missing.crt").toString(), null, null, false)).build()));
        assertTrue(unreadable.getMessage().contains("caFile") && unreadable.getMessage().contains("missing.crt"),
                unreadable.getMessage());
    }

    @Test
    void subscribeOptionsReachAnMqtt5Broker() throws Exception {
        String server = mosquitto("allow_anonymous true").uri();
        MqttClient client = connect(options(server).build());
        Inbox noLocal = new Inbox();
        get(client.subscribe("opts/nolocal", new SubscribeOptions(1, true, false), noLocal));
        get(client.publish(message("opts/nolocal", "own", 1)));
        assertNull(noLocal.poll(300), "No Local: the broker does not send the client's own message back");

        Inbox rap = new Inbox();
        get(client.subscribe("opts/rap", new SubscribeOptions(1, false, true), rap));
        get(client.publish(new Message("opts/rap", "r".getBytes(StandardCharsets.UTF_8), 1, true)));
        assertTrue(rap.take().retain(), "Retain As Published keeps the flag on a live message");
        get(client.publish(new Message("opts/rap", new byte[0], 1, true)));
    }

    @Test
    void webSocketsCarryMqttInBinaryFramesWithTheMqttSubprotocol() throws Exception {
        String pigeon = pigeon();
        int brokerPort = Integer.parseInt(pigeon.substring(pigeon.lastIndexOf(':') + 1));
        Certificates certs = new Certificates(dir);
        try (WebSocketRelay ws = new WebSocketRelay(brokerPort, null);
                WebSocketRelay wss = new WebSocketRelay(brokerPort, io.netty.handler.ssl.SslContextBuilder
                        .forServer(certs.serverCert.toFile(), certs.serverKey.toFile()).build())) {
            MqttClient plain = connect(options("ws://127.0.0.1:" + ws.port + "/mqtt").clientId("ws").build());
            MqttClient secure = connect(options("wss://localhost:" + wss.port + "/mqtt").clientId("wss")
                    .tls(new ClientOptions.Tls(certs.ca.toString(), null, null, false)).build());
            Inbox inbox = new Inbox();
            get(plain.subscribe("ws/#", 2, inbox));
            get(secure.publish(message("ws/secure", "over wss", 2)));
            get(plain.publish(message("ws/plain", "over ws", 1)));
            assertEquals("over wss", inbox.takeText());
            assertEquals("over ws", inbox.takeText());
            assertEquals(List.of("mqtt"), ws.subprotocols);
            assertEquals(List.of("mqtt"), wss.subprotocols);
            assertTrue(ws.frameTypes.stream().allMatch("BinaryWebSocketFrame"::equals), ws.frameTypes.toString());
        }
    }

    @Test
    void reconnectDelaysDoubleUpToTheMaximum() throws Exception {
        String dead = "mqtt://127.0.0.1:" + Mosquitto.freePort();
        List<Long> attempts = new CopyOnWriteArrayList<>();
        MqttClient client = open(ClientOptions.builder(dead).reconnect(Duration.ofMillis(200), Duration.ofMillis(800))
                .build());
        client.addStateListener((state, reason) -> {
            if (state == ConnectionState.CONNECTING) {
                attempts.add(System.nanoTime());
            }
        });
        waitFor(() -> attempts.size() >= 5, "five more attempts");
        client.close();
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < attempts.size(); i++) {
            gaps.add(TimeUnit.NANOSECONDS.toMillis(attempts.get(i) - attempts.get(i - 1)));
        }
        // The first recorded attempt may follow any delay; from there 400, 800, 800 ms, with scheduling slack.
        long[] expected = gaps.get(0) < 300 ? new long[] {200, 400, 800, 800} : new long[] {400, 800, 800, 800};
        for (int i = 0; i < expected.length; i++) {
            assertTrue(gaps.get(i) >= expected[i] - 20 && gaps.get(i) < expected[i] + 300,
                    "gap " + i + " of " + gaps + " should be about " + expected[i] + " ms");
        }
    }

    @Test
    void aServerThatNeverAnswersTheConnectIsLeft() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            List<String> reasons = new CopyOnWriteArrayList<>();
            MqttClient client = open(options("mqtt://127.0.0.1:" + silent.getLocalPort()).keepAliveSeconds(0).build());
            client.addStateListener((state, reason) -> {
                if (reason != null) {
                    reasons.add(reason);
                }
            });
            java.net.Socket accepted = silent.accept();
            try {
                waitFor(() -> !reasons.isEmpty(), "the client gives up waiting for CONNACK", 15_000);
            } finally {
                accepted.close();
            }
            assertTrue(reasons.get(0).startsWith("no CONNACK from mqtt://127.0.0.1:" + silent.getLocalPort()
                    + " within 10 s"), reasons.get(0));
        }
    }

    /** A listener that keeps every state change with its reason, for the test thread to look at. */
    private static List<String> states(MqttClient client) {
        List<String> states = new CopyOnWriteArrayList<>();
        client.addStateListener((state, reason) -> states.add(state + (reason == null ? "" : ": " + reason)));
        return states;
    }

    /** Publishes {@code payload} to {@code topic} through {@code via} until {@code inbox} gets it, for up to 15 s. */
    private static boolean reaches(MqttClient via, String topic, String payload, Inbox inbox) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            via.publish(message(topic, payload, 0));
            Message m = inbox.poll(200);
            if (m != null && Inbox.text(m).equals(payload)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void resubscribeMakesAKeptSessionSendItsRetainedMessagesAgain() throws Exception {
        Mosquitto broker = mosquitto("allow_anonymous true\npersistence true\npersistence_location " + dir + "/\n"
                + "autosave_interval 0");
        MqttClient publisher = connect(options(broker.uri()).clientId("retainer").build());
        get(publisher.publish(new Message("kept/a", "1".getBytes(StandardCharsets.UTF_8), 1, true)));
        List<MqttClient> clients = new ArrayList<>();
        List<Inbox> inboxes = new ArrayList<>();
        List<List<String>> states = new ArrayList<>();
        for (boolean resubscribe : new boolean[] {true, false}) {
            MqttClient c = connect(options(broker.uri()).clientId("kept-" + resubscribe).protocolVersion(4)
                    .cleanStart(false).resubscribe(resubscribe).build());
            Inbox inbox = new Inbox();
            get(c.subscribe("kept/#", 0, inbox));
            assertEquals("1", inbox.takeText(), "retained, on the first SUBSCRIBE");
            clients.add(c);
            inboxes.add(inbox);
            states.add(states(c));
        }
        broker.stop();
        broker.start();
        for (List<String> s : states) {
            waitFor(() -> s.contains("CONNECTED"), "connected again to the restarted Mosquitto: " + s);
        }
        Message again = inboxes.get(0).take();
        assertEquals("1", Inbox.text(again), "resubscribe: the kept session's subscription is sent again");
        assertTrue(again.retain(), "and the broker sends its retained message, as for any SUBSCRIBE");
        assertNull(inboxes.get(1).poll(1000), "without resubscribe the kept session is left as it is: nothing");
    }

    @Test
    void unsubscribeOnConnectDropsWhatAKeptSessionStillHas() throws Exception {
        Mosquitto broker = mosquitto("allow_anonymous true\nlog_dest stderr\nlog_type all");
        MqttClient publisher = connect(options(broker.uri()).clientId("unsub-pub").build());
        for (boolean unsubscribe : new boolean[] {true, false}) {
            String id = "unsub-" + unsubscribe;
            MqttClient earlier = connect(options(broker.uri()).clientId(id).protocolVersion(4).cleanStart(false)
                    .build());
            get(earlier.subscribe("old/#", 1, m -> { }));
            earlier.close();
            MqttClient now = connect(options(broker.uri()).clientId(id).protocolVersion(4).cleanStart(false)
                    .unsubscribeOnConnect(unsubscribe ? List.of("old/#") : List.of()).build());
            // Mosquitto handles one connection's packets in order: this PUBACK comes after the UNSUBACK.
            get(now.publish(message("probe", "p", 1)));
            now.close();
            get(publisher.publish(message("old/x", "queued for " + id, 1)));
            MqttClient later = connect(options(broker.uri()).clientId(id).protocolVersion(4).cleanStart(false)
                    .build());
            // What the kept session sends on connecting is in Mosquitto's log, whatever this client then does with it.
            java.util.regex.Pattern queued = java.util.regex.Pattern.compile("Sending PUBLISH to " + id
                    + " \\(d\\d, q1, r\\d, m\\d+, 'old/x'");
            if (unsubscribe) {
                Thread.sleep(1000);
                assertFalse(queued.matcher(broker.log()).find(), "the session no longer had old/#: " + broker.log());
                assertTrue(broker.log().contains("Received UNSUBSCRIBE from " + id), broker.log());
            } else {
                waitFor(() -> queued.matcher(broker.log()).find(), "control: the kept session still had old/#");
                assertFalse(broker.log().contains("Received UNSUBSCRIBE from " + id), broker.log());
            }
            later.close();
        }
    }

    @Test
    void primaryFailoverMovesBackToTheFirstServerOnceItAcceptsConnections() throws Exception {
        int firstPort = Mosquitto.freePort();
        Mosquitto second = mosquitto("allow_anonymous true");
        MqttClient client = connect(options("mqtt://127.0.0.1:" + firstPort, second.uri()).clientId("primary")
                .failover(ClientOptions.Failover.PRIMARY).build());
        Inbox inbox = new Inbox();
        get(client.subscribe("where", 0, inbox));
        assertTrue(reaches(connect(options(second.uri()).build()), "where", "second", inbox), "on the second");
        Mosquitto first = new Mosquitto(dir, firstPort, "allow_anonymous true");
        mosquittos.add(first);
        first.start();
        long back = System.nanoTime();
        assertTrue(reaches(connect(options(first.uri()).build()), "where", "first", inbox),
                "back on the first server within the 5 s check and a reconnect");
        assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - back) < 10, "within 10 s");
    }

    @Test
    void roundRobinGoesOnToTheNextServerAndStaysWhereItWorks() throws Exception {
        int firstPort = Mosquitto.freePort();
        Mosquitto second = mosquitto("allow_anonymous true");
        Mosquitto third = mosquitto("allow_anonymous true");
        MqttClient client = connect(options("mqtt://127.0.0.1:" + firstPort, second.uri(), third.uri())
                .clientId("round").failover(ClientOptions.Failover.ROUND_ROBIN).build());
        Inbox inbox = new Inbox();
        get(client.subscribe("where", 0, inbox));
        MqttClient onSecond = connect(options(second.uri()).build());
        assertTrue(reaches(onSecond, "where", "second", inbox), "on the second: the first is down");
        Mosquitto first = new Mosquitto(dir, firstPort, "allow_anonymous true");
        mosquittos.add(first);
        first.start();
        MqttClient onFirst = connect(options(first.uri()).build());
        MqttClient onThird = connect(options(third.uri()).build());
        second.stop();
        // IN_ORDER and PRIMARY would start again at the first, which is up now
        assertTrue(reaches(onThird, "where", "third", inbox), "on the third: the one after the second");
        second.start();
        // PRIMARY would be back on the first within about 5 s
        Thread.sleep(7000);
        while (inbox.poll(0) != null) {
            // late copies from the probing above
        }
        get(onFirst.publish(message("where", "first", 1)));
        get(connect(options(second.uri()).build()).publish(message("where", "second", 1)));
        assertNull(inbox.poll(500), "nothing from the first or the second: the client stays on the third");
        assertTrue(reaches(onThird, "where", "still third", inbox), "still on the third");
    }

    @Test
    void theConnectionGoesOutFromTheBindAddress() throws Exception {
        Mosquitto broker = mosquitto("allow_anonymous true\nlog_dest stderr\nlog_type all");
        connect(options(broker.uri()).clientId("bound").bindAddress("127.0.0.2").build());
        waitFor(() -> broker.log().contains("New client connected from 127.0.0.2:"), "Mosquitto sees 127.0.0.2: "
                + broker.log());

        MqttClient elsewhere = open(options(broker.uri()).bindAddress("192.0.2.1").build());
        List<String> states = states(elsewhere);
        waitFor(() -> states.stream().anyMatch(s -> s.startsWith("DISCONNECTED")), "a refusal");
        String reason = states.stream().filter(s -> s.startsWith("DISCONNECTED")).findFirst().get();
        assertTrue(reason.contains("bind address 192.0.2.1") && reason.contains("give an IP address of this machine"),
                reason);
    }

    @Test
    void aClientThatConnectsOnceStaysDownAfterALostConnection() throws Exception {
        Mosquitto broker = mosquitto("allow_anonymous true");
        MqttClient once = connect(options(broker.uri()).reconnect(false).build());
        MqttClient again = connect(options(broker.uri()).build());
        List<String> states = states(once);
        broker.stop();
        waitFor(() -> once.state() == ConnectionState.DISCONNECTED, "the client sees Mosquitto go");
        broker.start();
        get(again.connected());
        Thread.sleep(1500);
        assertEquals(ConnectionState.DISCONNECTED, once.state(), "no new attempt (reconnect 100 ms): " + states);
        assertFalse(states.stream().anyMatch(s -> s.startsWith("CONNECTING")), states.toString());
    }

    @Test
    void aMessageAboveTheMaximumPacketSizeFailsWith0x95() throws Exception {
        Mosquitto broker = mosquitto("allow_anonymous true\nmax_packet_size 200");
        MqttClient v5 = connect(options(broker.uri()).build());
        MqttClientException big = failure(v5.publish(message("size/big", "x".repeat(300), 1)));
        assertEquals(0x95, big.reasonCode());
        assertTrue(big.getMessage().contains("the broker's Maximum Packet Size"), big.getMessage());
        get(v5.publish(message("size/small", "x".repeat(100), 1)));

        MqttClient limited = connect(options(broker.uri()).protocolVersion(4).maximumPacketSize(150).build());
        MqttClientException own = failure(limited.publish(message("size/big", "x".repeat(200), 0)));
        assertEquals(0x95, own.reasonCode());
        assertTrue(own.getMessage().contains("the client's maximum packet size"), own.getMessage());
        get(limited.publish(message("size/small", "x".repeat(100), 1)));
    }
}
