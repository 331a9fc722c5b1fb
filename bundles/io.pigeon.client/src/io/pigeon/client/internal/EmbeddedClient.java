package io.pigeon.client.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import io.pigeon.broker.Broker;
import io.pigeon.broker.Message;
import io.pigeon.broker.MessageHandler;
import io.pigeon.broker.TopicFilters;
import io.pigeon.client.ClientOptions;
import io.pigeon.client.ClientSubscription;
import io.pigeon.client.ConnectionState;
import io.pigeon.client.ConnectionStateListener;
import io.pigeon.client.MqttClientException;
import io.pigeon.client.SubscribeOptions;

import org.osgi.service.log.Logger;

/**
 * A client of the broker in this runtime, through the {@link Broker} service: no socket, no packets. It is
 * CONNECTED while a Broker service is bound and DISCONNECTED while there is none (the broker bundle stopped or is
 * being updated); publishes made meanwhile wait in the offline buffer and subscriptions are made again on the next
 * broker, which keeps no state for in-process subscribers.
 * <p>
 * No lock of this class is held while calling into the broker: the broker delivers in-process messages on the
 * publisher's thread, so a handler may publish through another client while this one publishes.
 */
final class EmbeddedClient implements OwnedClient {

    /** The client publishing on this thread, for No Local: the broker delivers in-process on the publisher's thread. */
    private static final ThreadLocal<EmbeddedClient> PUBLISHING = new ThreadLocal<>();

    private final ClientOptions options;
    private final Logger log;
    private final String name;
    private final ClientState state;
    private final OfflineBuffer offline;
    private final Set<EmbeddedSubscription> subscriptions = new LinkedHashSet<>();
    private Broker broker;
    private boolean draining;
    private boolean closed;

    EmbeddedClient(ClientOptions options, Logger log) {
        this.options = options;
        this.log = log;
        this.name = "MQTT client '" + options.clientId() + "' (embedded broker)";
        this.state = new ClientState(name, log);
        this.offline = new OfflineBuffer(options.offlineBufferMessages(), options.offlineDropPolicy());
    }

    @Override
    public ClientOptions options() {
        return options;
    }

    @Override
    public ConnectionState state() {
        return state.get();
    }

    @Override
    public CompletionStage<Void> connected() {
        return state.connected();
    }

    @Override
    public void addStateListener(ConnectionStateListener listener) {
        state.addListener(listener);
    }

    @Override
    public void removeStateListener(ConnectionStateListener listener) {
        state.removeListener(listener);
    }

    // ---- the broker comes and goes ----

    /**
     * A Broker service is available, first step: subscribe again. {@link #resume(Broker)} follows once every client
     * of the bundle has subscribed, so that buffered publishes reach the subscriptions of the runtime's other clients.
     */
    void brokerAvailable(Broker next) {
        List<EmbeddedSubscription> subs;
        synchronized (this) {
            if (closed || broker == next) {
                return;
            }
            broker = next;
            draining = true;
            subs = new ArrayList<>(subscriptions);
        }
        for (EmbeddedSubscription s : subs) {
            s.attach(next);
        }
    }

    /** Second step: send what waited in the offline buffer, in order, then report CONNECTED. */
    void resume(Broker next) {
        drain(next);
        synchronized (this) {
            if (broker != next) {
                return;
            }
        }
        state.change(ConnectionState.CONNECTED, null);
    }

    /** There is no Broker service when the client opens. */
    void brokerMissing() {
        synchronized (this) {
            if (broker != null || closed) {
                return;
            }
        }
        state.change(ConnectionState.DISCONNECTED, "the embedded broker is not running: publishes wait in the offline "
                + "buffer until it starts; check that the bundle io.pigeon.broker is active and its configuration is "
                + "valid");
    }

    /** The Broker service went away: in-process subscriptions die with it. */
    void brokerGone(Broker gone) {
        List<EmbeddedSubscription> subs;
        synchronized (this) {
            if (broker != gone) {
                return;
            }
            broker = null;
            subs = new ArrayList<>(subscriptions);
        }
        for (EmbeddedSubscription s : subs) {
            s.detach();
        }
        state.change(ConnectionState.DISCONNECTED, "the embedded broker stopped: publishes wait in the offline buffer "
                + "until it is back; if it does not come back, check that the bundle io.pigeon.broker is active and "
                + "its configuration is valid");
    }

    /** Sends the offline buffer in order; publishes made meanwhile queue behind it so that order is kept. */
    private void drain(Broker target) {
        while (true) {
            OfflineBuffer.Pending p;
            synchronized (this) {
                if (broker != target) {
                    return;
                }
                p = offline.poll();
                if (p == null) {
                    draining = false;
                    return;
                }
            }
            send(target, p.message()).whenComplete((ok, failure) -> {
                if (failure == null) {
                    p.done().complete(null);
                } else {
                    p.done().completeExceptionally(failure);
                }
            });
        }
    }

    // ---- publish and subscribe ----

    @Override
    public CompletionStage<Void> publish(Message message) {
        Broker target;
        synchronized (this) {
            if (closed) {
                return closedFailure("publish to '" + message.topic() + "'");
            }
            if (broker == null || draining) {
                return offline.add(message);
            }
            target = broker;
        }
        return send(target, message);
    }

    private CompletableFuture<Void> send(Broker target, Message message) {
        CompletionStage<Void> published;
        PUBLISHING.set(this);
        try {
            published = target.publish(message);
        } catch (RuntimeException e) {
            published = CompletableFuture.failedFuture(e);
        } finally {
            PUBLISHING.remove();
        }
        return published.toCompletableFuture().handle((ok, failure) -> {
            if (failure == null) {
                return null;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof IllegalArgumentException) {
                // What an MQTT 5 broker answers for a bad topic: 0x90 Topic Name invalid.
                throw new MqttClientException("The embedded broker refused the message to '" + message.topic()
                        + "': " + cause.getMessage(), 0x90);
            }
            throw new MqttClientException("The embedded broker failed to take the message to '" + message.topic()
                    + "': " + cause + "; see the broker's log", cause);
        });
    }

    @Override
    public CompletionStage<ClientSubscription> subscribe(String topicFilter, SubscribeOptions subscribeOptions,
            MessageHandler handler) {
        String problem = TopicFilters.filterProblem(topicFilter);
        if (problem != null) {
            // What an MQTT 5 broker answers for a bad filter: 0x8F Topic Filter invalid.
            return CompletableFuture.failedFuture(new MqttClientException("'" + topicFilter
                    + "' is not a valid topic filter: " + problem, 0x8F));
        }
        EmbeddedSubscription sub = new EmbeddedSubscription(this, topicFilter, subscribeOptions, handler, log);
        Broker target;
        synchronized (this) {
            if (closed) {
                return closedFailure("subscribe to '" + topicFilter + "'");
            }
            subscriptions.add(sub);
            target = broker;
        }
        if (target != null) {
            sub.attach(target);
        }
        return sub.subscribed();
    }

    synchronized void remove(EmbeddedSubscription sub) {
        subscriptions.remove(sub);
    }

    /** True while this client is publishing on the calling thread (the message is its own). */
    boolean isPublishingHere() {
        return PUBLISHING.get() == this;
    }

    // ---- closing ----

    @Override
    public void close() {
        List<EmbeddedSubscription> subs = endAll();
        if (subs == null) {
            return;
        }
        subs.forEach(EmbeddedSubscription::end);
        state.change(ConnectionState.CLOSED, null);
    }

    /**
     * Ends a client its owner left open (the owning bundle stopped without closing it): like a connection that
     * dropped, its will is published.
     */
    @Override
    public void abandon() {
        Broker target;
        synchronized (this) {
            target = broker;
        }
        List<EmbeddedSubscription> subs = endAll();
        if (subs == null) {
            return;
        }
        subs.forEach(EmbeddedSubscription::end);
        Message will = options.will();
        if (will != null && target != null) {
            send(target, will).whenComplete((ok, failure) -> {
                if (failure != null) {
                    log.warn("Will of " + name + " to '" + will.topic() + "' not published: " + failure.getMessage());
                }
            });
        }
        state.change(ConnectionState.CLOSED, null);
    }

    /** Marks the client closed, fails its buffer and returns its subscriptions, or null when it was already closed. */
    private List<EmbeddedSubscription> endAll() {
        synchronized (this) {
            if (closed) {
                return null;
            }
            closed = true;
            offline.failAll("The client was closed");
            List<EmbeddedSubscription> subs = new ArrayList<>(subscriptions);
            subscriptions.clear();
            broker = null;
            return subs;
        }
    }

    private static <T> CompletableFuture<T> closedFailure(String what) {
        return CompletableFuture.failedFuture(new MqttClientException("Cannot " + what
                + ": the client is closed; open a new one with MqttClients.open", -1));
    }

    @Override
    public String toString() {
        return name;
    }
}
