package io.pigeon.broker.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.EventExecutor;
import io.pigeon.broker.Broker;
import io.pigeon.broker.BrokerEvent;
import io.pigeon.broker.BrokerStats;
import io.pigeon.broker.ClientInfo;
import io.pigeon.broker.Message;
import io.pigeon.broker.MessageHandler;
import io.pigeon.broker.Subscription;
import io.pigeon.broker.SubscriptionOptions;
import io.pigeon.broker.TopicFilters;
import io.pigeon.broker.internal.handler.ReasonCodes;
import io.pigeon.broker.internal.message.MessageConversion;
import io.pigeon.broker.internal.message.PublishedMessage;
import io.pigeon.broker.internal.retained.RetainedMessages;
import io.pigeon.broker.internal.session.ClientConnection;
import io.pigeon.broker.internal.session.Session;
import io.pigeon.broker.internal.session.Sessions;
import io.pigeon.broker.internal.store.MemoryStore;
import io.pigeon.broker.internal.sys.BrokerMetrics;
import io.pigeon.broker.internal.topic.SubscriptionEntry;
import io.pigeon.broker.internal.topic.TopicTree;
import io.pigeon.broker.internal.topic.Topics;
import io.pigeon.broker.internal.will.WillMessage;
import io.pigeon.broker.spi.Authenticator;
import io.pigeon.broker.spi.Authorizer;
import io.pigeon.broker.spi.ClientIdentity;
import io.pigeon.broker.spi.DurableStore;
import io.pigeon.broker.spi.StoredMessage;
import io.pigeon.broker.spi.StoredSession;
import io.pigeon.broker.spi.StoredSubscription;
import io.pigeon.broker.spi.StoredWill;

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
    private volatile DurableStore store = MemoryStore.INSTANCE;
    private volatile Supplier<List<String>> listeners = List::of;

    public MqttBroker(BrokerSettings settings, Logger log, LongSupplier nanoTime) {
        this.settings = settings;
        this.log = log;
        this.nanoTime = nanoTime;
        this.startNanos = nanoTime.getAsLong();
        this.events = new EventDispatcher(log::warn);
        this.retained = new RetainedMessages();
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

    /** Sets the durable store before the broker starts serving (null = everything in memory only). */
    public void store(DurableStore durable) {
        this.store = durable == null ? MemoryStore.INSTANCE : durable;
        this.retained.store(this.store);
        this.sessions.store(this.store);
    }

    public DurableStore store() {
        return store;
    }

    public void listenersSource(Supplier<List<String>> source) {
        this.listeners = source;
    }

    /**
     * Loads retained messages, persistent sessions and pending wills from the store; call once before accepting
     * clients.
     *
     * @return how many sessions and retained messages were restored, for the start-up log
     */
    public String load(EventExecutor loop) {
        if (MemoryStore.isMemory(store)) {
            return "nothing stored: persistence is off";
        }
        DurableStore.StoredState state = store.load();
        long now = nanoTime();
        long wallNow = System.currentTimeMillis();
        retained.load(state.retained(), now, wallNow);
        int sessionCount = 0;
        int messageCount = 0;
        List<Runnable> wills = new ArrayList<>();
        for (StoredSession stored : state.sessions()) {
            StoredSession.Record r = stored.record();
            long since = r.disconnectedAtMillis() == 0 ? 0 : Math.max(0, wallNow - r.disconnectedAtMillis()) / 1000;
            long left = r.expirySeconds() < 0 ? -1 : r.expirySeconds() - since;
            if (r.expirySeconds() >= 0 && left <= 0) {
                store.removeSession(r.clientId());
                continue;
            }
            long lastSeq = 0;
            for (StoredMessage m : stored.messages()) {
                lastSeq = Math.max(lastSeq, m.seq());
            }
            Session s = sessions.restore(r, lastSeq, left, loop);
            sessionCount++;
            for (StoredSubscription sub : stored.subscriptions()) {
                Topics.ParsedFilter f = Topics.parseFilter(sub.topicFilter());
                if (f == null) {
                    log.warn("Stored subscription '" + sub.topicFilter() + "' of client " + r.clientId()
                            + " is not a valid topic filter and was dropped; the client must subscribe again");
                    store.removeSubscription(r.clientId(), sub.topicFilter());
                    continue;
                }
                SubscriptionEntry e = new SubscriptionEntry(s, f.filter(), f.shareGroup(), sub.qos(), sub.noLocal(),
                        sub.retainAsPublished(), sub.retainHandling(), sub.subscriptionId());
                s.subscriptions().put(f.raw(), e);
                tree.add(e);
            }
            for (StoredMessage m : stored.messages()) {
                Message aged = m.released() ? m.message()
                        : MessageConversion.ageBy(m.message(), wallNow - m.storedAtMillis());
                if (aged == null) {
                    store.removeMessage(r.clientId(), m.seq());
                    continue;
                }
                PublishedMessage pm = MessageConversion.fromApi(aged, now);
                s.restoreMessage(m, pm);
                pm.payload().release();
                messageCount++;
            }
            for (int id : stored.awaitingPubrel()) {
                s.restoreAwaitingPubrel(id);
            }
            StoredWill will = stored.will();
            if (will != null) {
                // after every session is back, or a will due at once could miss a subscriber not yet restored
                wills.add(() -> restoreWill(s, will, wallNow));
            }
        }
        wills.forEach(Runnable::run);
        return sessionCount + " persistent sessions with " + messageCount + " queued messages and "
                + retained.size() + " retained messages restored";
    }

    private void restoreWill(Session s, StoredWill stored, long wallNow) {
        Message m = stored.message();
        Long expiry = m.properties().messageExpirySeconds();
        WillMessage will = new WillMessage(m.topic(), m.payload(), m.qos(), m.retain(),
                MessageConversion.fromApi(m, 0).properties(), expiry == null ? -1 : expiry, stored.delaySeconds());
        ClientIdentity id = new ClientIdentity(s.clientId(), stored.username(), ClientIdentity.IN_PROCESS,
                s.protocolLevel());
        long delay = stored.publishAtMillis() == 0 ? stored.delaySeconds()
                : Math.max(0, (stored.publishAtMillis() - wallNow + 999) / 1000);
        s.restoreWill(stored, () -> publishWill(will, id, stored.clientTopic()), delay);
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
        return subscribe(topicFilter, SubscriptionOptions.qos(qos), handler);
    }

    @Override
    public Subscription subscribe(String topicFilter, SubscriptionOptions options, MessageHandler handler) {
        Topics.ParsedFilter f = Topics.parseFilter(topicFilter);
        if (f == null) {
            throw new IllegalArgumentException("'" + topicFilter + "' is not a valid topic filter");
        }
        int qos = options.qos();
        String id = "in-process-" + localIds.incrementAndGet();
        LocalSubscriber sub = new LocalSubscriber(id, topicFilter, qos, handler, nanoTime,
                s -> {
                    tree.remove(s, f.shareGroup(), f.filter());
                    events.fire(BrokerEvent.Type.UNSUBSCRIBED, id, "in-process", topicFilter, 0, null);
                }, log::warn);
        tree.add(new SubscriptionEntry(sub, f.filter(), f.shareGroup(), qos, false, options.retainAsPublished(),
                options.sendRetained() ? 0 : 2, 0));
        events.fire(BrokerEvent.Type.SUBSCRIBED, id, "in-process", topicFilter, qos, null);
        if (!f.shared() && options.sendRetained()) {
            long now = nanoTime();
            for (PublishedMessage m : retained.match(f.filter(), now)) {
                sub.deliver(m, Math.min(qos, m.qos()), true, null);
            }
        }
        return sub;
    }

    @Override
    public List<Message> retained(String topicFilter) {
        Topics.ParsedFilter f = Topics.parseFilter(topicFilter);
        if (f == null || f.shared()) {
            throw new IllegalArgumentException("'" + topicFilter + "' is not a valid topic filter"
                    + (f == null ? "" : ": shared subscriptions get no retained messages"));
        }
        long now = nanoTime();
        List<Message> out = new ArrayList<>();
        for (PublishedMessage m : retained.match(f.filter(), now)) {
            out.add(MessageConversion.toApi(m, m.qos(), true, now));
        }
        return out;
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

    /** How long {@link #clients()} and {@link #disconnect} wait for the event loops. */
    static final long ADMIN_TIMEOUT_MILLIS = 5000;

    @Override
    public List<ClientInfo> clients() {
        List<CompletableFuture<ClientInfo>> pending = new ArrayList<>();
        for (Session s : sessions.all()) {
            pending.add(sessions.onLoop(s, () -> s.isEnded() ? null : s.info()));
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ADMIN_TIMEOUT_MILLIS);
        List<ClientInfo> result = new ArrayList<>(pending.size());
        for (CompletableFuture<ClientInfo> f : pending) {
            ClientInfo info = await(f, deadline);
            if (info != null) {
                result.add(info);
            }
        }
        result.sort(Comparator.comparing(ClientInfo::clientId));
        return result;
    }

    @Override
    public boolean disconnect(String clientId) {
        Session s = clientId == null ? null : sessions.get(clientId);
        if (s == null) {
            return false;
        }
        Boolean done = await(sessions.onLoop(s, () -> {
            ClientConnection c = s.connection();
            if (c == null || c.closing()) {
                return false;
            }
            log.info("Disconnecting client " + clientId + " (" + c.remoteAddress() + "): administrative action");
            c.disconnect(ReasonCodes.ADMINISTRATIVE_ACTION, "administrative action", true);
            return true;
        }), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ADMIN_TIMEOUT_MILLIS));
        return Boolean.TRUE.equals(done);
    }

    /** The value, or null if the loop did not answer by the deadline or refused the task (broker stopping). */
    private static <T> T await(CompletableFuture<T> f, long deadlineNanos) {
        try {
            return f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException e) {
            return null;
        }
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

    }
}
