package io.pigeon.client.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.pigeon.broker.Broker;
import io.pigeon.broker.Message;
import io.pigeon.broker.MessageHandler;
import io.pigeon.broker.Subscription;
import io.pigeon.client.ClientSubscription;
import io.pigeon.client.MqttClientException;
import io.pigeon.client.SubscribeOptions;

import org.osgi.service.log.Logger;

/**
 * One subscription of an {@link EmbeddedClient}: an in-process broker subscription, made again on every new Broker
 * service. Thread safe.
 */
final class EmbeddedSubscription implements ClientSubscription {

    private final EmbeddedClient client;
    private final String filter;
    private final SubscribeOptions options;
    private final MessageHandler handler;
    private final Logger log;
    private final CompletableFuture<ClientSubscription> subscribed = new CompletableFuture<>();
    private final CompletableFuture<Void> unsubscribed = new CompletableFuture<>();
    private Subscription current;
    private volatile boolean ended;

    EmbeddedSubscription(EmbeddedClient client, String filter, SubscribeOptions options, MessageHandler handler,
            Logger log) {
        this.client = client;
        this.filter = filter;
        this.options = options;
        this.handler = handler;
        this.log = log;
    }

    CompletionStage<ClientSubscription> subscribed() {
        return subscribed.copy();
    }

    /** Subscribes on {@code broker}, replacing a subscription on an earlier one. */
    void attach(Broker broker) {
        Subscription made;
        try {
            made = broker.subscribe(filter, options.qos(), this::deliver);
        } catch (RuntimeException e) {
            subscribed.completeExceptionally(new MqttClientException("The embedded broker refused the subscription to '"
                    + filter + "': " + e.getMessage(), 0x8F));
            client.remove(this);
            return;
        }
        Subscription previous;
        synchronized (this) {
            if (ended) {
                previous = made;
            } else {
                previous = current;
                current = made;
            }
        }
        if (previous != null) {
            previous.close();
        }
        subscribed.complete(this);
    }

    /** The broker went away: stop delivering from its subscription. */
    void detach() {
        Subscription previous;
        synchronized (this) {
            previous = current;
            current = null;
        }
        if (previous != null) {
            previous.close();
        }
    }

    /** The client closed: the subscription ends for good. */
    void end() {
        ended = true;
        detach();
        subscribed.completeExceptionally(new MqttClientException("The client was closed before the subscription to '"
                + filter + "' was made", -1));
        unsubscribed.complete(null);
    }

    private void deliver(Message message) {
        if (ended || (options.noLocal() && client.isPublishingHere())) {
            return;
        }
        try {
            handler.onMessage(message);
        } catch (RuntimeException e) {
            log.warn("The handler of the subscription to '" + filter + "' failed on a message to '" + message.topic()
                    + "': " + e + "; the subscription stays, fix the handler (" + handler.getClass().getName() + ")");
        }
    }

    @Override
    public String topicFilter() {
        return filter;
    }

    /** The broker in this runtime grants every QoS it is asked for. */
    @Override
    public int grantedQos() {
        return options.qos();
    }

    @Override
    public CompletionStage<Void> unsubscribe() {
        if (!ended) {
            ended = true;
            client.remove(this);
            detach();
            unsubscribed.complete(null);
        }
        return unsubscribed.copy();
    }

    @Override
    public String toString() {
        return "subscription to '" + filter + "' of " + client;
    }
}
