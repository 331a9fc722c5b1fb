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

/**
 * PUBACK/PUBREC once the message is safe: acknowledged by every persistent subscriber or written and synced, in
 * order, refusing when the store cannot write.
 */
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
    void aMessageTheSubscriberAcknowledgesInTimeIsNeverWritten() {
        TestClient sub = persistentSubscriber("durable", "d/#");
        assertTrue(store.changes.contains("subscribe durable d/#"), store.changes.toString());
        TestClient pub = broker.connected("pub", 4);
        store.syncs.clear();
        pub.publish("d/1", "first", 1, false, 1);
        pub.expectNothing(); // neither acknowledged by the subscriber nor on disk yet
        MqttPublishMessage m = sub.expectPublish("d/1", "first");
        sub.ack(MqttMessageType.PUBACK, m.variableHeader().packetId());
        assertEquals(0, pub.expectReply(MqttMessageType.PUBACK, 1), "the subscriber has it: the publisher may know");
        sub.advance(1);
        assertEquals(0, store.count("message durable"), "written although acknowledged: " + store.changes);
        assertEquals(0, store.count("remove message durable"), store.changes.toString());
        assertEquals(List.of(), store.syncs, "nothing written, nothing to wait for");
    }

    @Test
    void anUnacknowledgedMessageIsWrittenAfterTheDelayAndAcknowledgedOnceSynced() {
        TestClient sub = persistentSubscriber("durable1", "w/#");
        TestClient pub = broker.connected("pub1", 4);
        store.syncs.clear();
        pub.publish("w/1", "slow", 1, false, 1);
        MqttPublishMessage m = sub.expectPublish("w/1", "slow");
        assertEquals(0, store.count("message durable1"), store.changes.toString());
        sub.advance(1);
        assertEquals(1, store.count("message durable1"), "not written after the delay: " + store.changes);
        assertEquals(1, store.count("sent durable1"), "in flight when written: " + store.changes);
        pub.expectNothing(); // written, not synced
        store.completeAll();
        sub.expectNothing();
        assertEquals(0, pub.expectReply(MqttMessageType.PUBACK, 1));
        sub.ack(MqttMessageType.PUBACK, m.variableHeader().packetId());
        assertEquals(1, store.count("remove message durable1"), "the subscriber's PUBACK removes the written message");
    }

    @Test
    void pubacksKeepThePublishOrder() {
        TestClient sub = persistentSubscriber("durable5", "o/#");
        TestClient pub = broker.connected("pub5o", 4);
        store.syncs.clear();
        pub.publish("o/1", "first", 1, false, 1);
        pub.publish("o/2", "second", 1, false, 2);
        MqttPublishMessage first = sub.expectPublish("o/1", "first");
        MqttPublishMessage second = sub.expectPublish("o/2", "second");
        sub.ack(MqttMessageType.PUBACK, second.variableHeader().packetId());
        pub.expectNothing(); // the second is safe, the first is not: PUBACKs go in PUBLISH order
        sub.advance(1);
        assertEquals(1, store.count("message durable5"), "only the unacknowledged one is written: " + store.changes);
        store.completeAll();
        sub.expectNothing();
        assertEquals(0, pub.expectReply(MqttMessageType.PUBACK, 1));
        assertEquals(0, pub.expectReply(MqttMessageType.PUBACK, 2));
        sub.ack(MqttMessageType.PUBACK, first.variableHeader().packetId());
    }

    @Test
    void messagesForAnAbsentSubscriberAreWrittenAtOnce() {
        TestClient sub = persistentSubscriber("durable6", "a/#");
        sub.drop();
        TestClient pub = broker.connected("pub6", 4);
        store.syncs.clear();
        pub.publish("a/1", "away", 1, false, 1);
        assertEquals(1, store.count("message durable6"), store.changes.toString());
        pub.expectNothing();
        store.completeAll();
        sub.expectNothing();
        assertEquals(0, pub.expectReply(MqttMessageType.PUBACK, 1));
    }

    @Test
    void heldMessagesAreWrittenAsSoonAsTheSubscriberLeaves() {
        TestClient sub = persistentSubscriber("durable7", "l/#");
        TestClient pub = broker.connected("pub7", 4);
        store.syncs.clear();
        pub.publish("l/1", "in flight", 1, false, 1);
        sub.expectPublish("l/1", "in flight");
        assertEquals(0, store.count("message durable7"), store.changes.toString());
        sub.drop(); // no PUBACK will come: the delay is not waited for
        assertEquals(1, store.count("message durable7"), store.changes.toString());
        store.completeAll();
        sub.expectNothing();
        assertEquals(0, pub.expectReply(MqttMessageType.PUBACK, 1));
    }

    @Test
    void qos2PacketIdIsStoredBeforePubrec() {
        TestClient sub = persistentSubscriber("durable2", "q2/#");
        TestClient pub = broker.client(4);
        pub.connect("pub-durable", false);
        pub.expectConnack(0);
        store.syncs.clear();
        pub.publish("q2/x", "exactly", 2, false, 9);
        assertTrue(store.changes.contains("pubrel pub-durable 9"), store.changes.toString());
        pub.expectNothing();
        sub.advance(1); // the subscriber does not acknowledge: its message is written
        store.completeAll();
        sub.expectPublish("q2/x", "exactly");
        assertEquals(0, pub.expectReply(MqttMessageType.PUBREC, 9));
        pub.ack(MqttMessageType.PUBREL, 9);
        assertEquals(0, pub.expectReply(MqttMessageType.PUBCOMP, 9));
        assertTrue(store.changes.contains("released pub-durable 9"), store.changes.toString());
    }

    @Test
    void aQos2DeliveryIsSafeOnlyOncePubcompCameOrItIsWritten() {
        TestClient sub = persistentSubscriber2("durable8", "e/#");
        TestClient pub = broker.connected("pub8", 4);
        store.syncs.clear();
        pub.publish("e/1", "once", 2, false, 1);
        int id = sub.expectPublish("e/1", "once").variableHeader().packetId();
        sub.ack(MqttMessageType.PUBREC, id);
        sub.expectReply(MqttMessageType.PUBREL, id);
        pub.expectNothing(); // after PUBREC the broker still owes the PUBREL: not safe until PUBCOMP or written
        sub.ack(MqttMessageType.PUBCOMP, id);
        assertEquals(0, pub.expectReply(MqttMessageType.PUBREC, 1));
        assertEquals(0, store.count("message durable8"), store.changes.toString());
    }

    private TestClient persistentSubscriber2(String id, String filter) {
        TestClient sub = broker.client(4);
        sub.connect(id, false);
        sub.expectConnack(0);
        sub.subscribe(1, filter, 2);
        sub.expectSuback(2);
        return sub;
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
        sub.ack(MqttMessageType.PUBACK, sub.expectPublish("f/3", "refused").variableHeader().packetId());
        assertEquals(0, v4.expectReply(MqttMessageType.PUBACK, 3), "accepted again once the store writes");
    }

    @Test
    void aSyncThatFailsIsNotAcknowledgedAsStored() {
        TestClient sub = persistentSubscriber("durable4", "s/#");
        TestClient v5 = broker.connected("pub5b", 5);
        TestClient v4 = broker.connected("pub4b", 4);
        store.syncs.clear();
        v5.publish("s/1", "lost", 1, false, 1);
        v4.publish("s/2", "lost", 1, false, 2);
        sub.advance(1);
        assertEquals(2, store.count("message durable4"), store.changes.toString());
        store.syncs.forEach(f -> f.completeExceptionally(new IOException("No space left on device")));
        sub.all();
        assertEquals(0x97, v5.expectReply(MqttMessageType.PUBACK, 1));
        v4.expectNothing();
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
