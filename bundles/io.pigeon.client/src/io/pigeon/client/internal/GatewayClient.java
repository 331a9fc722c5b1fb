package io.pigeon.client.internal;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.pigeon.broker.Message;
import io.pigeon.broker.MessageHandler;
import io.pigeon.client.ClientOptions;
import io.pigeon.client.ClientSubscription;
import io.pigeon.client.ConnectionState;
import io.pigeon.client.ConnectionStateListener;
import io.pigeon.client.MqttClient;
import io.pigeon.client.SubscribeOptions;


/**
 * One bundle's view of the gateway's connection (see {@link GatewayConnection}): it remembers the subscriptions and
 * state listeners the bundle made, and drops them when the bundle releases the service (it stops or is updated), so a
 * stopped bundle's handlers are never called again. {@link #close()} drops them too; the connection itself belongs to
 * its configuration and stays open.
 */
final class GatewayClient implements MqttClient {

    private final MqttClient client;
    private final Set<ClientSubscription> subscriptions = ConcurrentHashMap.newKeySet();
    private final List<ConnectionStateListener> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    GatewayClient(MqttClient client) {
        this.client = client;
    }

    /** The bundle released the service. */
    void release() {
        closed = true;
        close();
    }

    @Override
    public ClientOptions options() {
        return client.options();
    }

    @Override
    public ConnectionState state() {
        return client.state();
    }

    @Override
    public CompletionStage<Void> connected() {
        return client.connected();
    }

    @Override
    public void addStateListener(ConnectionStateListener listener) {
        listeners.add(listener);
        client.addStateListener(listener);
    }

    @Override
    public void removeStateListener(ConnectionStateListener listener) {
        listeners.remove(listener);
        client.removeStateListener(listener);
    }

    @Override
    public CompletionStage<Void> publish(Message message) {
        return client.publish(message);
    }

    @Override
    public CompletionStage<ClientSubscription> subscribe(String topicFilter, SubscribeOptions options,
            MessageHandler handler) {
        return client.subscribe(topicFilter, options, handler).thenApply(made -> {
            Tracked tracked = new Tracked(made);
            subscriptions.add(tracked);
            if (closed) {
                // The bundle let go of the service while the SUBACK was on its way.
                tracked.unsubscribe();
            }
            return tracked;
        });
    }

    /** Drops this bundle's subscriptions and listeners; the shared connection stays open. */
    @Override
    public void close() {
        for (ClientSubscription s : subscriptions) {
            s.unsubscribe();
        }
        for (ConnectionStateListener l : listeners) {
            client.removeStateListener(l);
        }
        listeners.clear();
    }

    /** A subscription that leaves this view's set when it is unsubscribed. */
    private final class Tracked implements ClientSubscription {
        private final ClientSubscription made;

        Tracked(ClientSubscription made) {
            this.made = made;
        }

        @Override
        public String topicFilter() {
            return made.topicFilter();
        }

        @Override
        public int grantedQos() {
            return made.grantedQos();
        }

        @Override
        public CompletionStage<Void> unsubscribe() {
            subscriptions.remove(this);
            return made.unsubscribe();
        }
    }
}
