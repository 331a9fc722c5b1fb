package io.pigeon.e2e;

import static io.pigeon.e2e.RawMqttClient.CONNACK;
import static io.pigeon.e2e.RawMqttClient.DISCONNECT;
import static io.pigeon.e2e.RawMqttClient.PUBACK;
import static io.pigeon.e2e.RawMqttClient.PUBLISH;
import static io.pigeon.e2e.RawMqttClient.PUBREC;
import static io.pigeon.e2e.RawMqttClient.SUBACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.pigeon.e2e.RawMqttClient.Packet;
import io.pigeon.e2e.RawMqttClient.Property;
import io.pigeon.e2e.Wire.Connect;
import io.pigeon.e2e.Wire.Props;

/**
 * Protocol rules checked at the byte level: client identifiers, MQTT 5 flow control (Receive Maximum, Maximum Packet
 * Size), server-to-client Topic Aliases, Subscription Identifiers and enhanced authentication. The broker advertises a
 * Receive Maximum of 10 (max_inflight_messages) so that exceeding it takes few packets.
 */
@WithBroker({ "max_inflight_messages 10", "auto_id_prefix e2e-auto-" })
class ProtocolRulesTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    /** How long "nothing more arrives" is watched for. */
    private static final Duration QUIET = Duration.ofMillis(800);

    static byte[] subscribe(int packetId, byte[] props, String filter, int options) {
        return Wire.packet(0x82, new Wire().u16(packetId).raw(props).utf8(filter).u8(options).bytes());
    }

    /** Subscribes (MQTT 5) and checks the SUBACK grants the requested QoS. */
    static void subscribe5(RawMqttClient c, int packetId, byte[] props, String filter, int qos) throws IOException {
        c.send(subscribe(packetId, props, filter, qos));
        Packet suback = c.expect(SUBACK);
        assertEquals(packetId, suback.packetId());
        assertEquals(List.of(qos), suback.subackCodes(5), "SUBACK for " + filter);
    }

    /** Reads PUBLISH packets until none arrives for {@link #QUIET}, acknowledging QoS 1 ones; at most 200. */
    static List<Packet> readPublishesUntilQuiet(RawMqttClient c) throws IOException {
        List<Packet> got = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Packet p = c.poll(QUIET);
            if (p == null) {
                return got;
            }
            assertFalse(p.closed(), "the broker closed the connection after " + got);
            if (p.type() == PUBLISH) {
                got.add(p);
                if (p.qos() == 1) {
                    c.send(Wire.ack(PUBACK, p.packetId()));
                }
            }
        }
        throw new AssertionError("the broker kept sending: " + got.size() + " packets");
    }

    static List<Long> ids(List<Property> props, int id) {
        return props.stream().filter(p -> p.id() == id).map(Property::value).toList();
    }

    // --- client identifiers ---

    @Test
    void emptyClientIdWithCleanSessionIsAcceptedForMqtt311(Broker b) throws Exception {
        try (RawMqttClient c = new RawMqttClient(b)) {
            c.connect(new Connect(4, ""));
            subscribeAndEcho(c, 4, "e2e/rules/empty-id/311");
        }
    }

    /** Subscribes, publishes to itself and expects the message back: the connection really works. */
    private static void subscribeAndEcho(RawMqttClient c, int level, String topic) throws IOException {
        c.send(Wire.subscribe(level, 1, topic, 1));
        assertEquals(List.of(1), c.expect(SUBACK).subackCodes(level));
        c.send(Wire.publish(level, 0, topic, 0, "echo"));
        Packet p = c.expect(PUBLISH);
        assertEquals(topic, p.topic());
        assertEquals("echo", p.payload(level));
    }

    @Test
    void emptyClientIdWithPersistentSessionIsRefusedWith0x02ForMqtt311(Broker b) throws Exception {
        try (RawMqttClient c = new RawMqttClient(b)) {
            c.send(new Connect(4, "").clean(false).bytes());
            List<Packet> got = c.readUntilClosed(WAIT);
            assertEquals(1, got.size(), "MQTT-3.1.3-8: CONNACK 0x02 then close, got " + got);
            assertEquals(CONNACK, got.get(0).type());
            assertEquals(0x02, got.get(0).reasonCode(), "identifier rejected");
        }
    }

    @Test
    void emptyClientIdGetsAnAssignedClientIdentifierForMqtt5(Broker b) throws Exception {
        String first;
        try (RawMqttClient c = new RawMqttClient(b)) {
            Packet connack = c.connect(new Connect(5, ""));
            first = connack.connackString(Wire.ASSIGNED_CLIENT_ID);
            assertNotNull(first, "MQTT-3.2.2-16: CONNACK must carry the Assigned Client Identifier: " + connack.connackProperties());
            assertTrue(first.startsWith("e2e-auto-"), "auto_id_prefix not used: " + first);
            subscribeAndEcho(c, 5, "e2e/rules/empty-id/5");
            try (RawMqttClient d = new RawMqttClient(b)) {
                String second = d.connect(new Connect(5, "")).connackString(Wire.ASSIGNED_CLIENT_ID);
                assertNotNull(second);
                assertNotEquals(first, second, "two clients got the same assigned identifier");
            }
        }
        try (RawMqttClient named = new RawMqttClient(b)) {
            Packet connack = named.connect(new Connect(5, "e2e-named"));
            assertNull(connack.connackString(Wire.ASSIGNED_CLIENT_ID), "assigned an id to a client that had one");
        }
    }

    @Test
    void mqtt31ClientIdLongerThan23CharactersIsAccepted(Broker b) throws Exception {
        String id = "an-mqtt31-client-id-of-40-characters-xyz";
        assertEquals(40, id.length());
        try (RawMqttClient c = new RawMqttClient(b)) {
            c.connect(new Connect(3, id)); // MQIsdp: 3.1 allowed servers to refuse, Mosquitto (and so Pigeon) accepts
            subscribeAndEcho(c, 3, "e2e/rules/long-id/31");
        }
    }

    // --- enhanced authentication ---

    @Test
    void unknownAuthenticationMethodGetsConnack0x8C(Broker b) throws Exception {
        Connect connect = new Connect(5, "auth-unknown").props(new Props().utf8(Wire.AUTH_METHOD, "E2E-NO-SUCH-METHOD").bytes());
        try (RawMqttClient c = new RawMqttClient(b)) {
            c.send(connect.bytes());
            List<Packet> got = c.readUntilClosed(WAIT);
            assertEquals(1, got.size(), "expected CONNACK 0x8C then close, got " + got);
            assertEquals(CONNACK, got.get(0).type());
            assertEquals(0x8C, got.get(0).reasonCode(), "Bad authentication method");
        }
    }

    // --- server-to-client Topic Alias ---

    @Test
    void topicAliasesSentByTheBrokerDecodeToTheRightTopics(Broker b) throws Exception {
        int aliasMax = 3;
        List<String> topics = IntStream.range(0, 6).mapToObj(i -> "e2e/rules/alias-out/sensor-" + i + "/temperature").toList();
        try (RawMqttClient withAliases = new RawMqttClient(b); RawMqttClient without = new RawMqttClient(b);
                Paho.V5 pub = new Paho.V5(b, "alias-out-pub")) {
            withAliases.connect(new Connect(5, "alias-out-sub")
                    .props(new Props().u16(Wire.TOPIC_ALIAS_MAXIMUM, aliasMax).bytes()));
            without.connect(new Connect(5, "alias-out-none"));
            // QoS 0 keeps flow control out of this test
            subscribe5(withAliases, 1, Props.none(), "e2e/rules/alias-out/#", 0);
            subscribe5(without, 1, Props.none(), "e2e/rules/alias-out/#", 0);
            List<String> sent = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (String t : topics) {
                    String payload = t + " #" + round;
                    pub.publish(t, payload, 0, false);
                    sent.add(payload);
                }
            }

            Map<Long, String> aliases = new HashMap<>();
            List<String> decoded = new ArrayList<>();
            int aliased = 0;
            for (Packet p : readPublishesUntilQuiet(withAliases)) {
                List<Long> alias = ids(p.publishProperties(), Wire.TOPIC_ALIAS);
                String topic = p.topic();
                if (!alias.isEmpty()) {
                    long a = alias.get(0);
                    assertTrue(a >= 1 && a <= aliasMax, "MQTT-3.3.2-9: Topic Alias " + a + " outside 1.." + aliasMax);
                    if (topic.isEmpty()) {
                        topic = aliases.get(a);
                        assertNotNull(topic, "alias " + a + " used before a PUBLISH with a topic name set it");
                        aliased++;
                    } else {
                        aliases.put(a, topic);
                    }
                } else {
                    assertFalse(topic.isEmpty(), "an empty topic without a Topic Alias");
                }
                String payload = p.payload(5);
                assertEquals(payload.substring(0, payload.indexOf(' ')), topic, "topic decoded from the alias");
                decoded.add(payload);
            }
            assertEquals(new TreeSet<>(sent), new TreeSet<>(decoded), "each message once, with the right topic");
            assertEquals(sent.size(), decoded.size(), "each message once: " + decoded);
            System.out.println("alias-out: " + aliased + " of " + decoded.size() + " PUBLISH packets carried only an alias");

            List<Packet> plain = readPublishesUntilQuiet(without);
            assertEquals(sent.size(), plain.size());
            for (Packet p : plain) {
                assertEquals(List.of(), ids(p.publishProperties(), Wire.TOPIC_ALIAS),
                        "MQTT-3.3.2-8: a client that sent no Topic Alias Maximum got a Topic Alias");
                assertEquals(p.payload(5).substring(0, p.payload(5).indexOf(' ')), p.topic());
            }
        }
    }

    // --- Subscription Identifiers ---

    @Test
    void subscriptionIdentifiersAreDeliveredWithMatchingMessages(Broker b) throws Exception {
        try (RawMqttClient c = new RawMqttClient(b); Paho.V5 pub = new Paho.V5(b, "subid-pub")) {
            c.connect(new Connect(5, "subid-sub"));
            subscribe5(c, 1, new Props().varInt(Wire.SUBSCRIPTION_ID, 7).bytes(), "e2e/rules/subid/+", 1);
            subscribe5(c, 2, new Props().varInt(Wire.SUBSCRIPTION_ID, 300).bytes(), "e2e/rules/subid/#", 1);
            subscribe5(c, 3, Props.none(), "e2e/rules/subid-none/t", 1);
            pub.publish("e2e/rules/subid/a", "both", 1, false);
            pub.publish("e2e/rules/subid/a/b", "hash only", 1, false);
            pub.publish("e2e/rules/subid-none/t", "no id", 1, false);
            Map<String, List<List<Long>>> idsByPayload = new HashMap<>();
            for (Packet p : readPublishesUntilQuiet(c)) {
                idsByPayload.computeIfAbsent(p.payload(5), k -> new ArrayList<>())
                        .add(ids(p.publishProperties(), Wire.SUBSCRIPTION_ID));
            }
            // MQTT-3.3.4-3..5: one copy carrying both identifiers, or one copy per subscription with its own
            List<List<Long>> both = idsByPayload.get("both");
            assertNotNull(both, "nothing delivered for overlapping subscriptions: " + idsByPayload);
            List<Long> all = both.stream().flatMap(List::stream).sorted().toList();
            assertEquals(List.of(7L, 300L), all, "identifiers over all copies of the message matched by both: " + both);
            assertTrue(both.size() == 1 || both.stream().allMatch(l -> l.size() == 1), "copies: " + both);
            assertEquals(List.of(List.of(300L)), idsByPayload.get("hash only"), "matched only by the '#' subscription");
            assertEquals(List.of(List.of()), idsByPayload.get("no id"), "a subscription without identifier");
        }
    }

    @Test
    void resubscribingReplacesTheSubscriptionIdentifier(Broker b) throws Exception {
        try (RawMqttClient c = new RawMqttClient(b); Paho.V5 pub = new Paho.V5(b, "subid-re-pub")) {
            c.connect(new Connect(5, "subid-re-sub"));
            subscribe5(c, 1, new Props().varInt(Wire.SUBSCRIPTION_ID, 5).bytes(), "e2e/rules/subid-re", 1);
            subscribe5(c, 2, new Props().varInt(Wire.SUBSCRIPTION_ID, 6).bytes(), "e2e/rules/subid-re", 1);
            pub.publish("e2e/rules/subid-re", "x", 1, false);
            List<Packet> got = readPublishesUntilQuiet(c);
            assertEquals(1, got.size(), "one subscription, replaced: " + got);
            assertEquals(List.of(6L), ids(got.get(0).publishProperties(), Wire.SUBSCRIPTION_ID));
        }
    }

    // --- Receive Maximum ---

    @Test
    @PigeonOnly("Mosquitto 2.0.11 returns send quota twice per PUBACK: after three PUBACKs it sends four PUBLISH packets"
            + " to a client with Receive Maximum 3, and a single PUBACK may release nothing")
    void brokerNeverHasMoreUnacknowledgedPublishesInFlightThanTheClientsReceiveMaximum(Broker b) throws Exception {
        String t = "e2e/rules/receive-max/out";
        int n = 8;
        try (RawMqttClient c = new RawMqttClient(b); Paho.V5 pub = new Paho.V5(b, "rm-out-pub")) {
            c.connect(new Connect(5, "rm-out-sub").props(new Props().u16(Wire.RECEIVE_MAXIMUM, 3).bytes()));
            subscribe5(c, 1, Props.none(), t, 1);
            for (int i = 0; i < n; i++) {
                pub.publish(t, "m" + i, 1, false);
            }
            // Acknowledges everything in flight whenever the broker pauses, then checks the window again.
            List<Packet> inFlight = new ArrayList<>();
            List<String> payloads = new ArrayList<>();
            int maxInFlight = 0;
            StringBuilder log = new StringBuilder();
            for (int i = 0; i < 60 && payloads.size() < n; i++) {
                Packet p = c.poll(QUIET);
                if (p == null) {
                    assertFalse(inFlight.isEmpty(), "the broker stopped with nothing in flight after " + payloads);
                    for (Packet q : inFlight) {
                        c.send(Wire.ack(PUBACK, q.packetId()));
                        log.append(" >PUBACK ").append(q.packetId());
                    }
                    inFlight.clear();
                    continue;
                }
                assertEquals(PUBLISH, p.type(), p.toString());
                assertEquals(1, p.qos());
                assertTrue(inFlight.stream().noneMatch(q -> q.packetId() == p.packetId()),
                        "packet id " + p.packetId() + " reused while in flight");
                inFlight.add(p);
                payloads.add(p.payload(5));
                log.append(" <PUBLISH ").append(p.packetId()).append(' ').append(p.payload(5));
                maxInFlight = Math.max(maxInFlight, inFlight.size());
                assertTrue(inFlight.size() <= 3, "MQTT-3.3.4-9: " + inFlight.size()
                        + " unacknowledged PUBLISH packets to a client with Receive Maximum 3:" + log);
            }
            assertEquals(3, maxInFlight, "the broker should fill the client's window");
            assertEquals(IntStream.range(0, n).mapToObj(i -> "m" + i).toList(), payloads, "all, in order");
            for (Packet p : inFlight) {
                c.send(Wire.ack(PUBACK, p.packetId()));
            }
        }
    }

    @Test
    @PigeonOnly("Mosquitto 2.0.11 answers the extra QoS 2 PUBLISH with PUBREC 0x97 (quota exceeded) and keeps the connection")
    void clientExceedingTheBrokersReceiveMaximumGetsDisconnect0x93(Broker b) throws Exception {
        try (RawMqttClient c = new RawMqttClient(b)) {
            Packet connack = c.connect(new Connect(5, "rm-in"));
            Long advertised = connack.connackProperty(Wire.RECEIVE_MAXIMUM);
            assertNotNull(advertised, "max_inflight_messages 10 must be advertised as Receive Maximum");
            int max = advertised.intValue();
            assertEquals(10, max, "Receive Maximum from max_inflight_messages");
            // QoS 2 without PUBREL: each PUBLISH stays unacknowledged (the quota returns only with PUBCOMP)
            for (int id = 1; id <= max; id++) {
                c.send(Wire.publish(5, 2, "e2e/rules/receive-max/in", id, "q" + id));
                Packet rec = c.expect(PUBREC);
                assertEquals(id, rec.packetId());
                assertTrue(rec.reasonCode() < 0x80, "PUBREC " + id + " reason 0x" + Integer.toHexString(rec.reasonCode()));
            }
            c.send(Wire.publish(5, 2, "e2e/rules/receive-max/in", max + 1, "one too many"));
            List<Packet> got = c.readUntilClosed(WAIT);
            assertEquals(1, got.size(), "MQTT-3.3.4-8: expected DISCONNECT 0x93 then close, got " + got);
            assertEquals(DISCONNECT, got.get(0).type(), got.toString());
            assertEquals(0x93, got.get(0).reasonCode(), "Receive Maximum exceeded");
        }
    }

    @Test
    void qos1PublishesWithinTheReceiveMaximumAreAllAcknowledged(Broker b) throws Exception {
        try (RawMqttClient c = new RawMqttClient(b)) {
            c.connect(new Connect(5, "rm-in-ok"));
            // a burst larger than the Receive Maximum is fine as long as the broker acknowledges as it goes
            byte[] burst = new byte[0];
            for (int id = 1; id <= 30; id++) {
                burst = RawMqttClient.concat(burst, Wire.publish(5, 1, "e2e/rules/receive-max/burst", id, "b" + id));
            }
            c.send(burst);
            Set<Integer> acked = new HashSet<>();
            for (int i = 0; i < 30; i++) {
                Packet p = c.read();
                assertEquals(PUBACK, p.type(), "after " + acked.size() + " PUBACKs: " + p);
                acked.add(p.packetId());
            }
            assertEquals(30, acked.size());
        }
    }

    // --- Maximum Packet Size from the client ---

    @Test
    void brokerDropsMessagesLargerThanTheClientsMaximumPacketSize(Broker b) throws Exception {
        int limit = 128;
        String t = "e2e/rules/mps";
        try (RawMqttClient c = new RawMqttClient(b); Paho.V5 pub = new Paho.V5(b, "mps-pub")) {
            c.connect(new Connect(5, "mps-sub").props(new Props().u32(Wire.MAXIMUM_PACKET_SIZE, limit).bytes()));
            subscribe5(c, 1, Props.none(), t + "/#", 1);
            String big = "x".repeat(500);
            pub.publish(t + "/big", big, 0, false);
            pub.publish(t + "/big", big, 1, false);
            pub.publish(t + "/small", "small 0", 0, false);
            pub.publish(t + "/small", "small 1", 1, false);
            List<Packet> got = readPublishesUntilQuiet(c);
            for (Packet p : got) {
                int size = 1 + new Wire().varInt(p.body().length).size() + p.body().length;
                assertTrue(size <= limit, "MQTT-3.1.2-24: a " + size + "-byte packet to a client with Maximum Packet Size " + limit);
            }
            assertEquals(List.of("small 0", "small 1"), got.stream().map(p -> p.payload(5)).toList(),
                    "the oversized messages are dropped, the others delivered");
            // the connection is still usable
            c.send(Wire.pingreq());
            assertEquals(RawMqttClient.PINGRESP, c.read().type());
        }
    }
}
