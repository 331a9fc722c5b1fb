package io.pigeon.e2e;

import static io.pigeon.e2e.RawMqttClient.CONNACK;
import static io.pigeon.e2e.RawMqttClient.DISCONNECT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.pigeon.e2e.RawMqttClient.Packet;
import io.pigeon.e2e.Wire.Connect;

/**
 * Malformed and out-of-order input, one case per test: the broker closes only the offending connection (MQTT 5: after a
 * CONNACK or DISCONNECT with the right reason code), a client connected all along keeps working, and a new client
 * works.
 */
@WithBroker("max_packet_size 2048")
class BadInputTest {

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private static int seq;

    private Paho.V3 bystander;
    private String bystanderTopic;

    @BeforeEach
    void connectBystander(Broker b) throws Exception {
        bystanderTopic = "e2e/bad/bystander/" + (++seq);
        bystander = new Paho.V3(b, "bystander-" + seq);
        bystander.client.subscribe(bystanderTopic, 1);
    }

    @AfterEach
    void othersStillServed(Broker b) throws Exception {
        try (Paho.V3 fresh = new Paho.V3(b, "after-bad-" + seq)) {
            fresh.publish(bystanderTopic, "still here", 1, false);
            List<Paho.Received> got = bystander.take(1, Duration.ofSeconds(5));
            assertEquals(1, got.size(), "a client connected before the bad input got nothing afterwards");
            assertEquals("still here", got.get(0).payload());
            assertTrue(bystander.client.isConnected(), "the bystander was disconnected");
        } finally {
            bystander.close();
        }
    }

    private static List<Packet> sendAndAwaitClose(RawMqttClient c, byte[] bytes) throws IOException {
        c.send(bytes);
        return c.readUntilClosed(CLOSE_TIMEOUT);
    }

    /** A malformed packet after CONNECT: v5 gets DISCONNECT 0x81 first, 3.1.1 a plain close. */
    private static void assertMalformedPacketClose(int level, List<Packet> got) {
        if (level == 5) {
            assertClosedAfter(got, DISCONNECT, 0x81);
        } else {
            assertClosedSilently(got);
        }
    }

    private static void assertClosedSilently(List<Packet> got) {
        assertEquals(List.of(), got, "expected the connection to be closed without a reply");
    }

    /**
     * MQTT 5 says a server MAY send CONNACK / SHOULD send DISCONNECT with the reason code before closing; Pigeon must.
     * Mosquitto sometimes just closes, which the reference run accepts.
     */
    private static void assertClosedAfter(List<Packet> got, int type, int... reasonCodes) {
        if (got.isEmpty() && Env.mosquittoMode()) {
            return;
        }
        int reasonCode = reasonCodes[0];
        assertEquals(1, got.size(), "expected exactly one packet (type " + type + ", reason 0x"
                + Integer.toHexString(reasonCode) + ") before the close, got " + got);
        assertEquals(type, got.get(0).type(), "packet type, got " + got);
        int actual = got.get(0).reasonCode();
        assertTrue(Arrays.stream(reasonCodes).anyMatch(c -> c == actual), "reason code 0x" + Integer.toHexString(actual)
                + ", expected one of " + Arrays.toString(Arrays.stream(reasonCodes).mapToObj(Integer::toHexString).toArray()));
    }

    private static RawMqttClient connected(Broker b, int level, String id) throws IOException {
        RawMqttClient c = new RawMqttClient(b);
        c.connect(new Connect(level, id));
        return c;
    }

    // --- CONNECT ---

    @ParameterizedTest(name = "protocol level {0}")
    @ValueSource(ints = { 3, 4 })
    void malformedConnectClosesConnection(int level, Broker b) throws IOException {
        byte[] good = new Connect(level, "malformed-" + level).body();
        byte[] broken = Arrays.copyOf(good, good.length);
        broken[1] = (byte) 200; // protocol name length runs past the end of the packet
        try (RawMqttClient c = new RawMqttClient(b)) {
            assertClosedSilently(sendAndAwaitClose(c, Wire.packet(0x10, broken)));
        }
    }

    @Test
    void malformedV5ConnectPropertiesGetConnack0x81(Broker b) throws IOException {
        // property length claims 100 bytes, but only a client id follows
        Connect connect = new Connect(5, "malformed-v5").props(new byte[] { 100 });
        try (RawMqttClient c = new RawMqttClient(b)) {
            assertClosedAfter(sendAndAwaitClose(c, connect.bytes()), CONNACK, 0x81);
        }
    }

    @Test
    void truncatedConnectClosesConnection(Broker b) throws IOException {
        byte[] good = new Connect(4, "truncated").bytes();
        byte[] header = { 0x10, 3 }; // remaining length 3: the packet ends inside the protocol name
        try (RawMqttClient c = new RawMqttClient(b)) {
            assertClosedSilently(sendAndAwaitClose(c, RawMqttClient.concat(header, Arrays.copyOfRange(good, 2, 5))));
        }
    }

    @Test
    void wrongProtocolNameClosesConnection(Broker b) throws IOException {
        Connect connect = new Connect(4, "wrong-name");
        connect.protocolName = "MQTX";
        try (RawMqttClient c = new RawMqttClient(b)) {
            List<Packet> got = sendAndAwaitClose(c, connect.bytes());
            // MQTT-3.1.2-1: the server MAY close without CONNACK; it must not accept the connection
            assertTrue(got.isEmpty() || got.get(0).type() == CONNACK && got.get(0).reasonCode() != 0, got.toString());
        }
    }

    @Test
    void unsupportedProtocolLevelGetsConnack0x01(Broker b) throws IOException {
        try (RawMqttClient c = new RawMqttClient(b)) {
            // MQTT-3.1.2-2: CONNACK with return code 0x01 (unacceptable protocol level), then close
            assertClosedAfter(sendAndAwaitClose(c, new Connect(6, "level-6").bytes()), CONNACK, 0x01);
        }
    }

    @ParameterizedTest(name = "protocol level {0}")
    @ValueSource(ints = { 4, 5 })
    void reservedConnectFlagClosesConnection(int level, Broker b) throws IOException {
        Connect connect = new Connect(level, "reserved-flag-" + level);
        connect.flagsOverride = 0x03; // clean session plus the reserved bit 0 (MQTT-3.1.2-3)
        try (RawMqttClient c = new RawMqttClient(b)) {
            List<Packet> got = sendAndAwaitClose(c, connect.bytes());
            if (level == 5) {
                assertClosedAfter(got, CONNACK, 0x81);
            } else {
                assertClosedSilently(got);
            }
        }
    }

    @ParameterizedTest(name = "protocol level {0}")
    @ValueSource(ints = { 4, 5 })
    void secondConnectIsAProtocolError(int level, Broker b) throws IOException {
        try (RawMqttClient c = connected(b, level, "second-connect-" + level)) {
            List<Packet> got = sendAndAwaitClose(c, new Connect(level, "second-connect-" + level).bytes());
            if (level == 5) {
                assertClosedAfter(got, DISCONNECT, 0x82);
            } else {
                assertClosedSilently(got);
            }
        }
    }

    // --- order ---

    @Test
    void publishBeforeConnectClosesConnection(Broker b) throws IOException {
        try (RawMqttClient c = new RawMqttClient(b)) {
            assertClosedSilently(sendAndAwaitClose(c, Wire.publish(4, 0, "e2e/bad/early", 0, "too early")));
        }
    }

    @Test
    void pingBeforeConnectClosesConnection(Broker b) throws IOException {
        try (RawMqttClient c = new RawMqttClient(b)) {
            assertClosedSilently(sendAndAwaitClose(c, Wire.pingreq()));
        }
    }

    // --- fixed-header flags ---

    @ParameterizedTest(name = "protocol level {0}")
    @ValueSource(ints = { 4, 5 })
    void subscribeWithWrongReservedFlagsClosesConnection(int level, Broker b) throws IOException {
        byte[] sub = Wire.subscribe(level, 1, "e2e/bad/flags", 0);
        sub[0] = (byte) 0x80; // SUBSCRIBE's fixed-header flags must be 0010
        try (RawMqttClient c = connected(b, level, "sub-flags-" + level)) {
            List<Packet> got = sendAndAwaitClose(c, sub);
            assertMalformedPacketClose(level, got);
        }
    }

    @ParameterizedTest(name = "protocol level {0}")
    @ValueSource(ints = { 4, 5 })
    void publishWithQos3ClosesConnection(int level, Broker b) throws IOException {
        byte[] pub = Wire.publish(level, 2, "e2e/bad/qos3", 1, "qos 3");
        pub[0] = (byte) 0x36; // both QoS bits set
        try (RawMqttClient c = connected(b, level, "qos3-" + level)) {
            List<Packet> got = sendAndAwaitClose(c, pub);
            assertMalformedPacketClose(level, got);
        }
    }

    // --- size ---

    @ParameterizedTest(name = "protocol level {0}")
    @ValueSource(ints = { 4, 5 })
    void packetOverMaxPacketSizeClosesConnection(int level, Broker b) throws IOException {
        try (RawMqttClient c = new RawMqttClient(b)) {
            Packet connack = c.connect(new Connect(level, "oversized-" + level));
            if (level == 5) {
                assertEquals(2048L, connack.connackProperty(Wire.MAXIMUM_PACKET_SIZE), "CONNACK's Maximum Packet Size");
            }
            byte[] big = new byte[4000];
            Arrays.fill(big, (byte) 'x');
            List<Packet> got = sendAndAwaitClose(c,
                    Wire.publish(level, 0, false, Wire.utf8Bytes("e2e/bad/big"), 0, null, big));
            if (level == 5) {
                assertClosedAfter(got, DISCONNECT, 0x95);
            } else {
                assertClosedSilently(got);
            }
        }
    }

    @Test
    void packetJustUnderMaxPacketSizeIsDelivered(Broker b) throws Exception {
        try (Paho.V3 sub = new Paho.V3(b, "under-limit-sub"); RawMqttClient c = connected(b, 4, "under-limit")) {
            sub.client.subscribe("e2e/bad/under", 0);
            // whole packet = 1 type byte + 2 remaining-length bytes + 2 + topic + payload
            byte[] payload = new byte[2048 - 3 - 2 - "e2e/bad/under".length()];
            Arrays.fill(payload, (byte) 'y');
            byte[] pub = Wire.publish(4, 0, false, Wire.utf8Bytes("e2e/bad/under"), 0, null, payload);
            assertEquals(2048, pub.length, "test setup: the packet must be exactly at the limit");
            c.send(pub);
            List<Paho.Received> got = sub.take(1, Duration.ofSeconds(5));
            assertEquals(1, got.size(), "a packet of exactly max_packet_size bytes must be accepted");
        }
    }

    // --- topic names ---

    @ParameterizedTest(name = "protocol level {0}")
    @ValueSource(ints = { 4, 5 })
    void invalidUtf8TopicClosesConnection(int level, Broker b) throws IOException {
        byte[] topic = { 'e', '2', 'e', '/', (byte) 0xC0, (byte) 0xAF }; // overlong encoding of '/'
        try (RawMqttClient c = connected(b, level, "bad-utf8-" + level)) {
            List<Packet> got = sendAndAwaitClose(c, Wire.publish(level, 0, false, topic, 0, null, Wire.utf8Bytes("x")));
            assertMalformedPacketClose(level, got);
        }
    }

    @ParameterizedTest(name = "protocol level {0}")
    @ValueSource(ints = { 4, 5 })
    void nullCharacterInTopicClosesConnection(int level, Broker b) throws IOException {
        byte[] topic = { 'e', '2', 'e', '/', 0, 'x' }; // U+0000 (MQTT-1.5.4-2)
        try (RawMqttClient c = connected(b, level, "nul-topic-" + level)) {
            List<Packet> got = sendAndAwaitClose(c, Wire.publish(level, 0, false, topic, 0, null, Wire.utf8Bytes("x")));
            assertMalformedPacketClose(level, got);
        }
    }

    @ParameterizedTest(name = "protocol level {0}")
    @ValueSource(ints = { 4, 5 })
    void wildcardInPublishTopicClosesConnection(int level, Broker b) throws Exception {
        try (Paho.V3 sub = new Paho.V3(b, "wildcard-watch-" + level); RawMqttClient c = connected(b, level, "wildcard-" + level)) {
            sub.client.subscribe("e2e/bad/#", 0);
            List<Packet> got = sendAndAwaitClose(c, Wire.publish(level, 0, "e2e/bad/+/x", 0, "wild"));
            if (level == 5) {
                // a wildcard makes the Topic Name invalid; 0x81 / 0x82 are also defensible readings of MQTT-3.3.2-2
                assertClosedAfter(got, DISCONNECT, 0x90, 0x81, 0x82);
            } else {
                assertClosedSilently(got);
            }
            assertNull(sub.received.poll(), "a PUBLISH to a wildcard topic was delivered");
        }
    }
}
