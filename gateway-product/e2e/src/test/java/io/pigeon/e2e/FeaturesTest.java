package io.pigeon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.pigeon.e2e.RawMqttClient.Packet;
import io.pigeon.e2e.Wire.Connect;

/** MQTT 3.1.1 features through real clients: retained messages, wills, persistent sessions, QoS 2, topics. */
@WithBroker
class FeaturesTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    /** Publishes a non-retained QoS 1 marker and returns everything {@code sub} received up to and including it. */
    static List<Paho.Received> untilMarker(Paho.V3 sub, Paho.V3 pub, String topic) throws Exception {
        return untilMarker(sub, pub, topic, 1);
    }

    /**
     * Publishes a non-retained marker at {@code qos} and returns everything {@code sub} received up to and including
     * it. Paho hands a QoS 2 message to the application only at PUBREL, so a marker after QoS 2 traffic must be QoS 2.
     */
    static List<Paho.Received> untilMarker(Paho.V3 sub, Paho.V3 pub, String topic, int qos) throws Exception {
        String marker = "marker-" + System.nanoTime();
        pub.publish(topic, marker, qos, false);
        List<Paho.Received> got = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            List<Paho.Received> one = sub.take(1, WAIT);
            if (one.isEmpty()) {
                throw new AssertionError("the marker never arrived; got " + got);
            }
            got.add(one.get(0));
            if (one.get(0).payload().equals(marker)) {
                return got;
            }
        }
        throw new AssertionError("no marker among " + got);
    }

    // --- retained messages ---

    @Test
    void retainedMessageIsSetReplacedAndCleared(Broker b) throws Exception {
        String t = "e2e/retained/lamp";
        try (Paho.V3 pub = new Paho.V3(b, "retain-pub")) {
            pub.publish(t, "on", 1, true);
            try (Paho.V3 sub = new Paho.V3(b, "retain-sub-1")) {
                sub.client.subscribe(t, 1);
                List<Paho.Received> got = sub.take(1, WAIT);
                assertEquals(1, got.size(), "retained message not delivered on subscribe");
                assertEquals("on", got.get(0).payload());
                assertTrue(got.get(0).retained(), "delivered on subscribe: retain flag must be set");

                pub.publish(t, "off", 1, true);
                got = sub.take(1, WAIT);
                assertEquals("off", got.get(0).payload());
                assertFalse(got.get(0).retained(), "MQTT-3.3.1-9: live delivery to an existing subscription has retain 0");
            }
            try (Paho.V3 sub = new Paho.V3(b, "retain-sub-2")) {
                sub.client.subscribe(t, 1);
                List<Paho.Received> got = untilMarker(sub, pub, t);
                assertEquals(List.of("off"), got.subList(0, got.size() - 1).stream().map(Paho.Received::payload).toList(),
                        "only the replacing retained message");
            }
            pub.client.publish(t, new byte[0], 1, true);
            try (Paho.V3 sub = new Paho.V3(b, "retain-sub-3")) {
                sub.client.subscribe(t, 1);
                List<Paho.Received> got = untilMarker(sub, pub, t);
                assertEquals(1, got.size(), "an empty retained payload clears the retained message, got " + got);
            }
        }
    }

    @Test
    void retainedMessagesMatchWildcardSubscriptions(Broker b) throws Exception {
        try (Paho.V3 pub = new Paho.V3(b, "retain-wild-pub")) {
            pub.publish("e2e/retained/house/kitchen/temp", "21", 0, true);
            pub.publish("e2e/retained/house/garage/temp", "12", 0, true);
            try (Paho.V3 sub = new Paho.V3(b, "retain-wild-sub")) {
                sub.client.subscribe("e2e/retained/house/+/temp", 0);
                List<Paho.Received> got = sub.take(2, WAIT);
                assertEquals(List.of("12", "21"), got.stream().map(Paho.Received::payload).sorted().toList());
            }
            pub.client.publish("e2e/retained/house/kitchen/temp", new byte[0], 0, true);
            pub.client.publish("e2e/retained/house/garage/temp", new byte[0], 0, true);
        }
    }

    // --- wills ---

    @Test
    void willIsPublishedWhenTheClientProcessIsKilled(Broker b) throws Exception {
        String t = "e2e/will/killed";
        try (Paho.V3 watcher = new Paho.V3(b, "will-watcher-1")) {
            watcher.client.subscribe(t, 1);
            try (Proc victim = Tools.sub(b, "-i", "will-victim", "--will-topic", t, "--will-payload", "victim lost",
                    "--will-qos", "1", "-t", "e2e/will/ignored")) {
                victim.process.destroyForcibly(); // SIGKILL: the kernel closes the socket, no DISCONNECT
                List<Paho.Received> got = watcher.take(1, WAIT);
                assertEquals(1, got.size(), "no will after the client was killed");
                assertEquals("victim lost", got.get(0).payload());
                assertEquals(1, got.get(0).qos());
            }
        }
    }

    @Test
    void willIsPublishedWhenTheConnectionIsReset(Broker b) throws Exception {
        String t = "e2e/will/reset";
        try (Paho.V3 watcher = new Paho.V3(b, "will-watcher-2")) {
            watcher.client.subscribe(t, 0);
            RawMqttClient raw = new RawMqttClient(b);
            raw.connect(new Connect(4, "will-reset").will(t, "reset", 0, false));
            raw.abort();
            List<Paho.Received> got = watcher.take(1, WAIT);
            assertEquals(List.of("reset"), got.stream().map(Paho.Received::payload).toList());
        }
    }

    @Test
    void willIsPublishedWhenAnMqttJsProcessExitsWithoutDisconnect(Broker b) throws Exception {
        String t = "e2e/will/node";
        try (Paho.V3 watcher = new Paho.V3(b, "will-watcher-3")) {
            watcher.client.subscribe(t, 1);
            Tools.runNode(b, "will.mjs", "4", t, "node gone").assertExit(0);
            List<Paho.Received> got = watcher.take(1, WAIT);
            assertEquals(List.of("node gone"), got.stream().map(Paho.Received::payload).toList());
        }
    }

    @Test
    void willIsPublishedWhenTheBrokerClosesTheConnectionForAMalformedPacket(Broker b) throws Exception {
        byte[] qos3 = Wire.publish(4, 1, "e2e/will/x", 1, "x");
        qos3[0] |= 0x06;
        assertWillAfterBrokerCloses(b, "e2e/will/malformed", qos3);
    }

    @Test
    @PigeonOnly("Mosquitto 2.0.11 drops the will when it rejects a second CONNECT; MQTT 3.1.2.5 says publish it")
    void willIsPublishedWhenTheBrokerClosesTheConnectionForAProtocolError(Broker b) throws Exception {
        assertWillAfterBrokerCloses(b, "e2e/will/protocol-error", new Connect(4, "will-second-connect").bytes());
    }

    private static void assertWillAfterBrokerCloses(Broker b, String t, byte[] bad) throws Exception {
        try (Paho.V3 watcher = new Paho.V3(b, "will-watcher-4"); RawMqttClient raw = new RawMqttClient(b)) {
            watcher.client.subscribe(t, 0);
            raw.connect(new Connect(4, "will-misbehaving").will(t, "misbehaved", 0, false));
            raw.send(bad);
            raw.readUntilClosed(WAIT);
            List<Paho.Received> got = watcher.take(1, WAIT);
            assertEquals(List.of("misbehaved"), got.stream().map(Paho.Received::payload).toList());
        }
    }

    @Test
    void noWillAfterACleanDisconnect(Broker b) throws Exception {
        String t = "e2e/will/clean";
        try (Paho.V3 watcher = new Paho.V3(b, "will-watcher-5"); Paho.V3 pub = new Paho.V3(b, "will-marker-pub")) {
            watcher.client.subscribe(t, 1);
            Tools.pub(b, "-i", "clean-leaver", "--will-topic", t, "--will-payload", "must not appear", "-t", "e2e/will/x",
                    "-m", "bye");
            List<Paho.Received> got = untilMarker(watcher, pub, t);
            assertEquals(1, got.size(), "a will was published although the client sent DISCONNECT: " + got);
        }
    }

    // --- persistent sessions (Python paho-mqtt, clean_session=False) ---

    @ParameterizedTest(name = "paho-mqtt protocol {0}")
    @ValueSource(strings = { "311", "5" })
    void offlineQos1MessagesAreQueuedAndDeliveredOnResume(String protocol, Broker b) throws Exception {
        String id = "py-persistent-" + protocol;
        String t = "e2e/session/" + protocol;
        String[] v5 = protocol.equals("5") ? new String[] { "--session-expiry", "300" } : new String[0];
        Proc.Result first = Tools.runPython(b, "client.py", concat(new String[] { "sub", "--id", id, "--protocol", protocol,
                "--no-clean", "--qos", "1", "--topic", t, "--count", "0" }, v5)).assertExit(0);
        assertTrue(first.output().contains("SUBACK [1]"), first.output());

        try (Paho.V3 pub = new Paho.V3(b, "offline-pub-" + protocol)) {
            for (int i = 1; i <= 3; i++) {
                pub.publish(t, "queued " + i, 1, false);
            }
        }

        Proc.Result resumed = Tools.runPython(b, "client.py", concat(new String[] { "sub", "--id", id, "--protocol",
                protocol, "--no-clean", "--no-subscribe", "--qos", "1", "--topic", t, "--count", "3" }, v5)).assertExit(0);
        assertTrue(resumed.output().contains("session_present=1"), "session not present on resume:\n" + resumed.output());
        List<String> msgs = resumed.lines().stream().filter(l -> l.startsWith("MSG ")).toList();
        assertEquals(IntStream.rangeClosed(1, 3).mapToObj(i -> "MSG {\"topic\": \"" + t + "\", \"payload\": \"queued " + i
                + "\", \"qos\": 1, \"retain\": false}").toList(), msgs, resumed.output());

        Proc.Result clean = Tools.runPython(b, "client.py", "sub", "--id", id, "--protocol", protocol, "--qos", "1",
                "--topic", t, "--count", "0").assertExit(0);
        assertTrue(clean.output().contains("session_present=0"), "a clean start must discard the session:\n" + clean.output());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    // --- QoS 2 ---

    @Test
    void qos2MessagesArriveExactlyOnceInOrder(Broker b) throws Exception {
        String t = "e2e/qos2/burst";
        try (Paho.V3 sub = new Paho.V3(b, "qos2-sub"); Paho.V3 pub = new Paho.V3(b, "qos2-pub")) {
            sub.client.subscribe(t, 2);
            for (int i = 0; i < 30; i++) {
                pub.publish(t, "m" + i, 2, false);
            }
            List<Paho.Received> got = untilMarker(sub, pub, t, 2);
            List<String> payloads = got.subList(0, got.size() - 1).stream().map(Paho.Received::payload).toList();
            assertEquals(IntStream.range(0, 30).mapToObj(i -> "m" + i).toList(), payloads);
            assertTrue(got.subList(0, 30).stream().allMatch(r -> r.qos() == 2), "all at QoS 2");
        }
    }

    @Test
    void duplicateQos2PublishBeforePubrelIsDeliveredOnce(Broker b) throws Exception {
        String t = "e2e/qos2/dup";
        try (Paho.V3 sub = new Paho.V3(b, "qos2-dup-sub"); Paho.V3 pub = new Paho.V3(b, "qos2-dup-marker");
                RawMqttClient raw = new RawMqttClient(b)) {
            sub.client.subscribe(t, 2);
            raw.connect(new Connect(4, "qos2-dup"));
            byte[] publish = Wire.publish(4, 2, t, 7, "once");
            raw.send(publish);
            assertEquals(RawMqttClient.PUBREC, raw.read().type());
            publish[0] |= 0x08; // DUP: the client did not see the PUBREC and sends again
            raw.send(publish);
            Packet rec = raw.read();
            assertEquals(RawMqttClient.PUBREC, rec.type(), "a duplicate QoS 2 PUBLISH is acknowledged again");
            assertEquals(7, rec.packetId());
            raw.send(Wire.ack(RawMqttClient.PUBREL, 7));
            Packet comp = raw.read();
            assertEquals(RawMqttClient.PUBCOMP, comp.type());
            assertEquals(7, comp.packetId());
            List<Paho.Received> got = untilMarker(sub, pub, t, 2);
            assertEquals(List.of("once"), got.subList(0, got.size() - 1).stream().map(Paho.Received::payload).toList());
        }
    }

    // --- topics ---

    @Test
    void wildcardsDoNotMatchDollarTopicsAtTheFirstLevel(Broker b) throws Exception {
        try (Paho.V3 sub = new Paho.V3(b, "dollar-sub"); Paho.V3 pub = new Paho.V3(b, "dollar-pub")) {
            sub.client.subscribe(new String[] { "#", "+/broker/#" }, new int[] { 0, 0 });
            List<Paho.Received> got = untilMarker(sub, pub, "e2e/dollar/marker");
            List<String> dollar = got.stream().map(Paho.Received::topic).filter(x -> x.startsWith("$")).toList();
            assertEquals(List.of(), dollar, "MQTT-4.7.2-1: '#' and '+' must not match topics starting with '$'");
        }
    }

    @Test
    void sysTopicsCannotBePublishedByClients(Broker b) throws Exception {
        try (Paho.V3 sub = new Paho.V3(b, "sys-watch"); Paho.V3 pub = new Paho.V3(b, "sys-forger")) {
            sub.client.subscribe("$SYS/e2e/#", 1);
            sub.client.subscribe("e2e/sys/marker", 1);
            try {
                pub.publish("$SYS/e2e/forged", "forged", 1, false);
                pub.publish("$SYS/broker/version", "forged version", 1, true);
            } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
                // refusing by closing the connection is acceptable too
            }
            try (Paho.V3 marker = new Paho.V3(b, "sys-marker")) {
                List<Paho.Received> got = untilMarker(sub, marker, "e2e/sys/marker");
                assertEquals(1, got.size(), "a client's PUBLISH to $SYS was delivered: " + got);
            }
            try (Paho.V3 reader = new Paho.V3(b, "sys-reader")) {
                reader.client.subscribe("$SYS/broker/version", 0);
                List<Paho.Received> got = reader.take(1, Duration.ofSeconds(15));
                assertEquals(1, got.size(), "$SYS/broker/version is not retained");
                assertNotEquals("forged version", got.get(0).payload(), "a client replaced $SYS/broker/version");
            }
        }
    }

    @Test
    @PigeonOnly("Mosquitto delivers one copy per matching subscription to MQTT 3.1.1 clients")
    void overlappingSubscriptionsDeliverOnceAtTheHighestQosForMqtt311(Broker b) throws Exception {
        String t = "e2e/overlap/a";
        try (Paho.V3 sub = new Paho.V3(b, "overlap-sub", MqttConnectOptions.MQTT_VERSION_3_1_1, true);
                Paho.V3 pub = new Paho.V3(b, "overlap-pub")) {
            sub.client.subscribe(new String[] { "e2e/overlap/+", "e2e/overlap/#" }, new int[] { 0, 2 });
            pub.publish(t, "one copy", 2, false);
            List<Paho.Received> got = untilMarker(sub, pub, t, 2);
            List<Paho.Received> copies = got.stream().filter(r -> r.payload().equals("one copy")).toList();
            assertEquals(1, copies.size(), "copies: " + copies);
            assertEquals(2, copies.get(0).qos(), "the highest granted QoS of the matching subscriptions");
        }
    }


}
