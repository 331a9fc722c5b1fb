package io.pigeon.broker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;

import io.pigeon.broker.BrokerEvent;
import io.pigeon.broker.Message;
import io.pigeon.broker.MessageProperties;
import io.pigeon.broker.Subscription;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakDetection.class)
class MqttBrokerApiTest {

    private final LogCapture log = new LogCapture();
    private final MqttBroker broker = new MqttBroker(BrokerSettings.defaults(), log.logger(), new TestClock());

    @Test
    void inProcessPublishSubscribeWithRetainedAndProperties() throws Exception {
        broker.publish("home/t", "21".getBytes(StandardCharsets.UTF_8), 1, true, null).toCompletableFuture().get();
        List<Message> got = new ArrayList<>();
        Subscription s = broker.subscribe("home/#", 1, got::add);
        assertEquals(1, got.size());
        assertTrue(got.get(0).retain());
        MessageProperties props = new MessageProperties(true, 30L, "text/plain", "r", new byte[] {9},
                List.of(new MessageProperties.UserProperty("a", "b")));
        broker.publish(new Message("home/h", "55".getBytes(), 0, false, props)).toCompletableFuture().get();
        assertEquals(2, got.size());
        Message m = got.get(1);
        assertEquals("home/h", m.topic());
        assertEquals("text/plain", m.properties().contentType());
        assertEquals(30L, m.properties().messageExpirySeconds());
        assertEquals("b", m.properties().userProperties().get(0).value());
        s.close();
        broker.publish("home/x", new byte[0], 0, false, null);
        assertEquals(2, got.size());
        assertEquals(0, broker.tree().size());
    }

    @Test
    void invalidTopicFailsTheStage() {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> broker.publish("a/+", new byte[0], 0, false, null).toCompletableFuture().get());
        assertTrue(e.getCause() instanceof IllegalArgumentException);
        assertThrows(IllegalArgumentException.class, () -> broker.subscribe("a/#/b", 0, m -> { }));
    }

    @Test
    void eventsReachListenersAndAFailingListenerIsReported() {
        List<BrokerEvent> events = new ArrayList<>();
        broker.events().add(events::add);
        broker.events().add(e -> {
            throw new IllegalStateException("boom");
        });
        Subscription s = broker.subscribe("e/#", 0, m -> { });
        broker.publish("e/1", new byte[] {1}, 0, false, null);
        s.close();
        assertEquals(List.of(BrokerEvent.Type.SUBSCRIBED, BrokerEvent.Type.MESSAGE_PUBLISHED,
                BrokerEvent.Type.UNSUBSCRIBED), events.stream().map(BrokerEvent::type).toList());
        assertTrue(log.contains("warn", "boom"), log.lines().toString());
    }

    @Test
    void statsCountPublishes() {
        broker.subscribe("s", 0, m -> { });
        broker.publish("s", new byte[] {1}, 0, false, null);
        assertEquals(1, broker.stats().publishReceived());
        assertEquals(1, broker.stats().subscriptions());
    }
}
