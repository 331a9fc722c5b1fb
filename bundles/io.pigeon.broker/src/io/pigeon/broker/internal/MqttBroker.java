package io.pigeon.broker.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.EventExecutor;
import io.pigeon.broker.Broker;
import io.pigeon.broker.BrokerEvent;
import io.pigeon.broker.BrokerStats;
import io.pigeon.broker.Message;
import io.pigeon.broker.MessageHandler;
import io.pigeon.broker.Subscription;
import io.pigeon.broker.TopicFilters;
import io.pigeon.broker.internal.message.MessageConversion;
import io.pigeon.broker.internal.message.PublishedMessage;
import io.pigeon.broker.internal.retained.RetainedMessages;
import io.pigeon.broker.internal.session.ClientConnection;
import io.pigeon.broker.internal.session.Session;
import io.pigeon.broker.internal.session.Sessions;
import io.pigeon.broker.internal.store.MemoryRetainedStore;
import io.pigeon.broker.internal.store.MemorySessionStore;
import io.pigeon.broker.internal.sys.BrokerMetrics;
import io.pigeon.broker.internal.topic.SubscriptionEntry;
import io.pigeon.broker.internal.topic.TopicTree;
import io.pigeon.broker.internal.topic.Topics;
import io.pigeon.broker.internal.will.WillMessage;
import io.pigeon.broker.spi.Authenticator;
import io.pigeon.broker.spi.Authorizer;
import io.pigeon.broker.spi.ClientIdentity;
import io.pigeon.broker.spi.RetainedStore;
import io.pigeon.broker.spi.SessionStore;
import io.pigeon.broker.spi.StoredSession;
import io.pigeon.broker.spi.StoredSubscription;

import org.osgi.service.log.Logger;

/**
 * The broker core without the network: settings, topic tree, sessions, retained messages, wills,
 * counters and events, and the in-process {@link Broker} API. The Netty layer and the packet handlers
 * call into it; it is thread safe (see each part for its threading).
 */
public final class MqttBroker implements Broker {

    private static final Authorizer ALLOW_ALL_AUTHORIZER = new Authorizer() {
        @Override
        public boolean canPublish(ClientIdentity client, String topic) {
            return true;
        }

        @Override
        public boolean canSubscribe(ClientIdentity client, String topicFilter) {
            return true;
        }
    };

    private volatile BrokerSettings settings;
    private final Logger log;
    private final LongSupplier nanoTime;
    private final long startNanos;
    private final TopicTree tree = new TopicTree();
    private final BrokerMetrics metrics = new BrokerMetrics();
    private final EventDispatcher events;
    private final RetainedMessages retained;
    private final Sessions sessions;
    private final MessageRouter router;
    private final AtomicLong localIds = new AtomicLong();
    private final Authenticator localOnly = this::localOnly;
    private volatile Authenticator authenticator = localOnly;
    private volatile Authorizer authorizer = ALLOW_ALL_AUTHORIZER;
    private volatile SessionStore sessionStore = new MemorySessionStore();
    private volatile Supplier<List<String>> listeners = List::of;

    public MqttBroker(BrokerSettings settings, Logger log, LongSupplier nanoTime) {
        this.settings = settings;
        this.log = log;
        this.nanoTime = nanoTime;
        this.startNanos = nanoTime.getAsLong();
        this.events = new EventDispatcher(log::warn);
        this.retained = new RetainedMessages(new MemoryRetainedStore());
        this.sessions = new Sessions(this::settings, metrics, nanoTime, tree);
        this.router = new MessageRouter(tree, retained, metrics, events, this::settings, nanoTime);
        this.sessions.listener(new SessionEvents());
    }

    // ---- wiring ----

    public BrokerSettings settings() {
        return settings;
    }

    public void settings(BrokerSettings s) {
        this.settings = s;
    }

    public Logger log() {
        return log;
    }

    public long nanoTime() {
        return nanoTime.getAsLong();
    }

    public TopicTree tree() {
        return tree;
    }

    public BrokerMetrics metrics() {
        return metrics;
    }

    public EventDispatcher events() {
        return events;
    }

    public RetainedMessages retained() {
        return retained;
    }

    public Sessions sessions() {
        return sessions;
    }

    public MessageRouter router() {
        return router;
    }

    public Authenticator authenticator() {
        return authenticator;
    }

    public void authenticator(Authenticator a) {
        this.authenticator = a == null ? localOnly : a;
    }

    /**
     * Without an authentication service (io.pigeon.auth not started yet, or not installed) the broker
     * must not be open to the network: it admits clients on this machine only.
     */
    private Authenticator.Result localOnly(ClientIdentity client, byte[] password) {
        if (client.isLocal()) {
            return Authenticator.Result.ACCEPT;
        }
        log.warn("Refused client " + client.clientId() + " from " + client.remoteAddress()
                + ": no authentication service is running, so only clients on this machine may connect."
                + " Check that the bundle io.pigeon.auth is installed and active.");
        return Authenticator.Result.NOT_AUTHORIZED;
    }

    public Authorizer authorizer() {
        return authorizer;
    }

    public void authorizer(Authorizer a) {
        this.authorizer = a == null ? ALLOW_ALL_AUTHORIZER : a;
    }

    /** Sets the stores before the broker starts serving (null = in memory). */
    public void stores(SessionStore sessionStore, RetainedStore retainedStore) {
        this.sessionStore = sessionStore == null ? new MemorySessionStore() : sessionStore;
        this.retained.store(retainedStore == null ? new MemoryRetainedStore() : retainedStore);
    }

    public void listenersSource(Supplier<List<String>> source) {
        this.listeners = source;
    }

    /** Loads retained messages and persistent sessions from the stores; call once before accepting clients. */
    public void load(EventExecutor loop) {
        long now = nanoTime();
        retained.load(now);
        long wallNow = System.currentTimeMillis();
        for (StoredSession stored : sessionStore.loadAll()) {
            long left = stored.expiryIntervalSeconds() < 0 ? -1
                    : stored.expiryIntervalSeconds() - (wallNow - stored.disconnectedAtMillis()) / 1000;
            if (stored.expiryIntervalSeconds() >= 0 && left <= 0) {
                sessionStore.remove(stored.clientId());
                continue;
            }
            Session s = sessions.restore(stored.clientId(), stored.protocolVersion(), left, loop);
            for (StoredSubscription sub : stored.subscriptions()) {
                Topics.ParsedFilter f = Topics.parseFilter(sub.topicFilter());
                if (f == null) {
                    continue;
                }
                SubscriptionEntry e = new SubscriptionEntry(s, f.filter(), f.shareGroup(), sub.qos(), sub.noLocal(),
                        sub.retainAsPublished(), sub.retainHandling(), sub.subscriptionId());
                s.subscriptions().put(f.raw(), e);
                tree.add(e);
            }
            for (Message m : stored.queued()) {
                PublishedMessage pm = MessageConversion.fromApi(m, now);
                s.deliver(pm, m.qos(), m.retain(), null);
                pm.payload().release();
            }
        }
    }

    // ---- publish path helpers ----

    /**
     * Publishes a will (or a will whose delay is over) if the authorizer lets its client publish there.
     *
     * @param clientTopic the will topic as the client sent it (without a listener's mount point)
     */
    public void publishWill(WillMessage will, ClientIdentity client, String clientTopic) {
        if (Topics.isSys(clientTopic) || !authorizer.canPublish(client, clientTopic)) {
            log.info("Will of client " + client.clientId() + " to '" + clientTopic
                    + "' not published: the client may not publish there");
            return;
        }
        String clientId = client.clientId();
        long now = nanoTime();
        PublishedMessage m = new PublishedMessage(will.topic(), Unpooled.wrappedBuffer(will.payload()), will.qos(),
                will.retain(), will.properties(), MessageConversion.expiryDeadline(will.expirySeconds(), now),
                clientId);
        try {
            router.route(m, null);
        } finally {
            m.payload().release();
        }
    }

    // ---- Broker API ----

    @Override
    public CompletionStage<Void> publish(Message message) {
        if (!TopicFilters.isValidTopicName(message.topic())) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "'" + message.topic() + "' is not a valid topic name: it must not be empty or contain + # or NUL"));
        }
        PublishedMessage m = MessageConversion.fromApi(message, nanoTime());
        try {
            metrics.publishReceived(message.payload().length);
            router.route(m, ClientIdentity.IN_PROCESS);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            m.payload().release();
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public Subscription subscribe(String topicFilter, int qos, MessageHandler handler) {
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("QoS must be 0, 1 or 2, not " + qos);
        }
        Topics.ParsedFilter f = Topics.parseFilter(topicFilter);
        if (f == null) {
            throw new IllegalArgumentException("'" + topicFilter + "' is not a valid topic filter");
        }
        String id = "in-process-" + localIds.incrementAndGet();
        LocalSubscriber sub = new LocalSubscriber(id, topicFilter, qos, handler, nanoTime,
                s -> {
                    tree.remove(s, f.shareGroup(), f.filter());
                    events.fire(BrokerEvent.Type.UNSUBSCRIBED, id, "in-process", topicFilter, 0, null);
                }, log::warn);
        tree.add(new SubscriptionEntry(sub, f.filter(), f.shareGroup(), qos, false, false, 0, 0));
        events.fire(BrokerEvent.Type.SUBSCRIBED, id, "in-process", topicFilter, qos, null);
        if (!f.shared()) {
            long now = nanoTime();
            for (PublishedMessage m : retained.match(f.filter(), now)) {
                sub.deliver(m, Math.min(qos, m.qos()), true, null);
            }
        }
        return sub;
    }

    @Override
    public List<String> listeners() {
        return new ArrayList<>(listeners.get());
    }

    @Override
    public BrokerStats stats() {
        long connected = metrics.connected();
        long total = sessions.size();
        return new BrokerStats((nanoTime() - startNanos) / 1_000_000_000L, connected, Math.max(0, total - connected),
                metrics.maximum(), metrics.clientsExpired(), metrics.messagesReceived(), metrics.messagesSent(),
                metrics.publishReceived(), metrics.publishSent(), metrics.publishDroppedCount(),
                metrics.bytesReceived(), metrics.bytesSent(), tree.size(), retained.size(), storedMessages());
    }

    private long storedMessages() {
        long n = retained.size();
        for (Session s : sessions.all()) {
            n += s.queuedCount() + s.inflightCount();
        }
        return n;
    }

    private final class SessionEvents implements Sessions.Listener {
        @Override
        public void takenOver(Session session, ClientConnection old) {
            old.disconnect(0x8E, "session taken over", true);
        }

        @Override
        public void ended(Session session) {
            sessionStore.remove(session.clientId());
        }

        @Override
        public void offline(Session session) {
            if (sessionStore instanceof MemorySessionStore) {
                return;
            }
            List<StoredSubscription> subs = new ArrayList<>();
            for (SubscriptionEntry e : session.subscriptions().values()) {
                subs.add(new StoredSubscription(e.rawFilter(), e.qos(), e.noLocal(), e.retainAsPublished(),
                        e.retainHandling(), e.subscriptionId()));
            }
            long now = nanoTime();
            List<Message> queued = new ArrayList<>();
            for (PublishedMessage m : session.pendingMessages()) {
                queued.add(MessageConversion.toApi(m, m.qos(), m.retain(), now));
            }
            sessionStore.save(new StoredSession(session.clientId(), session.protocolLevel(), session.expirySeconds(),
                    System.currentTimeMillis(), subs, queued));
        }
    }
}
