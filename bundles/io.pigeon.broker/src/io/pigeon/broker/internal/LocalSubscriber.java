package io.pigeon.broker.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import io.pigeon.broker.MessageHandler;
import io.pigeon.broker.Subscription;
import io.pigeon.broker.internal.message.MessageConversion;
import io.pigeon.broker.internal.message.PublishedMessage;
import io.pigeon.broker.internal.topic.Subscriber;

/**
 * An in-process subscription from the {@code Broker} API. The handler runs on the publisher's thread
 * with its own copy of the payload.
 */
final class LocalSubscriber implements Subscriber, Subscription {

    private final String id;
    private final String filter;
    private final int qos;
    private final MessageHandler handler;
    private final LongSupplier nanoTime;
    private final Consumer<LocalSubscriber> onClose;
    private final Consumer<String> onFailure;
    private final AtomicBoolean closed = new AtomicBoolean();

    LocalSubscriber(String id, String filter, int qos, MessageHandler handler, LongSupplier nanoTime,
            Consumer<LocalSubscriber> onClose, Consumer<String> onFailure) {
        this.id = id;
        this.filter = filter;
        this.qos = qos;
        this.handler = handler;
        this.nanoTime = nanoTime;
        this.onClose = onClose;
        this.onFailure = onFailure;
    }

    @Override
    public String clientId() {
        return id;
    }

    @Override
    public boolean isOnline() {
        return !closed.get();
    }

    @Override
    public void deliver(PublishedMessage message, int deliveryQos, boolean retain, int[] subscriptionIds) {
        if (closed.get()) {
            return;
        }
        try {
            handler.onMessage(MessageConversion.toApi(message, deliveryQos, retain, nanoTime.getAsLong()));
        } catch (RuntimeException e) {
            onFailure.accept("In-process subscriber to '" + filter + "' failed: " + e
                    + "; the subscription stays, fix the handler");
        }
    }

    @Override
    public String topicFilter() {
        return filter;
    }

    @Override
    public int qos() {
        return qos;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            onClose.accept(this);
        }
    }
}
