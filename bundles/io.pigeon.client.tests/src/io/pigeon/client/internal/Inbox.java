package io.pigeon.client.internal;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.pigeon.broker.Message;
import io.pigeon.broker.MessageHandler;

/** A handler that keeps what it receives, for the test thread to take with a bounded wait. */
final class Inbox implements MessageHandler {

    private final LinkedBlockingQueue<Message> messages = new LinkedBlockingQueue<>();

    @Override
    public void onMessage(Message message) {
        messages.add(message);
    }

    /** The next message, failing after {@code Osgi.TIMEOUT_MS}. */
    Message take() throws InterruptedException {
        Message m = messages.poll(Osgi.TIMEOUT_MS, TimeUnit.MILLISECONDS);
        assertNotNull(m, "a message within " + Osgi.TIMEOUT_MS + " ms");
        return m;
    }

    /** The next message's payload as text. */
    String takeText() throws InterruptedException {
        return text(take());
    }

    /** The next message within {@code ms}, or null. */
    Message poll(long ms) throws InterruptedException {
        return messages.poll(ms, TimeUnit.MILLISECONDS);
    }

    int size() {
        return messages.size();
    }

    static String text(Message m) {
        return new String(m.payload(), StandardCharsets.UTF_8);
    }

    static Message message(String topic, String payload, int qos) {
        return new Message(topic, payload.getBytes(StandardCharsets.UTF_8), qos, false);
    }
}
