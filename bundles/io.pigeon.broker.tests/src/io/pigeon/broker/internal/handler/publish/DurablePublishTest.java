package io.pigeon.broker.internal.handler.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.pigeon.broker.internal.LeakDetection;
import io.pigeon.broker.internal.handler.TestBroker;
import io.pigeon.broker.internal.handler.TestClient;
import io.pigeon.broker.spi.DurableStore;
import io.pigeon.broker.spi.StoredMessage;
import io.pigeon.broker.spi.StoredSession;
import io.pigeon.broker.spi.StoredSubscription;
import io.pigeon.broker.spi.StoredWill;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** PUBACK/PUBREC after the store: waiting for the sync, in order, refusing when the store cannot write. */
@ExtendWith(LeakDetection.class)
class DurablePublishTest {

    /** Records every change; {@link #synced()} futures are completed by the test. */
    static final class RecordingStore implements DurableStore {
        final List<String> changes = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<Void>> syncs = new CopyOnWriteArrayList<>();
        volatile boolean writable = true;

        @Override
        public StoredState load() {
            return StoredState.EMPTY;
        }

        @Override
        public CompletableFuture<Void> synced() {
            CompletableFuture<Void> f = new CompletableFuture<>();
            syncs.add(f);
            return f;
        }

        void completeAll() {
            syncs.forEach(f -> f.complete(null));
        }

        @Override
        public boolean isWritable() {
            return writable;
        }

        @Override
        public void putSession(StoredSession.Record session) {
            changes.add("session " + session.clientId());
        }

        @Override
        public void removeSession(String clientId) {
            changes.add("remove session " + clientId);
        }

        @Override
        public void putSubscription(String clientId, StoredSubscription subscription) {
            changes.add("subscribe " + clientId + " " + subscription.topicFilter());
        }

        @Override
        public void removeSubscription(String clientId, String topicFilter) {
            changes.add("unsubscribe " + clientId + " " + topicFilter);
        }

        @Override
        public void addMessage(String clientId, StoredMessage message) {
            changes.add("message " + clientId + " " + new String(message.message().payload()));
        }

        @Override
        public void messageSent(String clientId, long seq, int packetId, boolean released) {
            changes.add("sent " + clientId + (released ? " released" : ""));
        }

        @Override
        public void removeMessage(String clientId, long seq) {
            changes.add("remove message " + clientId);
        }

        @Override
        public void addAwaitingPubrel(String clientId, int packetId) {
            changes.add("pubrel " + clientId + " " + packetId);
        }

        @Override
        public void removeAwaitingPubrel(String clientId, int packetId) {
            changes.add("released " + clientId + " " + packetId);
        }

        @Override
        public void putWill(String clientId, StoredWill will) {
            changes.add("will " + clientId);
        }

        @Override
        public void removeWill(String clientId) {
            changes.add("remove will " + clientId);
        }

        @Override
        public void putRetained(StoredRetained message) {
            changes.add("retain " + message.message().topic());
        }

        @Override
        public void removeRetained(String topic) {
            changes.add("unretain " + topic);
        }

        long count(String prefix) {
            return changes.stream().filter(c -> c.startsWith(prefix)).count();
        }
    }

    private final TestBroker broker = new TestBroker();
    private final RecordingStore store = new RecordingStore();

    DurablePublishTest() {
        broker.broker.store(store);
    }

    private TestClient persistentSubscriber(String id, String filter) {
        TestClient sub = broker.client(4);
        sub.connect(id, false);
        sub.expectConnack(0);
        sub.subscribe(1, filter, 1);
        sub.expectSuback(1);
        return sub;
    }

    @Test
    void pubackWaitsForTheSyncAndKeepsThePublishOrder() {
        TestClient sub = persistentSubscriber("durable", "d/#");
        assertTrue(store.changes.contains("subscribe durable d/#"), store.changes.toString());
        TestClient pub = broker.connected("pub", 4);
        store.syncs.clear();
        pub.publish("d/1", "first", 1, false, 1);
        pub.publish("d/2", "second", 1, false, 2);
        assertEquals(2, store.count("message durable"), store.changes.toString());
        pub.expectNothing();
        assertEquals(2, store.syncs.size());
        store.syncs.get(1).complete(null);
        pub.expectNothing(); // the first one is not on disk yet, and PUBACKs go in PUBLISH order
        store.syncs.get(0).complete(null);
        assertEquals(0, pub.expectReply(MqttMessageType.PUBACK, 1));
        assertEquals(0, pub.expectReply(MqttMessageType.PUBACK, 2));

        MqttPublishMessage m = sub.expectPublish("d/1", "first");
        sub.ack(MqttMessageType.PUBACK, m.variableHeader().packetId());
        assertEquals(1, store.count("remove message durable"), "the subscriber's PUBACK removes the message");
        sub.ack(MqttMessageType.PUBACK, sub.expectPublish("d/2", "second").variableHeader().packetId());
    }

    @Test
    void qos2PacketIdIsStoredBeforePubrec() {
        persistentSubscriber("durable2", "q2/#");
        TestClient pub = broker.client(4);
        pub.connect("pub-durable", false);
        pub.expectConnack(0);
        store.syncs.clear();
        pub.publish("q2/x", "exactly", 2, false, 9);
        assertTrue(store.changes.contains("pubrel pub-durable 9"), store.changes.toString());
        pub.expectNothing();
        store.completeAll();
        assertEquals(0, pub.expectReply(MqttMessageType.PUBREC, 9));
        pub.ack(MqttMessageType.PUBREL, 9);
        assertEquals(0, pub.expectReply(MqttMessageType.PUBCOMP, 9));
        assertTrue(store.changes.contains("released pub-durable 9"), store.changes.toString());
    }

    @Test
    void anUnwritableStoreRefusesQos1And2NewMessages() {
        TestClient sub = persistentSubscriber("durable3", "f/#");
        TestClient v5 = broker.connected("pub5", 5);
        TestClient v4 = broker.connected("pub4", 4);
        store.writable = false;
        v5.publish("f/1", "refused", 1, false, 1);
        assertEquals(0x97, v5.expectReply(MqttMessageType.PUBACK, 1));
        v5.publish("f/2", "refused", 2, false, 2);
        assertEquals(0x97, v5.expectReply(MqttMessageType.PUBREC, 2));
        v4.publish("f/3", "refused", 1, false, 3);
        v4.expectNothing(); // MQTT 3.1.1 has no refusal: no PUBACK, the client sends it again later
        sub.expectNothing();
        assertEquals(0, store.count("message durable3"), "nothing refused was stored");
        v5.publish("f/0", "qos 0 still flows", 0, false, 0);
        sub.expectPublish("f/0", "qos 0 still flows");

        store.writable = true;
        store.syncs.clear();
        v4.publish("f/3", "refused", 1, false, 3);
        store.completeAll();
        assertEquals(0, v4.expectReply(MqttMessageType.PUBACK, 3), "accepted again once the store writes");
        sub.ack(MqttMessageType.PUBACK, sub.expectPublish("f/3", "refused").variableHeader().packetId());
    }

    @Test
    void aSyncThatFailsIsNotAcknowledgedAsStored() {
        TestClient sub = persistentSubscriber("durable4", "s/#");
        TestClient v5 = broker.connected("pub5b", 5);
        TestClient v4 = broker.connected("pub4b", 4);
        store.syncs.clear();
        v5.publish("s/1", "lost", 1, false, 1);
        v4.publish("s/2", "lost", 1, false, 2);
        store.syncs.forEach(f -> f.completeExceptionally(new IOException("No space left on device")));
        assertEquals(0x97, v5.expectReply(MqttMessageType.PUBACK, 1));
        v4.expectNothing();
        sub.all();
    }

    @Test
    void cleanSessionsNeverTouchTheStore() {
        TestClient sub = broker.connected("clean-sub", 4);
        sub.subscribe(1, "c/#", 1);
        sub.expectSuback(1);
        TestClient pub = broker.connected("clean-pub", 4);
        store.syncs.clear();
        pub.publish("c/1", "m", 1, false, 1);
        store.completeAll();
        assertEquals(0, pub.expectReply(MqttMessageType.PUBACK, 1));
        sub.ack(MqttMessageType.PUBACK, sub.expectPublish("c/1", "m").variableHeader().packetId());
        assertEquals(List.of(), store.changes, "a clean session wrote to the store");
    }
}
