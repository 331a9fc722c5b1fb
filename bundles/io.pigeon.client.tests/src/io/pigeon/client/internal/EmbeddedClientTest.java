package io.pigeon.client.internal;

import static io.pigeon.client.internal.Inbox.message;
import static io.pigeon.client.internal.Osgi.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.pigeon.broker.Broker;
import io.pigeon.broker.Message;
import io.pigeon.client.ClientOptions;
import io.pigeon.client.ClientOptions.DropPolicy;
import io.pigeon.client.ClientSubscription;
import io.pigeon.client.ConnectionState;
import io.pigeon.client.MqttClient;
import io.pigeon.client.MqttClientException;
import io.pigeon.client.MqttClients;
import io.pigeon.client.SubscribeOptions;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.component.ComponentContext;

/**
 * The embedded client inside Equinox, through the real MqttClients service and the real broker: publish and
 * subscribe at every QoS, the options, and a broker that stops and starts again under open clients.
 */
class EmbeddedClientTest {

    private final List<MqttClient> opened = new ArrayList<>();

    @AfterEach
    void closeClients() throws Exception {
        opened.forEach(MqttClient::close);
        Bundle broker = Osgi.brokerBundle();
        if (broker.getState() != Bundle.ACTIVE) {
            broker.start();
        }
    }

    private MqttClient open(ClientOptions options) throws Exception {
        MqttClient c = Osgi.service(MqttClients.class, null).open(options);
        opened.add(c);
        return c;
    }

    private MqttClient open() throws Exception {
        MqttClient c = open(ClientOptions.builder(ClientOptions.EMBEDDED).clientId("test").build());
        get(c.connected());
        return c;
    }

    private static <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(Osgi.TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    private static MqttClientException failure(CompletionStage<?> stage) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> stage.toCompletableFuture().get(Osgi.TIMEOUT_MS, TimeUnit.MILLISECONDS));
        return assertInstanceOf(MqttClientException.class, e.getCause());
    }

    @Test
    void publishesAtEveryQosReachSubscribersThroughTheBroker() throws Exception {
        MqttClient subscriber = open();
        MqttClient publisher = open();
        assertEquals(ConnectionState.CONNECTED, publisher.state());
        Inbox viaClient = new Inbox();
        ClientSubscription sub = get(subscriber.subscribe("embedded/qos/#", 2, viaClient));
        assertEquals(2, sub.grantedQos());
        assertEquals("embedded/qos/#", sub.topicFilter());
        Inbox viaBroker = new Inbox();
        try (var direct = Osgi.service(Broker.class, null).subscribe("embedded/qos/#", 2, viaBroker)) {
            for (int qos = 0; qos <= 2; qos++) {
                get(publisher.publish(message("embedded/qos/" + qos, "m" + qos, qos)));
            }
            for (int qos = 0; qos <= 2; qos++) {
                Message m = viaClient.take();
                assertEquals("embedded/qos/" + qos, m.topic());
                assertEquals("m" + qos, Inbox.text(m));
                assertEquals(qos, m.qos());
                assertEquals("m" + qos, viaBroker.takeText(), "the broker's own subscribers see it too");
            }
        }
    }

    @Test
    void retainedMessagesComeFirstAndUnsubscribeStopsDelivery() throws Exception {
        MqttClient client = open();
        get(client.publish(new Message("embedded/retained", "kept".getBytes(StandardCharsets.UTF_8), 1, true)));
        Inbox inbox = new Inbox();
        ClientSubscription sub = get(client.subscribe("embedded/retained", 1, inbox));
        Message retained = inbox.take();
        assertTrue(retained.retain());
        assertEquals("kept", Inbox.text(retained));

        get(sub.unsubscribe());
        get(sub.unsubscribe());
        get(client.publish(message("embedded/retained", "after", 1)));
        assertNull(inbox.poll(200), "nothing after unsubscribe");
        get(client.publish(new Message("embedded/retained", new byte[0], 1, true)));
    }

    @Test
    void noLocalKeepsTheClientsOwnPublishesAway() throws Exception {
        MqttClient self = open();
        MqttClient other = open();
        Inbox inbox = new Inbox();
        get(self.subscribe("embedded/nolocal", new SubscribeOptions(1, true, false), inbox));
        get(self.publish(message("embedded/nolocal", "own", 1)));
        get(other.publish(message("embedded/nolocal", "other", 1)));
        assertEquals("other", inbox.takeText());
        assertNull(inbox.poll(200), "the client's own message is not delivered back");
    }

    @Test
    void badTopicsAndFiltersAreRefusedWithReasonCodes() throws Exception {
        MqttClient client = open();
        MqttClientException topic = failure(client.publish(message("a/+/b", "x", 0)));
        assertEquals(0x90, topic.reasonCode());
        assertTrue(topic.getMessage().contains("a/+/b"), topic.getMessage());
        MqttClientException filter = failure(client.subscribe("a/#/b", 0, new Inbox()));
        assertEquals(0x8F, filter.reasonCode());
        assertTrue(filter.getMessage().contains("'#'"), filter.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Osgi.service(MqttClients.class, null)
                .open(ClientOptions.builder("gopher://x").build()));
    }

    @Test
    void aBrokerRestartKeepsBufferedPublishesAndSubscriptions() throws Exception {
        MqttClient client = open(ClientOptions.builder(ClientOptions.EMBEDDED).clientId("restart").build());
        get(client.connected());
        List<String> states = new ArrayList<>();
        client.addStateListener((state, reason) -> {
            synchronized (states) {
                states.add(state + (reason == null ? "" : ": " + reason));
            }
        });
        Inbox inbox = new Inbox();
        get(client.subscribe("embedded/restart", 1, inbox));

        Bundle broker = Osgi.brokerBundle();
        broker.stop();
        waitFor(() -> client.state() == ConnectionState.DISCONNECTED, "the client sees the broker go");
        CompletionStage<Void> reconnected = client.connected();
        assertFalse(reconnected.toCompletableFuture().isDone());
        List<CompletableFuture<Void>> published = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            published.add(client.publish(message("embedded/restart", "m" + i, 1)).toCompletableFuture());
        }
        Thread.sleep(100);
        assertTrue(published.stream().noneMatch(CompletableFuture::isDone), "waiting in the offline buffer");

        broker.start();
        get(reconnected);
        for (CompletableFuture<Void> f : published) {
            get(f);
        }
        for (int i = 0; i < 3; i++) {
            assertEquals("m" + i, inbox.takeText(), "in order, through the subscription made again");
        }
        synchronized (states) {
            assertEquals(2, states.size(), states.toString());
            assertTrue(states.get(0).startsWith("DISCONNECTED: the embedded broker stopped"), states.get(0));
            assertEquals("CONNECTED", states.get(1));
        }
    }

    @Test
    void theOfflineBufferDropsByItsPolicy() throws Exception {
        MqttClient oldest = open(ClientOptions.builder(ClientOptions.EMBEDDED).offlineBuffer(2, DropPolicy.DROP_OLDEST)
                .build());
        MqttClient newest = open(ClientOptions.builder(ClientOptions.EMBEDDED).offlineBuffer(2, DropPolicy.DROP_NEWEST)
                .build());
        MqttClient none = open(ClientOptions.builder(ClientOptions.EMBEDDED).offlineBuffer(0, DropPolicy.DROP_NEWEST)
                .build());
        MqttClient listener = open();
        Inbox inbox = new Inbox();
        get(listener.subscribe("embedded/drop/#", 1, inbox));

        Bundle broker = Osgi.brokerBundle();
        broker.stop();
        waitFor(() -> oldest.state() == ConnectionState.DISCONNECTED, "disconnected");
        List<CompletionStage<Void>> o = new ArrayList<>();
        List<CompletionStage<Void>> n = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            o.add(oldest.publish(message("embedded/drop/oldest", "o" + i, 1)));
            n.add(newest.publish(message("embedded/drop/newest", "n" + i, 1)));
        }
        assertTrue(failure(o.get(0)).getMessage().contains("DROP_OLDEST"));
        assertTrue(failure(n.get(2)).getMessage().contains("DROP_NEWEST"));
        assertEquals(-1, failure(none.publish(message("embedded/drop/none", "x", 1))).reasonCode());

        broker.start();
        get(o.get(1));
        get(o.get(2));
        get(n.get(0));
        get(n.get(1));
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            got.add(inbox.takeText());
        }
        got.sort(null);
        assertEquals(List.of("n1", "n2", "o2", "o3"), got);
        assertNull(inbox.poll(200), "the dropped messages never arrive");
    }

    @Test
    void closeFailsWhatWaitsAndIsFinal() throws Exception {
        MqttClient client = open();
        List<ConnectionState> states = new ArrayList<>();
        client.addStateListener((state, reason) -> states.add(state));
        Bundle broker = Osgi.brokerBundle();
        broker.stop();
        waitFor(() -> client.state() == ConnectionState.DISCONNECTED, "disconnected");
        CompletionStage<Void> waiting = client.publish(message("embedded/close", "x", 1));
        CompletionStage<Void> next = client.connected();
        client.close();
        client.close();
        assertEquals(ConnectionState.CLOSED, client.state());
        assertEquals(-1, failure(waiting).reasonCode());
        assertTrue(failure(client.publish(message("embedded/close", "y", 0))).getMessage().contains("closed"));
        failure(client.subscribe("embedded/close", 0, new Inbox()));
        broker.start();
        Thread.sleep(200);
        assertFalse(next.toCompletableFuture().isDone(), "connected() never completes after close()");
        assertEquals(List.of(ConnectionState.DISCONNECTED, ConnectionState.CLOSED), states);
    }

    @Test
    void clientsABundleLeavesOpenAreEndedWithTheirWill() throws Exception {
        LogCapture log = new LogCapture();
        ComponentContext context = (ComponentContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ComponentContext.class}, (proxy, method, args) -> method.getName()
                        .equals("getUsingBundle") ? FrameworkUtil.getBundle(Osgi.class) : null);
        ClientsComponent clients = new ClientsComponent(log.logger, Osgi.service(io.pigeon.client.internal.remote.ClientEventLoops.class, null), context);
        Broker broker = Osgi.service(Broker.class, null);
        clients.setBroker(broker);
        Inbox inbox = new Inbox();
        try (var sub = broker.subscribe("embedded/will/#", 1, inbox)) {
            MqttClient closed = clients.open(ClientOptions.builder(ClientOptions.EMBEDDED)
                    .will(message("embedded/will/closed", "gone", 1)).build());
            MqttClient left = clients.open(ClientOptions.builder(ClientOptions.EMBEDDED)
                    .will(message("embedded/will/left", "gone", 1)).build());
            closed.close();
            clients.deactivate();
            Message will = inbox.take();
            assertEquals("embedded/will/left", will.topic(), "only the client left open publishes its will");
            assertNull(inbox.poll(200));
            assertEquals(ConnectionState.CLOSED, left.state());
            assertTrue(log.contains("1 client(s) still open"), log.lines().toString());
        }
    }
}
