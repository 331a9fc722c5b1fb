package io.pigeon.bridge.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pigeon.broker.Message;
import io.pigeon.broker.MessageHandler;
import io.pigeon.client.ClientOptions;
import io.pigeon.client.ClientSubscription;
import io.pigeon.client.ConnectionState;
import io.pigeon.client.ConnectionStateListener;
import io.pigeon.client.MqttClient;
import io.pigeon.client.MqttClientException;
import io.pigeon.client.SubscribeOptions;

/**
 * The send loop between the disk queue and the upstream connection, with the upstream's acknowledgements in the
 * test's hands (a scripted {@link MqttClient}) and the bridge thread replaced by the test thread.
 */
class ForwarderTest {

    @TempDir
    Path dir;
    final LogCapture log = new LogCapture();
    final ScriptedUpstream upstream = new ScriptedUpstream();
    /** Tasks the forwarder asked to run a little later; the test runs them. */
    final List<Runnable> later = new ArrayList<>();
    ForwardQueue queue;
    Forwarder forwarder;

    @BeforeEach
    void open() throws IOException {
        queue = ForwardQueue.open(dir.resolve("q.mv.db"), 1 << 20, "up", log.logger);
        forwarder = new Forwarder("up", queue, () -> upstream, Runnable::run, later::add, log.logger, () -> 0L);
    }

    @AfterEach
    void close() {
        queue.close();
    }

    private void enqueue(String topic) {
        queue.append(QueuedMessageCodec.encode(new Message(topic, topic.getBytes(StandardCharsets.UTF_8), 1, false), 0));
        forwarder.kick();
    }

    @Test
    void nothingIsSentWhileDisconnectedAndEverythingInOrderAfter() {
        for (int i = 0; i < 50; i++) {
            enqueue("t/" + i);
        }
        assertEquals(List.of(), upstream.topics(), "disconnected: nothing goes out");
        upstream.state = ConnectionState.CONNECTED;
        forwarder.connected();
        assertEquals(Forwarder.WINDOW, upstream.sent.size(), "at most a window in flight");
        upstream.ackAll();
        assertEquals(expected(0, 50), upstream.acked, "every message once, in order");
        assertEquals(0, queue.size(), "acknowledged messages leave the disk");
    }

    @Test
    void whatWasNotAcknowledgedIsSentAgainAfterAReconnect() {
        upstream.state = ConnectionState.CONNECTED;
        forwarder.connected();
        for (int i = 0; i < 10; i++) {
            enqueue("t/" + i);
        }
        upstream.ack(3);
        upstream.state = ConnectionState.DISCONNECTED;
        upstream.failAll(new MqttClientException("connection lost", -1));
        enqueue("t/10");
        assertEquals(8, queue.size(), "7 unacknowledged + 1 new stay on disk");
        upstream.state = ConnectionState.CONNECTED;
        forwarder.connected();
        upstream.ackAll();
        assertEquals(expected(0, 11), upstream.acked, "the rest again from where the upstream stopped acknowledging");
        assertEquals(0, queue.size());
    }

    @Test
    void whatTheClientStillHoldsAcrossAReconnectIsNotSentTwice() {
        upstream.state = ConnectionState.CONNECTED;
        forwarder.connected();
        for (int i = 0; i < 5; i++) {
            enqueue("t/" + i);
        }
        upstream.state = ConnectionState.DISCONNECTED;
        upstream.state = ConnectionState.CONNECTED;
        forwarder.connected();
        assertEquals(expected(0, 5), upstream.topics(), "the client resends its own in-flight messages");
        upstream.ackAll();
        assertEquals(expected(0, 5), upstream.acked);
        assertEquals(0, queue.size());
    }

    @Test
    void aMessageTheClientGivesBackWhileConnectedIsRetriedLaterNotAtOnce() {
        upstream.state = ConnectionState.CONNECTED;
        forwarder.connected();
        enqueue("t/0");
        upstream.sent.remove(0).completeExceptionally(new MqttClientException("buffer full", -1));
        assertEquals(List.of(), upstream.topics(), "not sent again at once");
        assertEquals(1, later.size(), "a retry is scheduled");
        later.remove(0).run();
        assertEquals(List.of("t/0"), upstream.topics(), "sent again by the retry");
        upstream.ackAll();
        assertEquals(0, queue.size());
    }

    @Test
    void aMessageTheUpstreamRefusesIsDroppedAndReported() {
        upstream.state = ConnectionState.CONNECTED;
        forwarder.connected();
        enqueue("forbidden");
        enqueue("t/1");
        upstream.sent.remove(0).completeExceptionally(new MqttClientException("0x87 not authorized", 0x87));
        upstream.ackAll();
        assertEquals(List.of("t/1"), upstream.acked);
        assertEquals(0, queue.size(), "a refused message must not block the queue");
        assertTrue(log.find("refused the message to 'forbidden'").startsWith("WARN Bridge up:"));
    }

    @Test
    void aMessageAboveTheMaximumPacketSizeIsDroppedWithTheFix() {
        upstream.state = ConnectionState.CONNECTED;
        forwarder.connected();
        enqueue("big");
        enqueue("t/1");
        upstream.sent.remove(0).completeExceptionally(new MqttClientException("The message to 'big' makes a PUBLISH"
                + " packet of 300 bytes, more than the 200 bytes allowed (the client's maximum packet size); it was not"
                + " sent", Forwarder.PACKET_TOO_LARGE));
        upstream.ackAll();
        assertEquals(List.of("t/1"), upstream.acked);
        assertEquals(0, queue.size(), "a message that can never go must not block the queue");
        assertTrue(log.find("makes a PUBLISH packet of 300 bytes").contains("Raise bridge_max_packet_size"));
    }

    @Test
    void aConnectionThatComesAndGoesIsTheOneUsed() {
        List<MqttClient> current = new ArrayList<>();
        Forwarder lazy = new Forwarder("up", queue, () -> current.isEmpty() ? null : current.get(0), Runnable::run,
                later::add, log.logger, () -> 0L);
        queue.append(QueuedMessageCodec.encode(new Message("t/0", new byte[0], 1, false), 0));
        lazy.kick();
        assertEquals(List.of(), upstream.topics(), "no connection yet: nothing goes out, nothing fails");
        upstream.state = ConnectionState.CONNECTED;
        current.add(upstream);
        lazy.connected();
        upstream.ackAll();
        assertEquals(List.of("t/0"), upstream.acked);
        assertEquals(0, queue.size());
    }

    private static List<String> expected(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add("t/" + i);
        }
        return out;
    }

    /** An upstream connection whose state and acknowledgements the test sets. Test thread only. */
    static final class ScriptedUpstream implements MqttClient {
        volatile ConnectionState state = ConnectionState.DISCONNECTED;
        final List<Publish> sent = new ArrayList<>();
        final List<String> acked = new ArrayList<>();

        record Publish(Message message, CompletableFuture<Void> ack) {
            void completeExceptionally(Throwable t) {
                ack.completeExceptionally(t);
            }
        }

        List<String> topics() {
            return sent.stream().map(p -> p.message.topic()).collect(Collectors.toList());
        }

        void ack(int n) {
            for (int i = 0; i < n; i++) {
                Publish p = sent.remove(0);
                acked.add(p.message.topic());
                p.ack.complete(null);
            }
        }

        void ackAll() {
            while (!sent.isEmpty()) {
                ack(1);
            }
        }

        void failAll(Throwable t) {
            List<Publish> failing = new ArrayList<>(sent);
            sent.clear();
            failing.forEach(p -> p.ack.completeExceptionally(t));
        }

        @Override
        public CompletionStage<Void> publish(Message message) {
            CompletableFuture<Void> ack = new CompletableFuture<>();
            if (state != ConnectionState.CONNECTED) {
                ack.completeExceptionally(new MqttClientException("not connected", -1));
            } else {
                sent.add(new Publish(message, ack));
            }
            return ack;
        }

        @Override
        public ClientOptions options() {
            return ClientOptions.builder("mqtt://127.0.0.1:1").build();
        }

        @Override
        public ConnectionState state() {
            return state;
        }

        @Override
        public CompletionStage<Void> connected() {
            return new CompletableFuture<>();
        }

        @Override
        public void addStateListener(ConnectionStateListener listener) {
        }

        @Override
        public void removeStateListener(ConnectionStateListener listener) {
        }

        @Override
        public CompletionStage<ClientSubscription> subscribe(String topicFilter, SubscribeOptions options,
                MessageHandler handler) {
            throw new UnsupportedOperationException("the forwarder does not subscribe");
        }

        @Override
        public void close() {
        }
    }
}
