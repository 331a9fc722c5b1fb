package io.pigeon.broker.internal.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.netty.handler.codec.mqtt.MqttMessageType;
import io.pigeon.broker.Message;
import io.pigeon.broker.MessageProperties;
import io.pigeon.broker.Subscription;
import io.pigeon.broker.SubscriptionOptions;
import io.pigeon.broker.internal.LeakDetection;
import io.pigeon.broker.internal.MqttBroker;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The broker API's subscription options (Retain As Published, retained messages on subscribe or not) and
 * {@code Broker.retained(filter)}, which bridges rely on to pass retained messages on as Mosquitto's do. Messages come
 * from MQTT clients on the broker's real packet handlers and from in-process publishers.
 */
@ExtendWith(LeakDetection.class)
class InProcessSubscriptionOptionsTest {

    private final TestBroker test = new TestBroker();
    private final MqttBroker broker = test.broker;

    @AfterEach
    void release() {
        TestBroker.releaseAll();
    }

    private static String text(Message m) {
        return m.topic() + "|" + m.qos() + "|" + (m.retain() ? 1 : 0) + "|"
                + new String(m.payload(), StandardCharsets.UTF_8);
    }

    private static List<String> texts(List<Message> messages) {
        return messages.stream().map(InProcessSubscriptionOptionsTest::text).toList();
    }

    @Test
    void retainAsPublishedKeepsTheRetainFlagOfLiveMessagesFromAClient() {
        List<Message> asPublished = new CopyOnWriteArrayList<>();
        List<Message> normal = new CopyOnWriteArrayList<>();
        broker.subscribe("s/#", new SubscriptionOptions(1, true, true), asPublished::add);
        broker.subscribe("s/#", 1, normal::add);
        for (int level : new int[] {4, 5}) {
            TestClient pub = test.connected("pub" + level, level);
            pub.publish("s/" + level + "/r", "retained", 1, true, 1);
            pub.expectReply(MqttMessageType.PUBACK, 1);
            pub.publish("s/" + level + "/n", "live", 1, false, 2);
            pub.expectReply(MqttMessageType.PUBACK, 2);
            pub.publish("s/" + level + "/q0", "retained0", 0, true, 0);
            pub.expectNothing();
        }
        assertEquals(List.of("s/4/r|1|1|retained", "s/4/n|1|0|live", "s/4/q0|0|1|retained0",
                "s/5/r|1|1|retained", "s/5/n|1|0|live", "s/5/q0|0|1|retained0"), texts(asPublished));
        assertEquals(List.of("s/4/r|1|0|retained", "s/4/n|1|0|live", "s/4/q0|0|0|retained0",
                "s/5/r|1|0|retained", "s/5/n|1|0|live", "s/5/q0|0|0|retained0"), texts(normal),
                "a normal subscription clears the flag on live messages (MQTT's default)");
    }

    @Test
    void retainAsPublishedAlsoForInProcessPublishesAndForTheDeletionOfARetainedMessage() {
        List<Message> got = new CopyOnWriteArrayList<>();
        broker.subscribe("d/+", new SubscriptionOptions(2, true, true), got::add);
        broker.publish("d/1", "on".getBytes(StandardCharsets.UTF_8), 2, true, null);
        broker.publish("d/1", new byte[0], 0, true, null);
        broker.publish("d/2", "plain".getBytes(StandardCharsets.UTF_8), 1, false, null);
        assertEquals(List.of("d/1|2|1|on", "d/1|0|1|", "d/2|1|0|plain"), texts(got),
                "the empty retained message that deletes d/1 is passed on retained too, so a bridge deletes it upstream");
        assertTrue(broker.retained("d/#").isEmpty());
    }

    @Test
    void withoutSendRetainedNoRetainedMessageArrivesOnSubscribe() {
        broker.publish("k/a", "A".getBytes(StandardCharsets.UTF_8), 1, true, null);
        List<Message> quiet = new CopyOnWriteArrayList<>();
        List<Message> sent = new CopyOnWriteArrayList<>();
        Subscription s = broker.subscribe("k/#", new SubscriptionOptions(1, true, false), quiet::add);
        broker.subscribe("k/#", new SubscriptionOptions(1, true, true), sent::add);
        assertEquals(List.of(), texts(quiet));
        assertEquals(List.of("k/a|1|1|A"), texts(sent));
        broker.publish("k/b", "B".getBytes(StandardCharsets.UTF_8), 1, true, null);
        assertEquals(List.of("k/b|1|1|B"), texts(quiet), "live messages do arrive");
        assertEquals(1, s.qos());
        assertEquals("k/#", s.topicFilter());
        s.close();
        broker.publish("k/c", "C".getBytes(StandardCharsets.UTF_8), 1, true, null);
        assertEquals(1, quiet.size(), "closed");
    }

    @Test
    void retainedReturnsTheMatchingRetainedMessagesWithTheirQosAndProperties() {
        TestClient pub = test.connected("pub", 5);
        pub.publish("site/gw1/t", "21", 1, true, 1);
        pub.expectReply(MqttMessageType.PUBACK, 1);
        MessageProperties props = new MessageProperties(true, 3600L, "text/plain", null, null,
                List.of(new MessageProperties.UserProperty("unit", "C")));
        broker.publish(new Message("site/gw1/h", "55".getBytes(StandardCharsets.UTF_8), 0, true, props));
        broker.publish("site/gw2/t", "19".getBytes(StandardCharsets.UTF_8), 2, true, null);
        broker.publish("site/gw1/live", "x".getBytes(StandardCharsets.UTF_8), 1, false, null);

        List<Message> gw1 = broker.retained("site/gw1/#").stream().sorted(Comparator.comparing(Message::topic))
                .toList();
        assertEquals(List.of("site/gw1/h|0|1|55", "site/gw1/t|1|1|21"), texts(gw1));
        Message h = gw1.get(0);
        assertEquals("text/plain", h.properties().contentType());
        assertEquals(List.of(new MessageProperties.UserProperty("unit", "C")), h.properties().userProperties());
        assertEquals(3600L, h.properties().messageExpirySeconds());
        assertEquals(List.of("site/gw2/t|2|1|19"), texts(broker.retained("site/+/t").stream()
                .filter(m -> m.topic().contains("gw2")).toList()));
        assertEquals(2, broker.retained("site/+/t").size());
        assertEquals(List.of("site/gw1/t|1|1|21"), texts(broker.retained("site/gw1/t")));
        assertTrue(broker.retained("other/#").isEmpty());

        pub.publish("site/gw1/t", "", 0, true, 0);
        assertEquals(List.of("site/gw1/h|0|1|55"), texts(broker.retained("site/gw1/#")), "deleted by an empty one");
    }

    @Test
    void badArgumentsAreRefusedWithTheReason() {
        IllegalArgumentException qos = assertThrows(IllegalArgumentException.class,
                () -> new SubscriptionOptions(3, true, true));
        assertTrue(qos.getMessage().contains("0, 1 or 2"), qos.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> broker.subscribe("a/#/b", new SubscriptionOptions(0, true, true), m -> { }));
        assertThrows(IllegalArgumentException.class, () -> broker.retained("a/#/b"));
        IllegalArgumentException shared = assertThrows(IllegalArgumentException.class,
                () -> broker.retained("$share/g/a/#"));
        assertTrue(shared.getMessage().contains("shared"), shared.getMessage());
        assertFalse(SubscriptionOptions.qos(1).retainAsPublished());
        assertTrue(SubscriptionOptions.qos(1).sendRetained());
    }
}
