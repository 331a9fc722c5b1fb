package io.pigeon.broker.internal.handler.subscribe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption.RetainedHandlingPolicy;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.pigeon.broker.internal.handler.TestBroker;
import io.pigeon.broker.internal.handler.TestClient;
import io.pigeon.broker.internal.LeakDetection;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakDetection.class)
class SubscribeTest {

    private final TestBroker broker = new TestBroker();

    private static MqttSubscriptionOption opt(int qos, boolean noLocal, boolean rap, RetainedHandlingPolicy rh) {
        return new MqttSubscriptionOption(MqttQoS.valueOf(qos), noLocal, rap, rh);
    }

    @Test
    void subackCodesForValidInvalidAndDowngraded() {
        TestBroker b = new TestBroker(TestBroker.settings(20, 1000, 1, 0, 10));
        TestClient c = b.connected("s", 5);
        c.send(MqttMessageBuilders.subscribe().messageId(3).addSubscription(MqttQoS.EXACTLY_ONCE, "a/+")
                .addSubscription(MqttQoS.AT_MOST_ONCE, "a/#/b").addSubscription(MqttQoS.AT_LEAST_ONCE, "$share//x")
                .build());
        assertEquals(3, c.expectSuback(1, 0x8F, 0x8F));
        TestClient v4 = b.connected("s4", 4);
        v4.subscribe(4, "bad#", 1);
        v4.expectSuback(0x80);
    }

    @Test
    void retainedMessagesSetReplaceClearAndDeliverWithRetainFlag() {
        TestClient pub = broker.connected("rp", 4);
        pub.publish("r/a", "one", 1, true, 1);
        pub.publish("r/a", "two", 1, true, 2);
        pub.publish("r/b", "bee", 0, true, 0);
        TestClient sub = broker.connected("rs", 4);
        sub.subscribe(1, "r/#", 1);
        sub.expectSuback(1);
        List<String> got = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
            MqttPublishMessage m = (MqttPublishMessage) sub.expect(MqttMessageType.PUBLISH);
            assertTrue(m.fixedHeader().isRetain());
            got.add(TestClient.text(m));
        }
        assertTrue(got.containsAll(List.of("two", "bee")), got.toString());
        pub.publish("r/a", "", 0, true, 0);
        MqttPublishMessage live = sub.expectPublish("r/a", "");
        assertFalse(live.fixedHeader().isRetain(), "live messages lose the retain flag");
        assertEquals(1, broker.broker.retained().size());
    }

    @Test
    void retainHandlingOptions() {
        TestClient pub = broker.connected("rhp", 5);
        pub.publish("rh", "kept", 0, true, 0);
        TestClient sub = broker.connected("rhs", 5);
        sub.subscribe(1, "rh", opt(0, false, false, RetainedHandlingPolicy.DONT_SEND_AT_SUBSCRIBE), null);
        sub.expectSuback(0);
        sub.expectNothing();
        sub.subscribe(2, "rh", opt(0, false, false, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE_IF_NOT_YET_EXISTS), null);
        sub.expectSuback(0);
        sub.expectNothing();
        sub.subscribe(3, "rh", opt(0, false, false, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE), null);
        sub.expectSuback(0);
        sub.expectPublish("rh", "kept");
    }

    @Test
    void noLocalAndRetainAsPublished() {
        TestClient c = broker.connected("nl", 5);
        c.subscribe(1, "nl/#", opt(0, true, true, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE), null);
        c.expectSuback(0);
        c.publish("nl/x", "mine", 0, false, 0);
        c.expectNothing();
        TestClient other = broker.connected("nlo", 5);
        other.publish("nl/x", "theirs", 0, true, 0);
        assertTrue(c.expectPublish("nl/x", "theirs").fixedHeader().isRetain(), "Retain As Published keeps the flag");
    }

    @Test
    void overlappingSubscriptionsDeliverOnceAtHighestQosWithAllIdentifiers() {
        TestClient c = broker.connected("ov", 5);
        MqttProperties id1 = new MqttProperties();
        id1.add(new IntegerProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER, 1));
        MqttProperties id2 = new MqttProperties();
        id2.add(new IntegerProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER, 2));
        c.subscribe(1, "ov/#", opt(0, false, false, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE), id1);
        c.expectSuback(0);
        c.subscribe(2, "ov/+", opt(1, false, false, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE), id2);
        c.expectSuback(1);
        TestClient p = broker.connected("ovp", 4);
        p.publish("ov/x", "once", 1, false, 1);
        MqttPublishMessage m = c.expectPublish("ov/x", "once");
        assertEquals(1, m.fixedHeader().qosLevel().value());
        assertEquals(2, m.variableHeader().properties().getProperties(MqttProperties.SUBSCRIPTION_IDENTIFIER).size());
        c.ack(MqttMessageType.PUBACK, m.variableHeader().packetId());
        c.expectNothing();
    }

    @Test
    void sharedSubscriptionsBalanceAcrossMembers() {
        TestClient a = broker.connected("sa", 5);
        TestClient b = broker.connected("sb", 5);
        a.subscribe(1, "$share/g/job/+", 0);
        a.expectSuback(0);
        b.subscribe(1, "$share/g/job/+", 0);
        b.expectSuback(0);
        TestClient p = broker.connected("sp", 5);
        for (int i = 0; i < 4; i++) {
            p.publish("job/" + i, "j" + i, 0, false, 0);
        }
        assertEquals(2, a.all().size());
        assertEquals(2, b.all().size());
    }

    @Test
    void noLocalOnSharedSubscriptionIsProtocolError() {
        TestClient a = broker.connected("snl", 5);
        a.subscribe(1, "$share/g/x", opt(0, true, false, RetainedHandlingPolicy.SEND_AT_SUBSCRIBE), null);
        a.expectDisconnect(0x82);
    }

    @Test
    void unsubscribeReportsMissingSubscriptions() {
        TestClient c = broker.connected("un", 5);
        c.subscribe(1, "u/1", 0);
        c.expectSuback(0);
        c.send(MqttMessageBuilders.unsubscribe().messageId(9).addTopicFilter("u/1").addTopicFilter("u/2").build());
        MqttUnsubAckMessage ack = (MqttUnsubAckMessage) c.expect(MqttMessageType.UNSUBACK);
        assertEquals(List.of((short) 0, (short) 0x11), ack.payload().unsubscribeReasonCodes());
        assertEquals(0, broker.broker.tree().size());
    }

    @Test
    void wildcardSubscriberDoesNotSeeSys() {
        TestClient c = broker.connected("all", 4);
        c.subscribe(1, "#", 0);
        c.expectSuback(0);
        broker.broker.publish("$SYS/broker/test", new byte[] {'1'}, 0, false, null);
        broker.broker.publish("normal", new byte[] {'2'}, 0, false, null);
        c.expectPublish("normal", "2");
        c.expectNothing();
    }
}
