package io.pigeon.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.Test;

import io.pigeon.e2e.RawMqttClient.Packet;
import io.pigeon.e2e.Wire.Connect;
import io.pigeon.e2e.Wire.Props;

/** MQTT 5 features through Paho Java v5 and raw packets. */
@WithBroker
class V5FeaturesTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    /** Publishes a QoS 1 marker and returns what {@code sub} received up to and including it. */
    static List<Paho.Received> untilMarker(Paho.V5 sub, Paho.V5 pub, String topic) throws Exception {
        String marker = "marker-" + System.nanoTime();
        pub.publish(topic, marker, 1, false);
        List<Paho.Received> got = new ArrayList<>();
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

    static List<String> payloads(List<Paho.Received> got) {
        return got.stream().map(Paho.Received::payload).toList();
    }

    @Test
    void publishPropertiesPassThroughUnchanged(Broker b) throws Exception {
        String t = "e2e/v5/props";
        try (Paho.V5 sub = new Paho.V5(b, "props-sub"); Paho.V5 pub = new Paho.V5(b, "props-pub")) {
            sub.subscribe(new MqttSubscription(t, 1));
            MqttProperties p = new MqttProperties();
            p.setUserProperties(List.of(new UserProperty("region", "north"), new UserProperty("region", "south"),
                    new UserProperty("unit", "°C")));
            p.setContentType("application/json");
            p.setResponseTopic("e2e/v5/props/reply");
            p.setCorrelationData(new byte[] { 0, 1, 2, (byte) 0xFF });
            p.setPayloadFormat(true);
            MqttMessage m = new MqttMessage("{\"t\":21}".getBytes(StandardCharsets.UTF_8), 1, false, p);
            pub.client.publish(t, m);
            List<Paho.Received> got = sub.take(1, WAIT);
            assertEquals(1, got.size());
            MqttProperties r = got.get(0).v5().getProperties();
            assertEquals(List.of("region=north", "region=south", "unit=°C"),
                    r.getUserProperties().stream().map(u -> u.getKey() + "=" + u.getValue()).toList(),
                    "user properties, in order, duplicates kept");
            assertEquals("application/json", r.getContentType());
            assertEquals("e2e/v5/props/reply", r.getResponseTopic());
            assertArrayEquals(new byte[] { 0, 1, 2, (byte) 0xFF }, r.getCorrelationData());
            assertTrue(r.getPayloadFormat(), "payload format indicator");
        }
    }

    @Test
    void noLocalSuppressesTheSubscribersOwnMessages(Broker b) throws Exception {
        String t = "e2e/v5/nolocal";
        try (Paho.V5 self = new Paho.V5(b, "nolocal-self"); Paho.V5 other = new Paho.V5(b, "nolocal-other")) {
            MqttSubscription s = new MqttSubscription(t, 1);
            s.setNoLocal(true);
            self.subscribe(s);
            self.publish(t, "own", 1, false);
            List<Paho.Received> got = untilMarker(self, other, t);
            assertEquals(1, got.size(), "No Local: a client's own message came back: " + payloads(got));
        }
    }

    @Test
    void retainHandlingControlsRetainedDeliveryOnSubscribe(Broker b) throws Exception {
        String t = "e2e/v5/retain-handling";
        try (Paho.V5 pub = new Paho.V5(b, "rh-pub"); Paho.V5 sub = new Paho.V5(b, "rh-sub")) {
            pub.publish(t, "retained", 1, true);
            try {
                MqttSubscription rh0 = new MqttSubscription(t, 1);
                rh0.setRetainHandling(0);
                sub.subscribe(rh0);
                assertEquals(List.of("retained"), payloads(sub.take(1, WAIT)), "retain handling 0, first subscribe");
                sub.subscribe(rh0);
                assertEquals(List.of("retained"), payloads(sub.take(1, WAIT)), "retain handling 0, again");
                sub.client.unsubscribe(t);

                MqttSubscription rh1 = new MqttSubscription(t, 1);
                rh1.setRetainHandling(1);
                sub.subscribe(rh1);
                assertEquals(List.of("retained"), payloads(sub.take(1, WAIT)), "retain handling 1, new subscription");
                sub.subscribe(rh1);
                List<Paho.Received> got = untilMarker(sub, pub, t);
                assertEquals(1, got.size(), "retain handling 1 on an existing subscription sent " + payloads(got));
                sub.client.unsubscribe(t);

                MqttSubscription rh2 = new MqttSubscription(t, 1);
                rh2.setRetainHandling(2);
                sub.subscribe(rh2);
                got = untilMarker(sub, pub, t);
                assertEquals(1, got.size(), "retain handling 2 sent " + payloads(got));
            } finally {
                pub.client.publish(t, new byte[0], 1, true);
            }
        }
    }

    @Test
    void retainAsPublishedKeepsTheRetainFlagOnLiveDelivery(Broker b) throws Exception {
        String t = "e2e/v5/rap";
        try (Paho.V5 pub = new Paho.V5(b, "rap-pub"); Paho.V5 keep = new Paho.V5(b, "rap-keep");
                Paho.V5 clear = new Paho.V5(b, "rap-clear")) {
            MqttSubscription s = new MqttSubscription(t, 1);
            s.setRetainAsPublished(true);
            keep.subscribe(s);
            clear.subscribe(new MqttSubscription(t, 1));
            pub.publish(t, "live retained", 1, true);
            try {
                assertTrue(keep.take(1, WAIT).get(0).retained(), "Retain As Published: retain flag kept");
                assertFalse(clear.take(1, WAIT).get(0).retained(), "without Retain As Published: retain flag cleared");
            } finally {
                pub.client.publish(t, new byte[0], 1, true);
            }
        }
    }

    @Test
    void sharedSubscriptionBalancesMessagesAcrossTheGroup(Broker b) throws Exception {
        String t = "e2e/v5/shared/work";
        try (Paho.V5 w1 = new Paho.V5(b, "shared-w1"); Paho.V5 w2 = new Paho.V5(b, "shared-w2");
                Paho.V5 all = new Paho.V5(b, "shared-all"); Paho.V5 pub = new Paho.V5(b, "shared-pub")) {
            w1.subscribe(new MqttSubscription("$share/workers/" + t, 1));
            w2.subscribe(new MqttSubscription("$share/workers/" + t, 1));
            all.subscribe(new MqttSubscription(t, 1));
            int n = 20;
            for (int i = 0; i < n; i++) {
                pub.publish(t, "job " + i, 1, false);
            }
            assertEquals(n, all.take(n, WAIT).size(), "a normal subscription gets every message");
            List<Paho.Received> got1 = new ArrayList<>(), got2 = new ArrayList<>();
            Sleep.until(WAIT, () -> {
                w1.received.drainTo(got1);
                w2.received.drainTo(got2);
                return got1.size() + got2.size() >= n;
            });
            Sleep.millis(200);
            w1.received.drainTo(got1);
            w2.received.drainTo(got2);
            Set<String> union = new HashSet<>(payloads(got1));
            union.addAll(payloads(got2));
            assertEquals(n, got1.size() + got2.size(), "each message goes to exactly one member: " + payloads(got1) + " / "
                    + payloads(got2));
            assertEquals(n, union.size(), "no message twice");
            assertTrue(got1.size() >= n / 4 && got2.size() >= n / 4, "balanced: " + got1.size() + " vs " + got2.size());
        }
    }

    @Test
    void topicAliasFromTheClientIsResolved(Broker b) throws Exception {
        String t = "e2e/v5/alias/long/topic/name";
        try (Paho.V5 sub = new Paho.V5(b, "alias-sub"); RawMqttClient raw = new RawMqttClient(b)) {
            sub.subscribe(new MqttSubscription(t, 0));
            Packet connack = raw.connect(new Connect(5, "alias-pub"));
            Long max = connack.connackProperty(Wire.TOPIC_ALIAS_MAXIMUM);
            assertNotNull(max, "the broker advertises no Topic Alias Maximum");
            assertTrue(max >= 1, "Topic Alias Maximum " + max);
            raw.send(Wire.publish(5, 0, false, Wire.utf8Bytes(t), 0, new Props().u16(Wire.TOPIC_ALIAS, 1).bytes(),
                    Wire.utf8Bytes("with name")));
            raw.send(Wire.publish(5, 0, false, new byte[0], 0, new Props().u16(Wire.TOPIC_ALIAS, 1).bytes(),
                    Wire.utf8Bytes("alias only")));
            List<Paho.Received> got = sub.take(2, WAIT);
            assertEquals(List.of(t + " with name", t + " alias only"),
                    got.stream().map(r -> r.topic() + " " + r.payload()).toList());

            raw.send(Wire.publish(5, 0, false, new byte[0], 0,
                    new Props().u16(Wire.TOPIC_ALIAS, (int) (max + 1)).bytes(), Wire.utf8Bytes("too big")));
            List<Packet> closing = raw.readUntilClosed(WAIT);
            if (!(closing.isEmpty() && Env.mosquittoMode())) { // Mosquitto 2.0.11 just closes the connection
                assertEquals(1, closing.size(), "expected DISCONNECT 0x94, got " + closing);
                assertEquals(RawMqttClient.DISCONNECT, closing.get(0).type());
                assertEquals(0x94, closing.get(0).reasonCode(), "Topic Alias invalid");
            }
        }
    }

    @Test
    void messageExpiryIntervalIsHonouredAndCountedDownWhileQueued(Broker b) throws Exception {
        String t = "e2e/v5/expiry";
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        o.setSessionExpiryInterval(300L);
        try (Paho.V5 sub = new Paho.V5(b, "expiry-sub", o)) {
            sub.subscribe(new MqttSubscription(t, 1));
        }
        try (Paho.V5 pub = new Paho.V5(b, "expiry-pub")) {
            for (long expiry : new long[] { 1, 100 }) {
                MqttProperties p = new MqttProperties();
                p.setMessageExpiryInterval(expiry);
                pub.client.publish(t, new MqttMessage(("expires in " + expiry).getBytes(StandardCharsets.UTF_8), 1, false, p));
            }
        }
        Sleep.millis(2500);
        MqttConnectionOptions resume = new MqttConnectionOptions();
        resume.setCleanStart(false);
        resume.setSessionExpiryInterval(0L);
        try (Paho.V5 sub = new Paho.V5(b, "expiry-sub", resume)) {
            List<Paho.Received> got = sub.take(2, Duration.ofSeconds(3));
            assertEquals(List.of("expires in 100"), payloads(got), "the expired message must not be delivered");
            Long left = got.get(0).v5().getProperties().getMessageExpiryInterval();
            assertNotNull(left, "Message Expiry Interval must be forwarded");
            assertTrue(left <= 98 && left > 0, "expiry counted down while queued: " + left);
        }
    }

    @Test
    void sessionTakeoverSendsDisconnect0x8EToTheOldConnection(Broker b) throws Exception {
        try (RawMqttClient old = new RawMqttClient(b)) {
            old.connect(new Connect(5, "takeover"));
            try (Paho.V5 fresh = new Paho.V5(b, "takeover")) {
                List<Packet> got = old.readUntilClosed(WAIT);
                if (!(got.isEmpty() && Env.mosquittoMode())) { // Mosquitto 2.0.11 just closes the old connection
                    assertEquals(1, got.size(), "expected DISCONNECT 0x8E before the close, got " + got);
                    assertEquals(RawMqttClient.DISCONNECT, got.get(0).type());
                    assertEquals(0x8E, got.get(0).reasonCode(), "Session taken over");
                }
                assertTrue(fresh.client.isConnected());
            }
        }
    }

    @Test
    void sessionTakeoverClosesAnMqtt311Connection(Broker b) throws Exception {
        try (RawMqttClient old = new RawMqttClient(b)) {
            old.connect(new Connect(4, "takeover-311"));
            try (Paho.V3 fresh = new Paho.V3(b, "takeover-311")) {
                assertEquals(List.of(), old.readUntilClosed(WAIT));
                assertTrue(fresh.client.isConnected());
            }
        }
    }

    // --- wills with MQTT 5 options ---

    @Test
    void willDelayIntervalDelaysTheWill(Broker b) throws Exception {
        String t = "e2e/v5/will/delay";
        try (Paho.V5 watcher = new Paho.V5(b, "will-delay-watcher")) {
            watcher.subscribe(new MqttSubscription(t, 0));
            RawMqttClient raw = new RawMqttClient(b);
            Connect c = new Connect(5, "will-delay").will(t, "late", 0, false)
                    .props(new Props().u32(Wire.SESSION_EXPIRY, 60).bytes());
            c.willProps = new Props().u32(Wire.WILL_DELAY, 2).bytes();
            raw.connect(c);
            long t0 = System.nanoTime();
            raw.abort();
            List<Paho.Received> got = watcher.take(1, Duration.ofSeconds(8));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(List.of("late"), payloads(got), "the delayed will never came");
            assertTrue(ms >= 1500, "the will came after " + ms + " ms, before its 2 s delay");
        }
    }

    @Test
    void reconnectWithinTheWillDelayCancelsTheWill(Broker b) throws Exception {
        String t = "e2e/v5/will/cancelled";
        try (Paho.V5 watcher = new Paho.V5(b, "will-cancel-watcher"); Paho.V5 marker = new Paho.V5(b, "will-cancel-marker")) {
            watcher.subscribe(new MqttSubscription(t, 0));
            Connect c = new Connect(5, "will-cancel").will(t, "must not appear", 0, false)
                    .props(new Props().u32(Wire.SESSION_EXPIRY, 60).bytes());
            c.willProps = new Props().u32(Wire.WILL_DELAY, 2).bytes();
            RawMqttClient raw = new RawMqttClient(b);
            raw.connect(c);
            raw.abort();
            try (RawMqttClient back = new RawMqttClient(b)) {
                back.connect(new Connect(5, "will-cancel").clean(false).props(new Props().u32(Wire.SESSION_EXPIRY, 60).bytes()));
                Sleep.millis(3000);
                List<Paho.Received> got = untilMarker(watcher, marker, t);
                assertEquals(1, got.size(), "MQTT-3.1.3-9: the will was sent although the client came back: " + payloads(got));
                back.send(Wire.disconnect(5, 0));
            }
        }
    }

    @Test
    void disconnectWithWillMessagePublishesTheWill(Broker b) throws Exception {
        String t = "e2e/v5/will/0x04";
        try (Paho.V5 watcher = new Paho.V5(b, "will-04-watcher"); RawMqttClient raw = new RawMqttClient(b)) {
            watcher.subscribe(new MqttSubscription(t, 0));
            raw.connect(new Connect(5, "will-04").will(t, "asked for", 0, false));
            raw.send(Wire.disconnect(5, 0x04));
            assertEquals(List.of("asked for"), payloads(watcher.take(1, WAIT)));
        }
    }

    @Test
    void willPropertiesArePassedOn(Broker b) throws Exception {
        String t = "e2e/v5/will/props";
        try (Paho.V5 watcher = new Paho.V5(b, "will-props-watcher"); RawMqttClient raw = new RawMqttClient(b)) {
            watcher.subscribe(new MqttSubscription(t, 0));
            Connect c = new Connect(5, "will-props").will(t, "with props", 0, false);
            c.willProps = new Props().utf8(Wire.CONTENT_TYPE, "text/plain").pair(Wire.USER_PROPERTY, "k", "v").bytes();
            raw.connect(c);
            raw.abort();
            List<Paho.Received> got = watcher.take(1, WAIT);
            assertEquals(List.of("with props"), payloads(got));
            MqttProperties p = got.get(0).v5().getProperties();
            assertEquals("text/plain", p.getContentType());
            assertEquals(List.of("k=v"), p.getUserProperties().stream().map(u -> u.getKey() + "=" + u.getValue()).toList());
        }
    }
}
