package io.pigeon.broker.internal.handler.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttProperties.StringProperty;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.pigeon.broker.internal.handler.TestBroker;
import io.pigeon.broker.internal.handler.TestClient;
import io.pigeon.broker.spi.Authenticator;
import io.pigeon.broker.internal.LeakDetection;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakDetection.class)
class ConnectHandlerTest {

    private final TestBroker broker = new TestBroker();

    @Test
    void acceptsAllThreeProtocolVersions() {
        for (int level : new int[] {3, 4, 5}) {
            TestClient c = broker.client(level);
            c.connect("client-" + level, true);
            MqttConnAckMessage ack = c.expectConnack(0);
            assertFalse(ack.variableHeader().isSessionPresent());
            c.assertOpen();
        }
        assertEquals(3, broker.broker.metrics().connected());
    }

    @Test
    void unknownProtocolLevelGetsConnack1AndClose() {
        TestClient c = broker.client(4);
        // CONNECT "MQTT" level 9
        c.sendRaw(0x10, 0x0E, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x09, 0x02, 0x00, 0x3C, 0x00, 0x02, 'i', 'd');
        c.expectConnack(0x01);
        c.assertClosed();
    }

    @Test
    void firstPacketMustBeConnect() {
        TestClient c = broker.client(4);
        c.sendRaw(0xC0, 0x00);
        c.expectNothing();
        c.assertClosed();
        assertTrue(broker.log.contains("warn", "first packet was PINGREQ"), broker.log.lines().toString());
    }

    @Test
    void secondConnectIsProtocolError() {
        TestClient c = broker.connected("twice", 5);
        c.connect("twice", true);
        c.expectDisconnect(0x82);
    }

    @Test
    void emptyClientIdIsAssignedForCleanSessions() {
        TestClient v5 = broker.client(5);
        v5.connect("", true);
        MqttConnAckMessage ack = v5.expectConnack(0);
        StringProperty assigned = (StringProperty) ack.variableHeader().properties()
                .getProperty(MqttProperties.ASSIGNED_CLIENT_IDENTIFIER);
        assertNotNull(assigned);
        assertTrue(assigned.value().startsWith("auto-"), assigned.value());

        TestClient v311 = broker.client(4);
        v311.connect("", true);
        v311.expectConnack(0);
    }

    @Test
    void emptyClientIdWithPersistentSessionIsRejectedIn311() {
        TestClient c = broker.client(4);
        c.connect("", false);
        c.expectConnack(0x02);
        c.assertClosed();
    }

    @Test
    void unknownAuthenticationMethodGets0x8C() {
        TestClient c = broker.client(5);
        MqttProperties p = new MqttProperties();
        p.add(new StringProperty(MqttProperties.AUTHENTICATION_METHOD, "SCRAM-SHA-1"));
        c.connect("auth", true, 60, p);
        c.expectConnack(0x8C);
        c.assertClosed();
    }

    @Test
    void authenticatorRefusalMapsToVersionSpecificCodes() {
        broker.broker.authenticator((id, pw) -> Authenticator.Result.BAD_CREDENTIALS);
        TestClient v4 = broker.client(4);
        v4.connect("x", true);
        v4.expectConnack(0x05); // what Mosquitto 2.0 sends a 3.1.1 client for a wrong password
        TestClient v5 = broker.client(5);
        v5.connect("y", true);
        v5.expectConnack(0x86);
        broker.broker.authenticator((id, pw) -> Authenticator.Result.NOT_AUTHORIZED);
        TestClient v4n = broker.client(4);
        v4n.connect("xn", true);
        v4n.expectConnack(0x05);
        TestClient v5n = broker.client(5);
        v5n.connect("yn", true);
        v5n.expectConnack(0x87);
    }

    @Test
    void sessionTakeoverDisconnectsOldConnectionWith0x8E() {
        TestClient first = broker.client(5);
        MqttProperties p = new MqttProperties();
        p.add(new IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL, 300));
        first.connect("same", false, 60, p);
        first.expectConnack(0);
        first.subscribe(1, "t/#", 1);
        first.expectSuback(1);

        TestClient second = broker.client(5);
        second.connect("same", false, 60, p);
        MqttConnAckMessage ack = second.expectConnack(0);
        assertTrue(ack.variableHeader().isSessionPresent(), "persistent session resumed");
        first.expectDisconnect(0x8E);

        TestClient pub = broker.connected("pub", 5);
        pub.publish("t/x", "after takeover", 0, false, 0);
        second.expectPublish("t/x", "after takeover");
        first.expectNothing();
        assertEquals(2, broker.broker.metrics().connected());
    }

    @Test
    void cleanStartDiscardsOldSession() {
        TestClient a = broker.client(4);
        a.connect("cs", false);
        a.expectConnack(0);
        a.subscribe(1, "cs/t", 1);
        a.expectSuback(1);
        a.drop();
        TestClient b = broker.client(4);
        b.connect("cs", true);
        assertFalse(b.expectConnack(0).variableHeader().isSessionPresent());
        assertEquals(0, broker.broker.tree().size());
    }

    @Test
    void keepAliveAboveMaximumBecomesServerKeepAliveInV5() {
        TestBroker b = new TestBroker(new io.pigeon.broker.internal.BrokerSettings(20, 1000, 0, 0, 0, 30, 2, true,
                true, "auto-", -1, false, 10, false, 10, false, -1));
        TestClient c = b.client(5);
        c.connect("ka", true, 120, null);
        MqttConnAckMessage ack = c.expectConnack(0);
        assertEquals(30, ack.variableHeader().properties().getProperty(MqttProperties.SERVER_KEEP_ALIVE).value());
        TestClient v4 = b.client(4);
        v4.connect("ka4", true, 120, null);
        v4.expectConnack(0x02);
    }

    @Test
    void connackAnnouncesLimits() {
        TestClient c = broker.client(5);
        c.connect("limits", true);
        MqttProperties p = c.expectConnack(0).variableHeader().properties();
        assertEquals(20, p.getProperty(MqttProperties.RECEIVE_MAXIMUM).value());
        assertEquals(10, p.getProperty(MqttProperties.TOPIC_ALIAS_MAXIMUM).value());
    }

    @Test
    void keepAliveExpiryClosesAtOneAndAHalfTimes() {
        TestClient c = broker.client(5);
        c.connect("sleepy", true, 10, null);
        c.expectConnack(0);
        c.advance(14);
        c.assertOpen();
        c.advance(2);
        c.expectDisconnect(0x8D);
    }

    @Test
    void packetsPushTheKeepAliveDeadlineBack() {
        TestClient c = broker.client(5);
        c.connect("chatty", true, 10, null);
        c.expectConnack(0);
        c.advance(12);
        c.send(new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGREQ, false, MqttQoS.AT_MOST_ONCE, false, 0)));
        c.expect(MqttMessageType.PINGRESP);
        c.advance(12); // 24 s after CONNECT, but 12 s after the PINGREQ: within one and a half times 10 s
        c.assertOpen();
        c.advance(4);
        c.expectDisconnect(0x8D);
    }

    @Test
    void aConnectionThatSendsNoConnectIsClosedAfterTwentySeconds() {
        TestClient c = broker.client(4);
        c.advance(19);
        c.assertOpen();
        c.advance(2);
        c.assertClosed();
    }

    @Test
    void keepAliveZeroNeverTimesOut() {
        TestClient c = broker.client(4);
        c.connect("patient", true, 0, null);
        c.expectConnack(0);
        c.advance(3600);
        c.assertOpen();
    }
}
