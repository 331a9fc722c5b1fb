package io.pigeon.broker.internal.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.pigeon.broker.internal.BrokerSettings;
import io.pigeon.broker.internal.LeakDetection;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** upgrade_outgoing_qos, max_queued_bytes and persistent_client_expiration (with $SYS clients/expired). */
@ExtendWith(LeakDetection.class)
class SessionLimitsTest {

    private static BrokerSettings settings(long maxQueuedBytes, long expirationSeconds, boolean upgrade) {
        BrokerSettings d = BrokerSettings.defaults();
        return new BrokerSettings(d.maxInflightMessages(), d.maxQueuedMessages(), maxQueuedBytes, d.maxPacketSize(),
                d.messageSizeLimit(), d.maxKeepalive(), d.maxQos(), d.retainAvailable(), d.allowZeroLengthClientId(),
                d.autoIdPrefix(), expirationSeconds, d.tcpNoDelay(), d.sysIntervalSeconds(), upgrade,
                d.maxTopicAlias(), d.queueQos0Messages(), d.maxConnections());
    }

    @Test
    void upgradeOutgoingQosDeliversAtTheSubscriptionsQos() {
        TestBroker broker = new TestBroker(settings(0, BrokerSettings.NEVER, true));
        TestClient sub = broker.connected("up-sub", 4);
        sub.subscribe(1, "up", 1);
        sub.expectSuback(1);
        TestClient pub = broker.connected("up-pub", 4);
        pub.publish("up", "x", 0, false, 0);
        MqttPublishMessage p = sub.expectPublish("up", "x");
        assertEquals(1, p.fixedHeader().qosLevel().value());
    }

    @Test
    void maxQueuedBytesDropsWhatDoesNotFit() {
        TestBroker broker = new TestBroker(settings(10, BrokerSettings.NEVER, false));
        TestClient sub = broker.client(4);
        sub.connect("bytes", false);
        sub.expectConnack(0);
        sub.subscribe(1, "b", 1);
        sub.expectSuback(1);
        sub.drop();
        TestClient pub = broker.connected("bytes-pub", 4);
        pub.publish("b", "123456", 1, false, 1);
        pub.publish("b", "789012", 1, false, 2);
        pub.publish("b", "3456", 1, false, 3);
        long dropped = broker.broker.metrics().publishDroppedCount();
        assertEquals(1, dropped, "the second message does not fit in 10 bytes");
        TestClient back = broker.client(4);
        back.connect("bytes", false);
        back.expectConnack(0);
        back.expectPublish("b", "123456");
        back.expectPublish("b", "3456");
        back.expectNothing();
    }

    @Test
    void persistentClientExpirationEndsOfflineSessionsAndCountsThem() {
        TestBroker broker = new TestBroker(settings(0, 3600, false));
        TestClient c = broker.client(4);
        c.connect("expiring", false);
        c.expectConnack(0);
        c.subscribe(1, "e", 1);
        c.expectSuback(1);
        c.drop();
        c.advance(3599);
        assertTrue(broker.broker.sessions().get("expiring") != null, "kept until the expiration");
        c.advance(2);
        assertEquals(null, broker.broker.sessions().get("expiring"));
        assertEquals(1, broker.broker.stats().clientsExpired());
        TestClient back = broker.client(4);
        back.connect("expiring", false);
        assertFalse(back.expectConnack(0).variableHeader().isSessionPresent());
        TestClient pub = broker.connected("exp-pub", 4);
        pub.publish("e", "gone", 1, false, 1);
        pub.expectReply(MqttMessageType.PUBACK, 1);
        back.expectNothing();
    }
}
