package io.pigeon.broker.internal.handler.disconnect;

import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.pigeon.broker.internal.handler.TestBroker;
import io.pigeon.broker.internal.handler.TestClient;
import io.pigeon.broker.internal.LeakDetection;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakDetection.class)
class WillTest {

    private final TestBroker broker = new TestBroker();

    private TestClient willClient(int level, String id, int keepAlive, MqttProperties willProps, MqttProperties props) {
        TestClient c = broker.client(level);
        c.send(MqttMessageBuilders.connect().protocolVersion(level == 5 ? MqttVersion.MQTT_5 : MqttVersion.MQTT_3_1_1)
                .clientId(id).cleanSession(props == null).keepAlive(keepAlive).willFlag(true).willTopic("will/" + id)
                .willMessage("gone".getBytes()).willQoS(MqttQoS.AT_LEAST_ONCE)
                .willProperties(willProps == null ? MqttProperties.NO_PROPERTIES : willProps)
                .properties(props == null ? MqttProperties.NO_PROPERTIES : props).build());
        c.expectConnack(0);
        return c;
    }

    private TestClient watcher() {
        TestClient w = broker.connected("watcher", 4);
        w.subscribe(1, "will/#", 0);
        w.expectSuback(0);
        return w;
    }

    @Test
    void willOnKeepAliveExpiry() {
        TestClient w = watcher();
        TestClient c = willClient(4, "ka", 2, null, null);
        c.advance(4);
        c.assertClosed();
        w.expectPublish("will/ka", "gone");
    }

    @Test
    void willOnSocketLoss() {
        TestClient w = watcher();
        willClient(4, "lost", 60, null, null).drop();
        w.expectPublish("will/lost", "gone");
    }

    @Test
    void noWillOnDisconnect() {
        TestClient w = watcher();
        TestClient c = willClient(4, "polite", 60, null, null);
        c.disconnect(0);
        c.assertClosed();
        w.expectNothing();
    }

    @Test
    void willOnDisconnectWithWillMessage() {
        TestClient w = watcher();
        TestClient c = willClient(5, "v5will", 60, null, null);
        c.disconnect(0x04);
        w.expectPublish("will/v5will", "gone");
    }

    @Test
    void willOnProtocolError() {
        TestClient w = watcher();
        TestClient c = willClient(4, "bad", 60, null, null);
        c.sendRaw(0x36, 0x05, 0x00, 0x01, 'a', 0x00, 0x01);
        c.assertClosed();
        w.expectPublish("will/bad", "gone");
    }

    @Test
    void willDelayIsCancelledByReconnect() {
        TestClient w = watcher();
        MqttProperties wp = new MqttProperties();
        wp.add(new IntegerProperty(MqttProperties.WILL_DELAY_INTERVAL, 10));
        MqttProperties sp = new MqttProperties();
        sp.add(new IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL, 100));
        TestClient c = willClient(5, "delayed", 60, wp, sp);
        c.drop();
        w.expectNothing();
        c.advance(5);
        w.expectNothing();
        TestClient back = broker.client(5);
        back.connect("delayed", false, 60, sp);
        back.expectConnack(0);
        c.advance(10);
        w.expectNothing();
    }

    @Test
    void willDelayElapses() {
        TestClient w = watcher();
        MqttProperties wp = new MqttProperties();
        wp.add(new IntegerProperty(MqttProperties.WILL_DELAY_INTERVAL, 10));
        MqttProperties sp = new MqttProperties();
        sp.add(new IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL, 100));
        TestClient c = willClient(5, "late", 60, wp, sp);
        c.drop();
        c.advance(11);
        w.expectPublish("will/late", "gone");
    }
}
