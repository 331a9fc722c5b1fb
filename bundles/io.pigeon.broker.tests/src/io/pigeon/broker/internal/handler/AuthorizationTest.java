package io.pigeon.broker.internal.handler;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.pigeon.broker.spi.Authenticator;
import io.pigeon.broker.spi.Authorizer;
import io.pigeon.broker.spi.ClientIdentity;
import io.pigeon.broker.internal.LeakDetection;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The broker asks the Authorizer before every delivery and before publishing a will. */
@ExtendWith(LeakDetection.class)
class AuthorizationTest {

    private final TestBroker broker = new TestBroker();
    /** Topics nobody may receive; topics nobody may publish to. */
    private final Set<String> unreadable = ConcurrentHashMap.newKeySet();
    private final Set<String> unwritable = ConcurrentHashMap.newKeySet();

    AuthorizationTest() {
        broker.broker.authorizer(new Authorizer() {
            @Override
            public boolean canPublish(ClientIdentity client, String topic) {
                return !unwritable.contains(topic);
            }

            @Override
            public boolean canSubscribe(ClientIdentity client, String topicFilter) {
                return true;
            }

            @Override
            public boolean canReceive(ClientIdentity client, String topic) {
                return !unreadable.contains(topic);
            }
        });
    }

    @Test
    void liveAndRetainedMessagesAreFilteredByCanReceive() {
        unreadable.add("secret");
        TestClient pub = broker.connected("pub", 4);
        pub.publish("secret", "retained", 0, true, 0);
        TestClient sub = broker.connected("sub", 4);
        sub.subscribe(1, "#", 0);
        sub.expectSuback(0);
        sub.expectNothing();
        pub.publish("secret", "live", 0, false, 0);
        pub.publish("open", "hello", 1, false, 7);
        pub.expectReply(MqttMessageType.PUBACK, 7);
        sub.expectPublish("open", "hello");
        sub.expectNothing();
    }

    @Test
    void queuedMessagesAreCheckedAgainWhenTheClientReturns() {
        TestClient sub = broker.client(4);
        sub.connect("away", false);
        sub.expectConnack(0);
        sub.subscribe(1, "q/#", 1);
        sub.expectSuback(1);
        sub.drop();
        TestClient pub = broker.connected("pub2", 4);
        pub.publish("q/denied", "a", 1, false, 1);
        pub.publish("q/allowed", "b", 1, false, 2);
        unreadable.add("q/denied");
        TestClient back = broker.client(4);
        back.connect("away", false);
        back.expectConnack(0);
        back.expectPublish("q/allowed", "b");
        back.expectNothing();
    }

    @Test
    void willIsPublishedOnlyWhereTheClientMayPublish() {
        unwritable.add("wills/denied");
        TestClient watcher = broker.connected("watcher", 4);
        watcher.subscribe(1, "wills/#", 0);
        watcher.expectSuback(0);
        for (String topic : new String[] {"wills/denied", "wills/allowed"}) {
            TestClient c = broker.client(4);
            c.send(MqttMessageBuilders.connect().protocolVersion(TestClient.version(4)).clientId("w-" + topic)
                    .cleanSession(true).keepAlive(60).willFlag(true).willTopic(topic).willQoS(MqttQoS.AT_MOST_ONCE)
                    .willMessage("gone".getBytes(StandardCharsets.UTF_8)).build());
            c.expectConnack(0);
            c.drop();
        }
        watcher.expectPublish("wills/allowed", "gone");
        watcher.expectNothing();
        assertTrue(broker.log.contains("info", "wills/denied"), broker.log.lines().toString());
    }

    @Test
    void withoutAnAuthenticatorOnlyLocalClientsAreAdmitted() {
        broker.broker.authenticator(null);
        TestClient remote = broker.client(4);
        remote.connect("remote", true);
        remote.expectConnack(0x05);
        remote.assertClosed();
        TestClient v5 = broker.client(5);
        v5.connect("remote5", true);
        v5.expectConnack(0x87);
        assertTrue(broker.log.contains("warn", "io.pigeon.auth"), broker.log.lines().toString());
        assertTrue(broker.broker.authenticator().authenticate(
                new ClientIdentity("local", null, "127.0.0.1:5000", 4), null) == Authenticator.Result.ACCEPT);
        assertTrue(broker.broker.authenticator().authenticate(
                new ClientIdentity("local6", null, "[::1]:5000", 4), null) == Authenticator.Result.ACCEPT);
    }

    @Test
    void loopbackCheckNeverResolvesNames() {
        assertTrue(ClientIdentity.isLocal(ClientIdentity.IN_PROCESS));
        assertTrue(ClientIdentity.isLocal("127.0.0.1:1883"));
        assertTrue(ClientIdentity.isLocal("127.1.2.3:1"));
        assertTrue(ClientIdentity.isLocal("::1:1883"));
        assertTrue(ClientIdentity.isLocal("[::1]:1883"));
        assertFalse(ClientIdentity.isLocal("localhost:1883"));
        assertFalse(ClientIdentity.isLocal("192.168.1.20:1883"));
        assertFalse(ClientIdentity.isLocal("embedded"));
        assertFalse(ClientIdentity.isLocal(null));
    }
}
