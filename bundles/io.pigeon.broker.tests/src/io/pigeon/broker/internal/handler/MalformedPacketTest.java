package io.pigeon.broker.internal.handler;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import io.netty.handler.codec.mqtt.MqttMessageType;
import io.pigeon.broker.internal.BrokerSettings;
import io.pigeon.broker.internal.LeakDetection;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Each malformed case closes only that connection, with the right reason code, logged once. */
@ExtendWith(LeakDetection.class)
class MalformedPacketTest {

    private final TestBroker broker = new TestBroker();

    @Test
    void publishWithQos3() {
        TestClient c = broker.connected("q3", 5);
        c.sendRaw(0x36, 0x05, 0x00, 0x01, 'a', 0x00, 0x01);
        c.expectDisconnect(0x81);
        assertTrue(broker.log.contains("warn", "q3"), broker.log.lines().toString());
    }

    @Test
    void subscribeWithWrongFlags() {
        TestClient c = broker.connected("flags", 5);
        c.sendRaw(0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x00);
        c.expectDisconnect(0x81);
    }

    @Test
    void oversizedPacketGets0x95() {
        BrokerSettings d = BrokerSettings.defaults();
        TestBroker small = new TestBroker(new BrokerSettings(20, 1000, 0, 100, 0, 65535, 2, true, true, "auto-", -1,
                false, 10, false, 10, false, -1));
        TestClient c = small.connected("big", 5);
        StringBuilder payload = new StringBuilder();
        payload.append("x".repeat(200));
        c.publish("t", payload.toString(), 0, false, 0);
        c.expectDisconnect(0x95);
        assertTrue(d.decoderLimit() > 100);
    }

    @Test
    void serverOnlyPacketFromClient() {
        TestClient c = broker.connected("suback", 5);
        c.sendRaw(0x90, 0x03, 0x00, 0x01, 0x00);
        c.expectDisconnect(0x82);
    }

    @Test
    void authPacketWithoutMethod() {
        TestClient c = broker.connected("auth", 5);
        c.sendRaw(0xF0, 0x00);
        c.expectDisconnect(0x82);
    }

    @Test
    void authPacketWithUnknownMethodGets0x8C() {
        TestClient c = broker.connected("authm", 5);
        io.netty.handler.codec.mqtt.MqttProperties p = new io.netty.handler.codec.mqtt.MqttProperties();
        p.add(new io.netty.handler.codec.mqtt.MqttProperties.StringProperty(
                io.netty.handler.codec.mqtt.MqttProperties.AUTHENTICATION_METHOD, "KERBEROS"));
        c.send(io.netty.handler.codec.mqtt.MqttMessageBuilders.auth().reasonCode((byte) 0x19).properties(p).build());
        c.expectDisconnect(0x8C);
    }

    @Test
    void packetIdZero() {
        TestClient c = broker.connected("pid0", 4);
        c.sendRaw(0x32, 0x05, 0x00, 0x01, 'a', 0x00, 0x00);
        c.assertClosed();
    }

    @Test
    void v311ClientGetsNoDisconnectPacket() {
        TestClient c = broker.connected("old", 4);
        c.sendRaw(0x36, 0x05, 0x00, 0x01, 'a', 0x00, 0x01);
        c.expectNothing();
        c.assertClosed();
    }

    @Test
    void badInputDoesNotAffectOtherClients() {
        TestClient good = broker.connected("good", 4);
        good.subscribe(1, "ok", 0);
        good.expectSuback(0);
        Random rnd = new Random(42);
        for (int i = 0; i < 300; i++) {
            TestClient bad = broker.client(4);
            if (rnd.nextBoolean()) {
                bad.connect("fuzz" + i, true);
            }
            int[] junk = new int[1 + rnd.nextInt(40)];
            for (int j = 0; j < junk.length; j++) {
                junk[j] = rnd.nextInt(256);
            }
            bad.sendRaw(junk);
            bad.all();
            bad.drop();
        }
        // mutated valid packets: flip, drop and insert bytes in a CONNECT + SUBSCRIBE + PUBLISH stream
        int[] valid = {0x10, 0x10, 0, 4, 'M', 'Q', 'T', 'T', 5, 2, 0, 60, 0, 0, 3, 'm', 'u', 't',
            0x82, 0x07, 0, 1, 0, 0, 1, 'a', 1,
            0x32, 0x08, 0, 1, 'a', 0, 2, 0, 'h', 'i'};
        for (int i = 0; i < 2000; i++) {
            int[] m = valid.clone();
            int changes = 1 + rnd.nextInt(3);
            for (int k = 0; k < changes; k++) {
                m[rnd.nextInt(m.length)] = rnd.nextInt(256);
            }
            TestClient bad = broker.client(5);
            bad.sendRaw(m);
            bad.all();
            bad.drop();
        }
        TestClient p = broker.connected("after", 4);
        p.publish("ok", "still fine", 1, false, 1);
        p.expectReply(MqttMessageType.PUBACK, 1);
        good.expectPublish("ok", "still fine");
    }
}
