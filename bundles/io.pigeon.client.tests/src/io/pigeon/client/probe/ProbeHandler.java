package io.pigeon.client.probe;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import io.pigeon.broker.Message;
import io.pigeon.broker.MessageHandler;

/**
 * Not a test: the one class of the whiteboard probe bundle that WhiteboardTest builds at run time (with a DS
 * descriptor written by the test). It keeps "topic:payload" of what it receives and hands a copy out through the
 * Supplier service, a type every bundle shares.
 */
public final class ProbeHandler implements MessageHandler, Supplier<List<String>> {

    private final List<String> received = new ArrayList<>();

    @Override
    public synchronized void onMessage(Message message) {
        received.add(message.topic() + ":" + new String(message.payload(), StandardCharsets.UTF_8));
    }

    @Override
    public synchronized List<String> get() {
        return List.copyOf(received);
    }
}
