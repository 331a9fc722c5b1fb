package io.pigeon.client.internal.remote;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.pigeon.broker.MessageHandler;
import io.pigeon.client.ClientSubscription;
import io.pigeon.client.SubscribeOptions;

/** One subscription of a {@link RemoteClient}. Its fields are the client's event loop's. */
final class RemoteSubscription implements ClientSubscription {

    final RemoteClient client;
    final String filter;
    /** The filter topics are matched against: without {@code $share/GROUP/}. */
    final String matchFilter;
    final SubscribeOptions options;
    final MessageHandler handler;
    final CompletableFuture<ClientSubscription> subscribed = new CompletableFuture<>();
    final CompletableFuture<Void> unsubscribed = new CompletableFuture<>();
    volatile int granted = -1;
    /** The broker acknowledged it (SUBACK), so a kept session has it. */
    boolean acked;
    boolean ended;

    RemoteSubscription(RemoteClient client, String filter, SubscribeOptions options, MessageHandler handler) {
        this.client = client;
        this.filter = filter;
        this.options = options;
        this.handler = handler;
        this.matchFilter = matchFilter(filter);
    }

    private static String matchFilter(String filter) {
        if (filter.startsWith("$share/")) {
            int slash = filter.indexOf('/', "$share/".length());
            if (slash > 0) {
                return filter.substring(slash + 1);
            }
        }
        return filter;
    }

    @Override
    public String topicFilter() {
        return filter;
    }

    @Override
    public int grantedQos() {
        return granted;
    }

    @Override
    public CompletionStage<Void> unsubscribe() {
        client.unsubscribe(this);
        return unsubscribed.copy();
    }

    @Override
    public String toString() {
        return "subscription to '" + filter + "'";
    }
}
