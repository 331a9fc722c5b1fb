package io.pigeon.broker.internal.handler.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.pigeon.broker.internal.handler.TestBroker;
import io.pigeon.broker.internal.handler.TestClient;
import io.pigeon.broker.internal.LeakDetection;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakDetection.class)
class PublishFlowTest {

    private final TestBroker broker = new TestBroker();

    @Test
    void qos0And1AndNoMatchingSubscribers() {
        TestClient sub = broker.connected("sub", 4);
        sub.subscribe(1, "a/b", 1);
        sub.expectSuback(1);
        TestClient pub = broker.connected("pub", 5);
        pub.publish("a/b", "zero", 0, false, 0);
        MqttPublishMessage p0 = sub.expectPublish("a/b", "zero");
        assertEquals(0, p0.fixedHeader().qosLevel().value());
        pub.publish("a/b", "one", 1, false, 7);
        assertEquals(0, pub.expectReply(MqttMessageType.PUBACK, 7));
        MqttPublishMessage p1 = sub.expectPublish("a/b", "one");
        assertEquals(1, p1.fixedHeader().qosLevel().value());
        sub.ack(MqttMessageType.PUBACK, p1.variableHeader().packetId());
        pub.publish("nobody/here", "x", 1, false, 8);
        assertEquals(0x10, pub.expectReply(MqttMessageType.PUBACK, 8));
    }

    @Test
    void qos2FullFlowBothDirections() {
        TestClient sub = broker.connected("sub2", 5);
        sub.subscribe(1, "q2", 2);
        sub.expectSuback(2);
        TestClient pub = broker.connected("pub2", 5);
        pub.publish("q2", "exactly once", 2, false, 100);
        assertEquals(0x00, pub.expectReply(MqttMessageType.PUBREC, 100));
        MqttPublishMessage out = sub.expectPublish("q2", "exactly once");
        assertEquals(2, out.fixedHeader().qosLevel().value());
        int id = out.variableHeader().packetId();
        // a resent PUBLISH with the same id before PUBREL is acknowledged but not delivered again
        pub.publish("q2", "exactly once", 2, false, 100, MqttProperties.NO_PROPERTIES, true);
        pub.expectReply(MqttMessageType.PUBREC, 100);
        pub.ack(MqttMessageType.PUBREL, 100);
        assertEquals(0, pub.expectReply(MqttMessageType.PUBCOMP, 100));
        pub.ack(MqttMessageType.PUBREL, 100);
        assertEquals(0x92, pub.expectReply(MqttMessageType.PUBCOMP, 100), "unknown id now");

        sub.ack(MqttMessageType.PUBREC, id);
        sub.expectReply(MqttMessageType.PUBREL, id);
        sub.ack(MqttMessageType.PUBCOMP, id);
        sub.expectNothing();
        assertEquals(0, broker.broker.sessions().get("sub2").inflightCount());
    }

    @Test
    void unacknowledgedMessagesAreResentWithDupOnReconnect() {
        TestClient sub = broker.client(4);
        sub.connect("resend", false);
        sub.expectConnack(0);
        sub.subscribe(1, "r/#", 2);
        sub.expectSuback(2);
        TestClient pub = broker.connected("pubr", 4);
        pub.publish("r/1", "m1", 1, false, 1);
        pub.publish("r/2", "m2", 2, false, 2);
        MqttPublishMessage m1 = sub.expectPublish("r/1", "m1");
        MqttPublishMessage m2 = sub.expectPublish("r/2", "m2");
        sub.ack(MqttMessageType.PUBREC, m2.variableHeader().packetId());
        sub.expectReply(MqttMessageType.PUBREL, m2.variableHeader().packetId());
        sub.drop();

        TestClient again = broker.client(4);
        again.connect("resend", false);
        assertTrue(again.expectConnack(0).variableHeader().isSessionPresent());
        MqttPublishMessage dup = again.expectPublish("r/1", "m1");
        assertTrue(dup.fixedHeader().isDup());
        assertEquals(m1.variableHeader().packetId(), dup.variableHeader().packetId());
        again.expectReply(MqttMessageType.PUBREL, m2.variableHeader().packetId());
    }

    @Test
    void inflightWindowThenQueueThenDrop() {
        TestBroker small = new TestBroker(TestBroker.settings(2, 3, 2, 0, 10));
        TestClient sub = small.client(4);
        sub.connect("slow", false);
        sub.expectConnack(0);
        sub.subscribe(1, "w", 1);
        sub.expectSuback(1);
        TestClient pub = small.connected("fast", 4);
        for (int i = 0; i < 7; i++) {
            pub.publish("w", "m" + i, 1, false, i + 1);
            pub.expectReply(MqttMessageType.PUBACK, i + 1);
        }
        MqttPublishMessage a = sub.expectPublish("w", "m0");
        sub.expectPublish("w", "m1");
        sub.expectNothing();
        assertEquals(3, small.broker.sessions().get("slow").queuedCount());
        assertEquals(2, small.broker.metrics().publishDroppedCount());
        sub.ack(MqttMessageType.PUBACK, a.variableHeader().packetId());
        sub.expectPublish("w", "m2");
        sub.expectNothing();
    }

    @Test
    void offlineQueueForPersistentSessionAndQos0NotQueued() {
        TestClient sub = broker.client(4);
        sub.connect("offline", false);
        sub.expectConnack(0);
        sub.subscribe(1, "o", 2);
        sub.expectSuback(2);
        sub.disconnect(0);
        TestClient pub = broker.connected("p", 4);
        pub.publish("o", "q0", 0, false, 0);
        pub.publish("o", "q1", 1, false, 1);
        pub.publish("o", "q2", 2, false, 2);
        TestClient back = broker.client(4);
        back.connect("offline", false);
        back.expectConnack(0);
        back.expectPublish("o", "q1");
        back.expectPublish("o", "q2");
        back.expectNothing();
    }

    @Test
    void receiveMaximumViolationGets0x93() {
        TestBroker small = new TestBroker(TestBroker.settings(2, 1000, 2, 0, 10));
        TestClient c = small.connected("greedy", 5);
        c.publish("x", "1", 2, false, 1);
        c.publish("x", "2", 2, false, 2);
        c.expectReply(MqttMessageType.PUBREC, 1);
        c.expectReply(MqttMessageType.PUBREC, 2);
        c.publish("x", "3", 2, false, 3);
        c.expectDisconnect(0x93);
    }

    @Test
    void sysIsReadOnlyForClients() {
        TestClient c = broker.connected("hacker", 5);
        TestClient sub = broker.connected("watcher", 5);
        sub.subscribe(1, "$SYS/#", 0);
        sub.expectSuback(0);
        c.publish("$SYS/broker/version", "evil", 1, false, 5);
        assertEquals(0x87, c.expectReply(MqttMessageType.PUBACK, 5));
        sub.expectNothing();
    }

    @Test
    void qosAboveMaxQosIsRefused() {
        TestBroker b = new TestBroker(TestBroker.settings(20, 1000, 1, 0, 10));
        TestClient c = b.connected("q", 5);
        c.publish("t", "x", 2, false, 1);
        c.expectDisconnect(0x9B);
    }

    @Test
    void propertiesPassThroughAndExpiryCountsDown() {
        TestClient sub = broker.client(5);
        MqttProperties sp = new MqttProperties();
        sp.add(new IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL, 600));
        sub.connect("props", false, 60, sp);
        sub.expectConnack(0);
        sub.subscribe(1, "p", 1);
        sub.expectSuback(1);
        sub.disconnect(0);

        TestClient pub = broker.connected("pp", 5);
        MqttProperties p = new MqttProperties();
        p.add(new IntegerProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL, 100));
        p.add(new MqttProperties.StringProperty(MqttProperties.CONTENT_TYPE, "text/plain"));
        p.add(new MqttProperties.StringProperty(MqttProperties.RESPONSE_TOPIC, "reply/here"));
        p.add(new MqttProperties.BinaryProperty(MqttProperties.CORRELATION_DATA, new byte[] {1, 2}));
        p.add(new MqttProperties.UserProperty("k", "v"));
        p.add(new MqttProperties.UserProperty("k", "w"));
        p.add(new IntegerProperty(MqttProperties.PAYLOAD_FORMAT_INDICATOR, 1));
        pub.publish("p", "payload", 1, false, 1, p, false);
        pub.expectReply(MqttMessageType.PUBACK, 1);
        broker.clock.advance(40, TimeUnit.SECONDS);

        TestClient back = broker.client(5);
        back.connect("props", false, 60, sp);
        back.expectConnack(0);
        MqttProperties got = back.expectPublish("p", "payload").variableHeader().properties();
        assertEquals(60, got.getProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL).value());
        assertEquals("text/plain", got.getProperty(MqttProperties.CONTENT_TYPE).value());
        assertEquals("reply/here", got.getProperty(MqttProperties.RESPONSE_TOPIC).value());
        assertEquals(2, ((byte[]) got.getProperty(MqttProperties.CORRELATION_DATA).value()).length);
        assertEquals(2, got.getProperties(MqttProperties.USER_PROPERTY).size());
        assertEquals(1, got.getProperty(MqttProperties.PAYLOAD_FORMAT_INDICATOR).value());
    }

    @Test
    void expiredMessagesAreNotDelivered() {
        TestClient sub = broker.client(4);
        sub.connect("exp", false);
        sub.expectConnack(0);
        sub.subscribe(1, "e", 1);
        sub.expectSuback(1);
        sub.disconnect(0);
        TestClient pub = broker.connected("ep", 5);
        MqttProperties p = new MqttProperties();
        p.add(new IntegerProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL, 5));
        pub.publish("e", "short-lived", 1, false, 1, p, false);
        broker.clock.advance(6, TimeUnit.SECONDS);
        TestClient back = broker.client(4);
        back.connect("exp", false);
        back.expectConnack(0);
        back.expectNothing();
    }

    @Test
    void inboundTopicAlias() {
        TestClient sub = broker.connected("as", 5);
        sub.subscribe(1, "alias/#", 0);
        sub.expectSuback(0);
        TestClient pub = broker.connected("ap", 5);
        MqttProperties a = new MqttProperties();
        a.add(new IntegerProperty(MqttProperties.TOPIC_ALIAS, 3));
        pub.publish("alias/long/topic", "first", 0, false, 0, a, false);
        pub.publish("", "second", 0, false, 0, a, false);
        sub.expectPublish("alias/long/topic", "first");
        sub.expectPublish("alias/long/topic", "second");
        MqttProperties bad = new MqttProperties();
        bad.add(new IntegerProperty(MqttProperties.TOPIC_ALIAS, 11));
        pub.publish("alias/x", "too big", 0, false, 0, bad, false);
        pub.expectDisconnect(0x94);
    }

    @Test
    void unknownInboundAliasIsProtocolError() {
        TestClient pub = broker.connected("ua", 5);
        MqttProperties a = new MqttProperties();
        a.add(new IntegerProperty(MqttProperties.TOPIC_ALIAS, 2));
        pub.publish("", "who", 0, false, 0, a, false);
        pub.expectDisconnect(0x82);
    }

    @Test
    void outboundTopicAliasWhenClientAllowsIt() {
        TestClient sub = broker.client(5);
        MqttProperties cp = new MqttProperties();
        cp.add(new IntegerProperty(MqttProperties.TOPIC_ALIAS_MAXIMUM, 1));
        sub.connect("oa", true, 60, cp);
        sub.expectConnack(0);
        sub.subscribe(1, "o/#", 0);
        sub.expectSuback(0);
        TestClient pub = broker.connected("oap", 4);
        pub.publish("o/one", "1", 0, false, 0);
        pub.publish("o/one", "2", 0, false, 0);
        pub.publish("o/two", "3", 0, false, 0);
        MqttPublishMessage first = sub.expectPublish("o/one", "1");
        assertEquals(1, first.variableHeader().properties().getProperty(MqttProperties.TOPIC_ALIAS).value());
        MqttPublishMessage second = sub.expectPublish("", "2");
        assertEquals(1, second.variableHeader().properties().getProperty(MqttProperties.TOPIC_ALIAS).value());
        MqttPublishMessage third = sub.expectPublish("o/two", "3");
        assertNull(third.variableHeader().properties().getProperty(MqttProperties.TOPIC_ALIAS));
    }

    @Test
    void clientMaximumPacketSizeDropsBigMessages() {
        TestClient sub = broker.client(5);
        MqttProperties cp = new MqttProperties();
        cp.add(new IntegerProperty(MqttProperties.MAXIMUM_PACKET_SIZE, 64));
        sub.connect("tiny", true, 60, cp);
        sub.expectConnack(0);
        sub.subscribe(1, "big", 1);
        sub.expectSuback(1);
        TestClient pub = broker.connected("bigpub", 5);
        pub.publish("big", "x".repeat(100), 1, false, 1);
        pub.publish("big", "small", 1, false, 2);
        MqttPublishMessage only = sub.expectPublish("big", "small");
        assertFalse(only.fixedHeader().isDup());
        sub.expectNothing();
        assertEquals(1, broker.broker.metrics().publishDroppedCount());
    }

    @Test
    void upgradeOutgoingQosIsOffByDefault() {
        TestClient sub = broker.connected("up", 4);
        sub.subscribe(1, "u", 2);
        sub.expectSuback(2);
        TestClient pub = broker.connected("upp", 4);
        pub.publish("u", "low", 0, false, 0);
        assertEquals(0, sub.expectPublish("u", "low").fixedHeader().qosLevel().value());
    }
}
