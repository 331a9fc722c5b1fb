package io.pigeon.broker.internal.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.pigeon.broker.internal.ListenerSettings;
import io.pigeon.broker.internal.LeakDetection;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A listener's max_qos, max_topic_alias and mount_point apply to its clients; others get the broker's. */
@ExtendWith(LeakDetection.class)
class ListenerSettingsTest {

    private final TestBroker broker = new TestBroker();

    @Test
    void listenerMaxQosIsAdvertisedAndCapsGrants() {
        TestClient c = broker.client(5, new ListenerSettings(1, -1, ""));
        c.connect("capped", true);
        MqttConnAckMessage ack = c.expectConnack(0);
        assertEquals(1, ack.variableHeader().properties().getProperty(MqttProperties.MAXIMUM_QOS).value());
        c.subscribe(1, "q", 2);
        c.expectSuback(1);

        TestClient other = broker.client(5);
        other.connect("uncapped", true);
        ack = other.expectConnack(0);
        assertNull(ack.variableHeader().properties().getProperty(MqttProperties.MAXIMUM_QOS));
        other.subscribe(1, "q", 2);
        other.expectSuback(2);
    }

    @Test
    void listenerMaxQosAppliesToV311Subscriptions() {
        TestClient c = broker.client(4, new ListenerSettings(0, -1, ""));
        c.connect("v4-capped", true);
        c.expectConnack(0);
        c.subscribe(1, "q", 2);
        c.expectSuback(0);
    }

    @Test
    void listenerTopicAliasMaximumIsAdvertised() {
        TestClient c = broker.client(5, new ListenerSettings(-1, 3, ""));
        c.connect("aliases", true);
        MqttConnAckMessage ack = c.expectConnack(0);
        assertEquals(3, ack.variableHeader().properties().getProperty(MqttProperties.TOPIC_ALIAS_MAXIMUM).value());
    }

    @Test
    void mountPointPrefixesTopicsInAndStripsThemOut() {
        ListenerSettings mounted = new ListenerSettings(-1, -1, "site1/");
        TestClient inside = broker.client(4, mounted);
        inside.connect("inside", true);
        inside.expectConnack(0);
        inside.subscribe(1, "cmd/#", 0);
        inside.expectSuback(0);
        TestClient outside = broker.connected("outside", 4);
        outside.subscribe(1, "site1/#", 0);
        outside.expectSuback(0);

        inside.publish("temp", "21", 0, false, 0);
        outside.expectPublish("site1/temp", "21");

        outside.publish("site1/cmd/reset", "now", 0, true, 0);
        inside.expectPublish("cmd/reset", "now");
        outside.expectPublish("site1/cmd/reset", "now");

        TestClient late = broker.client(4, mounted);
        late.connect("late", true);
        late.expectConnack(0);
        late.subscribe(1, "cmd/+", 0);
        late.expectSuback(0);
        late.expectPublish("cmd/reset", "now");
    }
}
