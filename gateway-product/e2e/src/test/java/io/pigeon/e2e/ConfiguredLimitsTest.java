package io.pigeon.e2e;

import static io.pigeon.e2e.RawMqttClient.DISCONNECT;
import static io.pigeon.e2e.RawMqttClient.PUBACK;
import static io.pigeon.e2e.RawMqttClient.PUBLISH;
import static io.pigeon.e2e.RawMqttClient.SUBACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.pigeon.e2e.RawMqttClient.Packet;
import io.pigeon.e2e.Wire.Connect;
import io.pigeon.e2e.Wire.Props;

/**
 * Global broker directives that limit what clients get: max_qos, retain_available, max_keepalive, max_queued_messages,
 * keep-alive enforcement, and the $SYS tree at sys_interval 1. One broker with all of them; the tests use raw clients
 * with keep alive 60 or less (Mosquitto refuses 3.1.1 clients whose keep alive exceeds max_keepalive).
 */
@WithBroker({ "max_qos 1", "retain_available false", "max_keepalive 60", "max_queued_messages 3", "sys_interval 1" })
class ConfiguredLimitsTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void maxQosIsAdvertisedAndCapsTheGrantedQos(Broker b) throws Exception {
        try (RawMqttClient v5 = new RawMqttClient(b); RawMqttClient v311 = new RawMqttClient(b)) {
            Packet connack = v5.connect(new Connect(5, "max-qos-5"));
            assertEquals(1L, connack.connackProperty(0x24), "CONNACK Maximum QoS: " + connack.connackProperties());
            v5.send(ProtocolRulesTest.subscribe(1, Props.none(), "e2e/limits/max-qos", 2));
            assertEquals(List.of(1), v5.expect(SUBACK).subackCodes(5), "a QoS 2 subscription is granted QoS 1");

            v311.connect(new Connect(4, "max-qos-311"));
            v311.send(Wire.subscribe(4, 1, "e2e/limits/max-qos", 2));
            assertEquals(List.of(1), v311.expect(SUBACK).subackCodes(4), "a QoS 2 subscription is granted QoS 1");

            v5.send(Wire.publish(5, 1, "e2e/limits/max-qos", 9, "at qos 1"));
            for (RawMqttClient c : List.of(v5, v311)) {
                Packet p = c.expect(PUBLISH);
                assertEquals(1, p.qos());
                c.send(Wire.ack(PUBACK, p.packetId()));
            }
        }
    }

    @Test
    void retainUnavailableIsAdvertisedAndARetainedPublishGetsDisconnect0x9A(Broker b) throws Exception {
        String t = "e2e/limits/retain";
        try (RawMqttClient c = new RawMqttClient(b)) {
            Packet connack = c.connect(new Connect(5, "retain-unavailable"));
            assertEquals(0L, connack.connackProperty(0x25), "CONNACK Retain Available: " + connack.connackProperties());
            c.send(Wire.publish(5, 0, true, Wire.utf8Bytes(t), 0, null, Wire.utf8Bytes("retained")));
            List<Packet> got = c.readUntilClosed(WAIT);
            assertEquals(1, got.size(), "MQTT-3.3.1-8: expected DISCONNECT 0x9A then close, got " + got);
            assertEquals(DISCONNECT, got.get(0).type());
            assertEquals(0x9A, got.get(0).reasonCode(), "Retain not supported");
        }
        try (Paho.V3 sub = new Paho.V3(b, "retain-unavailable-check"); Paho.V3 pub = new Paho.V3(b, "retain-marker")) {
            sub.client.subscribe(t, 1);
            List<Paho.Received> got = FeaturesTest.untilMarker(sub, pub, t);
            assertEquals(1, got.size(), "the refused message was stored as retained: " + got);
        }
    }

    @Test
    void maxKeepaliveIsSentAsServerKeepAlive(Broker b) throws Exception {
        try (RawMqttClient c = new RawMqttClient(b)) {
            Connect connect = new Connect(5, "max-keepalive");
            connect.keepAlive = 120;
            Packet connack = c.connect(connect);
            assertEquals(60L, connack.connackProperty(0x13), "CONNACK Server Keep Alive: " + connack.connackProperties());
        }
        try (RawMqttClient c = new RawMqttClient(b)) {
            Connect connect = new Connect(5, "within-max-keepalive");
            connect.keepAlive = 30;
            Packet connack = c.connect(connect);
            Long server = connack.connackProperty(0x13);
            assertTrue(server == null || server == 30, "a keep alive within max_keepalive must stay: Server Keep Alive " + server);
        }
    }

    @Test
    void silentClientIsDisconnectedAfterOneAndAHalfKeepAlivesAndItsWillIsPublished(Broker b) throws Exception {
        String t = "e2e/limits/keepalive/will";
        try (Paho.V3 watcher = new Paho.V3(b, "keepalive-watcher"); RawMqttClient c = new RawMqttClient(b)) {
            watcher.client.subscribe(t, 1);
            Connect connect = new Connect(4, "keepalive-silent").will(t, "went silent", 1, false);
            connect.keepAlive = 2;
            c.connect(connect);
            long t0 = System.nanoTime();
            List<Packet> got = c.readUntilClosed(Duration.ofSeconds(10));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(List.of(), got);
            assertTrue(ms >= 1900, "closed after " + ms + " ms, before the 2 s keep alive had passed");
            // Mosquitto 2.0.11 checks keep alives lazily (about 7.5 s here); the spec and Pigeon: 1.5 x 2 s = 3 s
            long limit = Env.mosquittoMode() ? 9500 : 4000;
            assertTrue(ms <= limit, "MQTT-3.1.2-24: closed only after " + ms + " ms; 1.5 x 2 s = 3 s");
            List<Paho.Received> will = watcher.take(1, WAIT);
            assertEquals(List.of("went silent"), will.stream().map(Paho.Received::payload).toList(),
                    "the will of a client lost to keep alive");
        }
    }

    @Test
    void clientThatPingsWithinTheKeepAliveStaysConnected(Broker b) throws Exception {
        try (RawMqttClient c = new RawMqttClient(b)) {
            Connect connect = new Connect(4, "keepalive-pinger");
            connect.keepAlive = 1;
            c.connect(connect);
            for (int i = 0; i < 5; i++) {
                Sleep.millis(700);
                assertTrue(c.send(Wire.pingreq()), "closed while pinging");
                assertEquals(RawMqttClient.PINGRESP, c.read().type());
            }
        }
    }

    @Test
    void persistentOfflineSessionQueuesAtMostMaxQueuedMessages(Broker b) throws Exception {
        String t = "e2e/limits/queue";
        String id = "queue-limited";
        try (RawMqttClient c = new RawMqttClient(b)) {
            c.connect(new Connect(5, id).props(new Props().u32(Wire.SESSION_EXPIRY, 300).bytes()));
            c.send(ProtocolRulesTest.subscribe(1, Props.none(), t, 1));
            assertEquals(List.of(1), c.expect(SUBACK).subackCodes(5));
            c.send(Wire.disconnect(5, 0));
            assertEquals(List.of(), c.readUntilClosed(WAIT));
        }
        try (Paho.V3 pub = new Paho.V3(b, "queue-pub")) {
            for (int i = 0; i < 10; i++) {
                pub.publish(t, "q" + i, 1, false);
            }
        }
        try (RawMqttClient c = new RawMqttClient(b)) {
            Packet connack = c.connect(new Connect(5, id).clean(false));
            assertEquals(1, connack.body()[0] & 1, "session present");
            List<String> got = new ArrayList<>();
            for (Packet p : ProtocolRulesTest.readPublishesUntilQuiet(c)) {
                got.add(p.payload(5));
            }
            assertEquals(IntStream.range(0, 3).mapToObj(i -> "q" + i).toList(), got,
                    "max_queued_messages 3: the first three are kept, later ones dropped");
        }
    }

    @Test
    void sysTopicsCarryNumbersEverySysInterval(Broker b) throws Exception {
        List<String> topics = List.of("$SYS/broker/uptime", "$SYS/broker/clients/connected", "$SYS/broker/messages/received");
        try (Paho.V3 sub = new Paho.V3(b, "sys-numbers")) {
            for (String t : topics) {
                sub.client.subscribe(t, 0);
            }
            // Mosquitto publishes a $SYS value only when it changed, and with retain_available false a new
            // subscriber gets no retained copy: change the client and message counts after subscribing.
            Paho.V3 other = new Paho.V3(b, "sys-numbers-other");
            other.publish("e2e/limits/sys/traffic", "counted", 0, false);
            Map<String, List<String>> seen = new HashMap<>();
            Sleep.until(Duration.ofSeconds(8), () -> {
                Paho.Received r;
                while ((r = sub.received.poll()) != null) {
                    seen.computeIfAbsent(r.topic(), k -> new ArrayList<>()).add(r.payload());
                }
                return seen.keySet().containsAll(topics) && seen.get("$SYS/broker/uptime").size() >= 2;
            });
            other.close();
            for (String t : topics) {
                assertTrue(seen.containsKey(t), t + " not published within 8 s at sys_interval 1; got " + seen);
            }
            for (String v : seen.get("$SYS/broker/uptime")) {
                assertTrue(v.matches("\\d+ seconds"), "uptime payload '" + v + "' (Mosquitto: '<n> seconds')");
            }
            assertTrue(seen.get("$SYS/broker/uptime").size() >= 2, "uptime is republished every second: " + seen);
            for (String t : topics.subList(1, 3)) {
                for (String v : seen.get(t)) {
                    assertTrue(v.matches("\\d+"), t + " payload '" + v + "' is not a number");
                }
            }
            List<String> connected = seen.get("$SYS/broker/clients/connected");
            assertTrue(Long.parseLong(connected.get(connected.size() - 1)) >= 1, "clients/connected " + connected);
            assertFalse(seen.get("$SYS/broker/messages/received").isEmpty());
        }
    }
}
