package io.pigeon.broker.internal.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.pigeon.broker.ClientInfo;
import io.pigeon.broker.SubscriptionInfo;
import io.pigeon.broker.internal.BrokerSettings;
import io.pigeon.broker.internal.message.MessageConversion;
import io.pigeon.broker.internal.message.PublishReceipt;
import io.pigeon.broker.internal.message.PublishedMessage;
import io.pigeon.broker.internal.topic.Subscriber;
import io.pigeon.broker.internal.topic.SubscriptionEntry;
import io.pigeon.broker.spi.DurableStore;
import io.pigeon.broker.spi.StoredMessage;
import io.pigeon.broker.spi.StoredSession;
import io.pigeon.broker.spi.StoredSubscription;
import io.pigeon.broker.spi.StoredWill;

/**
 * The broker side of one client: subscriptions, messages in flight and queued, QoS 2 packet ids
 * received but not yet released.
 * <p>
 * Threading: all state is touched only on the session's event loop, which is the event loop of the
 * connection it is attached to (it moves with a takeover, see {@link Sessions}). Publishers on other
 * loops hand messages over with {@link #deliver}, which re-dispatches to the session's loop; no locks.
 * <p>
 * Durability: a session with a session expiry (MQTT 3.1.1 clean session 0, MQTT 5 expiry above 0) is
 * {@link #isDurable() durable} when the broker has a durable store: every change to what must survive a restart
 * goes to the store as it happens, with one exception that saves most writes. A QoS 1/2 message whose publisher
 * waits (it holds a {@link PublishReceipt}) for a client that is connected is written only if the client has not
 * acknowledged it within {@link Sessions#writeDelayNanos() a couple of syncs' time}; the publisher's acknowledgement
 * waits for one or the other, so an acknowledged message is never only in memory. Clean sessions never touch the
 * store.
 */
public final class Session implements Subscriber {

    private static final int[] NO_IDS = new int[0];

    private final String clientId;
    private final Sessions sessions;
    private volatile EventExecutor loop;
    private volatile boolean online;
    private ClientConnection connection;
    private int protocolLevel;
    private long expirySeconds;
    private boolean ended;

    private final Map<String, SubscriptionEntry> subscriptions = new HashMap<>();
    private final LinkedHashMap<Integer, Outbound> inflight = new LinkedHashMap<>();
    private final ArrayDeque<Outbound> queue = new ArrayDeque<>();
    private long queuedBytes;
    private final Set<Integer> awaitingPubrel = new HashSet<>();
    private int nextPacketId = 1;
    private ScheduledFuture<?> expiryTask;
    private ScheduledFuture<?> willTask;
    private Runnable pendingWill;
    /** The will as stored for this durable session, or null. */
    private StoredWill storedWill;

    private volatile boolean durable;
    /** First sequence number of this incarnation; stored messages below it belong to an earlier session. */
    private long firstSeq = System.currentTimeMillis() * 1000;
    private final AtomicLong nextSeq = new AtomicLong(firstSeq);
    /** Acknowledgements to the client's publishes waiting for the store, in the order the publishes came. */
    private final ArrayDeque<StoredAck> storedAcks = new ArrayDeque<>();
    /** Messages held for {@link #keepSafe} and not written yet, in delivery order; settled ones are skipped later. */
    private final ArrayDeque<Outbound> unwritten = new ArrayDeque<>();
    /** The loop's timer this session waits on while {@link #unwritten} holds messages, else null (any thread reads). */
    private volatile DelayedWrites waitingIn;
    /** See {@link #takeUnsyncedChanges()}. */
    private boolean unsyncedChanges;

    Session(String clientId, Sessions sessions, EventExecutor loop) {
        this.clientId = clientId;
        this.sessions = sessions;
        this.loop = loop;
    }

    @Override
    public String clientId() {
        return clientId;
    }

    @Override
    public boolean isOnline() {
        return online;
    }

    public EventExecutor loop() {
        return loop;
    }

    void loop(EventExecutor newLoop) {
        this.loop = newLoop;
    }

    public ClientConnection connection() {
        return connection;
    }

    public int protocolLevel() {
        return protocolLevel;
    }

    /** Session Expiry Interval in seconds; {@link BrokerSettings#NEVER} for never, 0 to end on disconnect. */
    public long expirySeconds() {
        return expirySeconds;
    }

    /**
     * Sets the Session Expiry Interval (session loop). A session that becomes durable writes all it holds to the
     * store; one that stops being durable (MQTT 5 expiry set to 0) is removed from it.
     */
    public void expirySeconds(long seconds) {
        this.expirySeconds = seconds;
        boolean want = sessions.isStorePersistent() && seconds != 0 && !ended;
        if (want == durable) {
            if (durable && connection != null) {
                changeSession().putSession(record(0));
            }
            return;
        }
        durable = want;
        if (want) {
            storeAll();
        } else {
            store().removeSession(clientId);
            storedWill = null;
            for (Outbound o : inflight.values()) {
                forgetStored(o);
            }
            for (Outbound o : queue) {
                forgetStored(o);
            }
            unwritten.clear();
        }
    }

    /** Whether this session's state is written to the durable store. */
    public boolean isDurable() {
        return durable;
    }

    private DurableStore store() {
        return sessions.store();
    }

    /**
     * The store, for a change to the session's own state (its record, subscriptions, will, QoS 2 packet ids): the
     * acknowledgement of the client's next publish waits until such changes are synced, see
     * {@link #takeUnsyncedChanges()}.
     */
    private DurableStore changeSession() {
        unsyncedChanges = true;
        return sessions.store();
    }

    /**
     * Whether the session's own state changed since the last call (session loop). A client's publish is acknowledged
     * only once these changes are on disk too, so a PUBACK tells a persistent client that its subscriptions and will
     * survive a crash.
     */
    public boolean takeUnsyncedChanges() {
        boolean c = unsyncedChanges;
        unsyncedChanges = false;
        return c;
    }

    private StoredSession.Record record(long disconnectedAtMillis) {
        return new StoredSession.Record(clientId, protocolLevel, expirySeconds, disconnectedAtMillis, firstSeq);
    }

    /** Writes everything this session holds to the store (it just became durable). Session loop. */
    private void storeAll() {
        DurableStore st = changeSession();
        st.putSession(record(connection == null ? System.currentTimeMillis() : 0));
        for (Map.Entry<String, SubscriptionEntry> e : subscriptions.entrySet()) {
            st.putSubscription(clientId, stored(e.getKey(), e.getValue()));
        }
        for (Outbound o : inflight.values()) {
            storeMessage(o);
        }
        for (Outbound o : queue) {
            storeMessage(o);
        }
        for (int id : awaitingPubrel) {
            st.addAwaitingPubrel(clientId, id);
        }
    }

    private void storeMessage(Outbound o) {
        if (o.qos == 0) {
            return;
        }
        o.seq = nextSeq.getAndIncrement();
        write(o);
    }

    /** Gives a message to the store as it is now: queued, in flight, or released by the client's PUBREC. */
    private void write(Outbound o) {
        o.written = true;
        PublishedMessage m = o.payload == null ? o.message.withPayload(io.netty.buffer.Unpooled.EMPTY_BUFFER)
                : o.message.withPayload(o.payload);
        DurableStore st = store();
        st.addMessage(clientId, new StoredMessage(o.seq, MessageConversion.toApi(m, o.qos, o.retain,
                sessions.nanoTime()), System.currentTimeMillis(), o.subscriptionIds, 0, false));
        if (o.state != Outbound.State.QUEUED) {
            st.messageSent(clientId, o.seq, o.packetId, o.state == Outbound.State.AWAIT_PUBCOMP);
        }
    }

    /** The session stopped being durable: the message is kept in memory only, and nobody waits for its write. */
    private void forgetStored(Outbound o) {
        o.seq = 0;
        o.written = false;
        settle(o);
    }

    private static StoredSubscription stored(String rawFilter, SubscriptionEntry e) {
        return new StoredSubscription(rawFilter, e.qos(), e.noLocal(), e.retainAsPublished(), e.retainHandling(),
                e.subscriptionId());
    }

    // ---- subscriptions (session loop) ----

    /** Adds or replaces a subscription. @return the one it replaced, or null */
    public SubscriptionEntry addSubscription(String rawFilter, SubscriptionEntry entry) {
        SubscriptionEntry old = subscriptions.put(rawFilter, entry);
        if (durable) {
            changeSession().putSubscription(clientId, stored(rawFilter, entry));
        }
        return old;
    }

    /** @return the removed subscription, or null when there was none */
    public SubscriptionEntry removeSubscription(String rawFilter) {
        SubscriptionEntry old = subscriptions.remove(rawFilter);
        if (old != null && durable) {
            changeSession().removeSubscription(clientId, rawFilter);
        }
        return old;
    }

    public boolean isEnded() {
        return ended;
    }

    public Map<String, SubscriptionEntry> subscriptions() {
        return subscriptions;
    }

    /**
     * What the client list shows of this session (session loop).
     */
    public ClientInfo info() {
        ClientConnection c = connection;
        List<SubscriptionInfo> subs = new ArrayList<>(subscriptions().size());
        for (Map.Entry<String, SubscriptionEntry> e : subscriptions().entrySet()) {
            subs.add(new SubscriptionInfo(e.getKey(), e.getValue().qos()));
        }
        long expiry = expirySeconds;
        if (c == null) {
            return new ClientInfo(clientId, false, null, protocolLevel, null, false, expiry, subs, queue.size(),
                    queuedBytes, inflight.size(), 0, 0, 0);
        }
        return new ClientInfo(clientId, true, c.remoteAddress(), c.protocolLevel(), c.username(), c.cleanStart(),
                expiry, subs, queue.size(), queuedBytes, inflight.size(), c.connectedAtMillis(), c.publishesReceived(),
                c.publishBytesReceived());
    }

    public int inflightCount() {
        return inflight.size();
    }

    public int queuedCount() {
        return queue.size();
    }

    // ---- attach / detach (session loop) ----

    void attach(ClientConnection conn, int level) {
        cancelExpiry();
        cancelWill();
        this.connection = conn;
        this.protocolLevel = level;
        this.online = true;
        if (durable) {
            changeSession().putSession(record(0));
        }
    }

    /**
     * Stores the will the client gave in CONNECT (or forgets the stored one when it gave none), so that it is
     * published after a broker crash too. Session loop, after the session opened.
     */
    public void connectWill(StoredWill will) {
        if (!durable) {
            return;
        }
        if (will != null) {
            changeSession().putWill(clientId, will);
        } else if (storedWill != null) {
            changeSession().removeWill(clientId);
        }
        storedWill = will;
    }

    /** Resends unacknowledged messages with DUP set (and PUBREL for released ones), then drains the queue. */
    public void resume() {
        for (java.util.Iterator<Outbound> it = inflight.values().iterator(); it.hasNext();) {
            Outbound o = it.next();
            if (o.state == Outbound.State.AWAIT_PUBCOMP) {
                connection.sendPubrel(o.packetId, 0);
            } else if (!connection.mayReceive(o.message.topic())) {
                // the client may have come back as another user, or the ACL changed while it was away
                it.remove();
                forget(o);
            } else {
                connection.sendPublish(o.message, o.payload.retainedDuplicate(), o.qos, o.retain, true, o.packetId,
                        o.subscriptionIds);
            }
        }
        drain();
    }

    void detach() {
        this.connection = null;
        this.online = false;
        // its client cannot acknowledge them now: what waited for that goes to the store
        writeOverdue(waitingIn);
    }

    /** The client left and the session stays: record when, and drop a stored will that is no longer pending. */
    void wentOffline() {
        if (!durable) {
            return;
        }
        changeSession().putSession(record(System.currentTimeMillis()));
        if (pendingWill == null && storedWill != null) {
            changeSession().removeWill(clientId);
            storedWill = null;
        }
    }

    void scheduleExpiry(Runnable onExpiry) {
        scheduleExpiry(onExpiry, expirySeconds);
    }

    void scheduleExpiry(Runnable onExpiry, long seconds) {
        cancelExpiry();
        if (seconds >= 0) {
            expiryTask = loop.schedule(onExpiry, Math.max(seconds, 0), TimeUnit.SECONDS);
        }
    }

    private void cancelExpiry() {
        if (expiryTask != null) {
            expiryTask.cancel(false);
            expiryTask = null;
        }
    }

    /** Publishes {@code will} after {@code delaySeconds} unless the client comes back first (MQTT 5 Will Delay). */
    public void delayWill(Runnable will, long delaySeconds) {
        cancelWill();
        pendingWill = will;
        if (durable && storedWill != null) {
            storedWill = new StoredWill(storedWill.message(), storedWill.clientTopic(), storedWill.username(),
                    storedWill.delaySeconds(), System.currentTimeMillis() + delaySeconds * 1000);
            changeSession().putWill(clientId, storedWill);
        }
        willTask = loop.schedule(() -> {
            Runnable w = pendingWill;
            pendingWill = null;
            willTask = null;
            if (w != null) {
                w.run();
                willPublished();
            }
        }, delaySeconds, TimeUnit.SECONDS);
    }

    /** A will read from the store at start: published after its delay unless the client comes back first. */
    public void restoreWill(StoredWill will, Runnable publish, long delaySeconds) {
        storedWill = will;
        pendingWill = publish;
        willTask = loop.schedule(() -> {
            Runnable w = pendingWill;
            pendingWill = null;
            willTask = null;
            if (w != null) {
                w.run();
                willPublished();
            }
        }, Math.max(0, delaySeconds), TimeUnit.SECONDS);
    }

    private void willPublished() {
        if (durable && storedWill != null) {
            changeSession().removeWill(clientId);
        }
        storedWill = null;
    }

    private void cancelWill() {
        if (willTask != null) {
            willTask.cancel(false);
            willTask = null;
        }
        pendingWill = null;
    }

    /** Publishes a pending delayed will now (the session ends before the delay is over). */
    void fireWillNow() {
        Runnable w = pendingWill;
        cancelWill();
        if (w != null) {
            w.run();
        }
    }

    /** Drops all state; the session is gone. */
    void end() {
        ended = true;
        online = false;
        cancelExpiry();
        fireWillNow();
        releaseHeld();
        awaitingPubrel.clear();
        if (durable) {
            durable = false;
            store().removeSession(clientId);
        }
        storedWill = null;
    }

    /**
     * Gives back the payloads of the messages this session holds (queued and in flight) without sending anything.
     * Also used when the broker stops: its event loops are gone then, so this runs on the stopping thread.
     */
    void releaseHeld() {
        for (Outbound o : inflight.values()) {
            o.release();
            settle(o);
        }
        inflight.clear();
        for (Outbound o : queue) {
            o.release();
            settle(o);
        }
        queue.clear();
        queuedBytes = 0;
        unwritten.clear();
    }

    // ---- outgoing messages ----

    @Override
    public void deliver(PublishedMessage message, int qos, boolean retain, int[] subscriptionIds) {
        deliver(message, qos, retain, subscriptionIds, null);
    }

    /**
     * Hands a message to this session from any thread. A QoS 1/2 message for a durable session is numbered here, and
     * holds the publisher's receipt, if any, until it is {@link #keepSafe safe}.
     */
    @Override
    public void deliver(PublishedMessage message, int qos, boolean retain, int[] subscriptionIds,
            PublishReceipt receipt) {
        int[] ids = subscriptionIds == null ? NO_IDS : subscriptionIds;
        Outbound o = new Outbound(message, message.payload().retainedDuplicate(), qos, retain, ids);
        if (durable && qos > 0) {
            o.seq = nextSeq.getAndIncrement();
            if (receipt != null) {
                receipt.hold();
                o.receipt = receipt;
            }
        }
        EventExecutor l = loop;
        if (l.inEventLoop()) {
            offer(o);
        } else {
            submit(l, o);
        }
    }

    private void submit(EventExecutor l, Outbound o) {
        try {
            l.execute(() -> {
                EventExecutor now = loop;
                if (now.inEventLoop()) {
                    offer(o);
                } else {
                    submit(now, o);
                }
            });
        } catch (RejectedExecutionException e) {
            // the broker is stopping: the stored copy, if any, is delivered after the restart
            o.release();
        }
    }

    /** Gives up a message (acknowledged or dropped): releases its payload and removes it from the store. */
    private void forget(Outbound o) {
        o.release();
        settle(o);
        if (o.written && durable) {
            store().removeMessage(clientId, o.seq);
        }
    }

    /** Nobody needs to wait for this delivery any more: settles the publisher's receipt (session loop). */
    private static void settle(Outbound o) {
        PublishReceipt r = o.receipt;
        if (r != null) {
            o.receipt = null;
            r.settle();
        }
    }

    /**
     * Makes sure a QoS 1/2 message of this durable session cannot be lost once its publisher is acknowledged (session
     * loop, before the message is sent or queued). When its publisher waits and the client is connected, the message
     * waits {@link Sessions#writeDelayNanos()}: a client that keeps up acknowledges it before that and it is never
     * written, which spares the store most of its work. Otherwise, and when the delay is over, it is written, and the
     * receipt settles once the store has synced it.
     */
    private void keepSafe(Outbound o) {
        if (connection != null && o.receipt != null) {
            o.unwrittenSince = loop.ticker().nanoTime();
            unwritten.addLast(o);
            if (waitingIn == null) {
                DelayedWrites timer = sessions.delayedWrites(loop);
                waitingIn = timer;
                timer.add(this);
            }
            return;
        }
        write(o);
        PublishReceipt r = o.receipt;
        if (r != null) {
            o.receipt = null;
            settleWhenSynced(List.of(r));
        }
    }

    /**
     * Writes the held messages whose delay is over, all of them once the client is gone (on the loop of {@code timer},
     * the session's loop unless a takeover moved the session).
     *
     * @return nanoseconds until the next held message is due, or -1 when none is held any more: the session stops
     *         waiting on {@code timer}
     */
    long writeOverdue(DelayedWrites timer) {
        if (timer == null || waitingIn != timer) {
            return -1;
        }
        long now = loop.ticker().nanoTime();
        long delay = sessions.writeDelayNanos();
        boolean all = connection == null;
        List<PublishReceipt> receipts = null;
        while (!unwritten.isEmpty()) {
            Outbound o = unwritten.peekFirst();
            if (o.receipt == null) {
                // acknowledged or dropped meanwhile: nothing to write
                unwritten.pollFirst();
                continue;
            }
            if (!all && now - o.unwrittenSince < delay) {
                break;
            }
            unwritten.pollFirst();
            write(o);
            if (receipts == null) {
                receipts = new ArrayList<>();
            }
            receipts.add(o.receipt);
            o.receipt = null;
        }
        if (receipts != null) {
            settleWhenSynced(receipts);
        }
        if (unwritten.isEmpty()) {
            waitingIn = null;
            return -1;
        }
        return Math.max(0, delay - (now - unwritten.peekFirst().unwrittenSince));
    }

    /** Settles the receipts of written messages once the store has synced them, or fails them (back on this loop). */
    private void settleWhenSynced(List<PublishReceipt> receipts) {
        long t0 = System.nanoTime();
        EventExecutor l = loop;
        store().synced().whenComplete((v, failure) -> {
            sessions.syncTook(System.nanoTime() - t0);
            try {
                l.execute(() -> {
                    for (PublishReceipt r : receipts) {
                        if (failure == null) {
                            r.settle();
                        } else {
                            r.fail(failure);
                        }
                    }
                });
            } catch (RejectedExecutionException stopping) {
                // the broker is stopping: nothing more is acknowledged, the publishers send again
            }
        });
    }

    /** Sends, queues or drops one message (session loop). */
    void offer(Outbound o) {
        if (ended) {
            o.release();
            settle(o);
            return;
        }
        if (o.seq != 0) {
            if (durable) {
                keepSafe(o);
            } else {
                forgetStored(o);
            }
        }
        long now = sessions.nanoTime();
        if (o.message.isExpired(now)) {
            drop(o);
            return;
        }
        BrokerSettings s = sessions.settings();
        ClientConnection c = connection;
        if (c == null) {
            if (o.qos == 0 && !s.queueQos0Messages()) {
                forget(o);
                return;
            }
            enqueue(o, s);
            return;
        }
        if (!queue.isEmpty()) {
            enqueue(o, s);
            return;
        }
        if (o.qos == 0) {
            if (c.isWritable()) {
                send0(c, o);
            } else {
                enqueue(o, s);
            }
        } else if (inflight.size() < window(c, s)) {
            sendInflight(c, o);
        } else {
            enqueue(o, s);
        }
    }

    private static int window(ClientConnection c, BrokerSettings s) {
        return Math.min(c.clientReceiveMaximum(), s.inflightWindow());
    }

    private void enqueue(Outbound o, BrokerSettings s) {
        boolean full = (s.maxQueuedMessages() > 0 && queue.size() >= s.maxQueuedMessages())
                || (s.maxQueuedBytes() > 0 && queuedBytes + o.size() > s.maxQueuedBytes());
        if (full) {
            drop(o);
            return;
        }
        queue.addLast(o);
        queuedBytes += o.size();
    }

    private void drop(Outbound o) {
        forget(o);
        sessions.metrics().publishDropped();
    }

    private void send0(ClientConnection c, Outbound o) {
        if (!c.mayReceive(o.message.topic())) {
            forget(o);
            return;
        }
        ByteBuf p = o.payload;
        o.payload = null;
        if (!c.sendPublish(o.message, p, 0, o.retain, false, 0, o.subscriptionIds)) {
            sessions.metrics().publishDropped();
        }
    }

    private void sendInflight(ClientConnection c, Outbound o) {
        if (!c.mayReceive(o.message.topic())) {
            forget(o);
            return;
        }
        int id = allocatePacketId();
        if (!c.sendPublish(o.message, o.payload.retainedDuplicate(), o.qos, o.retain, false, id, o.subscriptionIds)) {
            forget(o);
            sessions.metrics().publishDropped();
            return;
        }
        o.packetId = id;
        o.state = o.qos == 1 ? Outbound.State.AWAIT_PUBACK : Outbound.State.AWAIT_PUBREC;
        inflight.put(id, o);
        if (o.written && durable) {
            store().messageSent(clientId, o.seq, id, false);
        }
    }

    /** A packet id not in flight; ids are never reused while in flight. */
    private int allocatePacketId() {
        for (int i = 0; i < 65535; i++) {
            int id = nextPacketId;
            nextPacketId = id == 65535 ? 1 : id + 1;
            if (!inflight.containsKey(id)) {
                return id;
            }
        }
        throw new IllegalStateException("no free packet id");
    }

    /** Sends queued messages while the window and the socket allow (session loop). */
    public void drain() {
        ClientConnection c = connection;
        if (c == null) {
            return;
        }
        BrokerSettings s = sessions.settings();
        long now = sessions.nanoTime();
        while (!queue.isEmpty()) {
            Outbound o = queue.peekFirst();
            if (o.message.isExpired(now)) {
                queue.pollFirst();
                queuedBytes -= o.size();
                drop(o);
                continue;
            }
            if (o.qos == 0) {
                if (!c.isWritable()) {
                    return;
                }
                queue.pollFirst();
                queuedBytes -= o.size();
                send0(c, o);
            } else {
                if (inflight.size() >= window(c, s) || !c.isWritable()) {
                    return;
                }
                queue.pollFirst();
                queuedBytes -= o.size();
                sendInflight(c, o);
            }
        }
    }

    // ---- acknowledgements from the client (session loop) ----

    /** @return false when no QoS 1 message with this id was in flight */
    public boolean puback(int packetId) {
        Outbound o = inflight.get(packetId);
        if (o == null || o.state != Outbound.State.AWAIT_PUBACK) {
            return false;
        }
        inflight.remove(packetId);
        forget(o);
        drain();
        return true;
    }

    /**
     * Handles PUBREC.
     *
     * @return the PUBREL reason code to send (0 success, 0x92 packet identifier not found), or -1 for none
     */
    public int pubrec(int packetId, int reasonCode) {
        Outbound o = inflight.get(packetId);
        if (o == null || o.state == Outbound.State.AWAIT_PUBACK) {
            return 0x92;
        }
        if (reasonCode >= 0x80) {
            inflight.remove(packetId);
            forget(o);
            drain();
            return -1;
        }
        if (o.state == Outbound.State.AWAIT_PUBREC && o.written && durable) {
            store().messageSent(clientId, o.seq, packetId, true);
        }
        o.state = Outbound.State.AWAIT_PUBCOMP;
        o.release();
        return 0;
    }

    public boolean pubcomp(int packetId) {
        Outbound o = inflight.get(packetId);
        if (o == null || o.state != Outbound.State.AWAIT_PUBCOMP) {
            return false;
        }
        inflight.remove(packetId);
        forget(o);
        drain();
        return true;
    }

    // ---- incoming QoS 2 (session loop) ----

    /** @return true when this packet id is new (the message must be published), false for a resend */
    public boolean receivedQos2(int packetId) {
        boolean added = awaitingPubrel.add(packetId);
        if (added && durable) {
            changeSession().addAwaitingPubrel(clientId, packetId);
        }
        return added;
    }

    public int awaitingPubrelCount() {
        return awaitingPubrel.size();
    }

    /** @return false when the id was unknown (MQTT 5 PUBCOMP 0x92) */
    public boolean pubrel(int packetId) {
        boolean removed = awaitingPubrel.remove(packetId);
        if (removed && durable) {
            changeSession().removeAwaitingPubrel(clientId, packetId);
        }
        return removed;
    }

    // ---- acknowledging the client's own publishes after the store (session loop) ----

    /**
     * Runs {@code ack} once {@code stored} completes, or {@code refuse} when it fails, keeping the order in which
     * they were asked for (MQTT wants PUBACK/PUBREC in the order of the PUBLISH packets). Session loop; the
     * actions run on the session's loop.
     */
    public void acknowledgeWhenStored(CompletableFuture<Void> stored, Runnable ack, Runnable refuse) {
        if (storedAcks.isEmpty() && stored.isDone() && !stored.isCompletedExceptionally()) {
            ack.run();
            return;
        }
        storedAcks.addLast(new StoredAck(stored, ack, refuse));
        stored.whenComplete((v, e) -> {
            try {
                loop.execute(this::runStoredAcks);
            } catch (RejectedExecutionException stopping) {
                // the broker is stopping: nothing more is acknowledged, the client resends
            }
        });
    }

    private void runStoredAcks() {
        while (!storedAcks.isEmpty() && storedAcks.peekFirst().stored.isDone()) {
            StoredAck a = storedAcks.pollFirst();
            if (a.stored.isCompletedExceptionally()) {
                a.refuse.run();
            } else {
                a.ack.run();
            }
        }
    }

    private record StoredAck(CompletableFuture<Void> stored, Runnable ack, Runnable refuse) {
    }

    // ---- restoring from the store (before the broker serves clients) ----

    /** Marks a session read from the store as durable, continuing its sequence numbers. */
    void restored(StoredSession.Record record, long lastSeq) {
        this.protocolLevel = record.protocolVersion();
        this.expirySeconds = record.expirySeconds();
        this.firstSeq = record.firstSeq();
        this.nextSeq.set(Math.max(record.firstSeq(), lastSeq + 1));
        this.durable = sessions.isStorePersistent();
        if (durable && record.disconnectedAtMillis() == 0) {
            // its client was connected when the broker stopped: the expiry counts from now
            changeSession().putSession(record(System.currentTimeMillis()));
        }
    }

    /** Puts a stored message back in the queue or, when it had been sent, in flight under its packet id. */
    public void restoreMessage(StoredMessage stored, PublishedMessage message) {
        Outbound o = new Outbound(message, message.payload().retainedDuplicate(), stored.message().qos(),
                stored.message().retain(), stored.subscriptionIds());
        o.seq = stored.seq();
        o.written = true;
        if (stored.packetId() == 0 || inflight.containsKey(stored.packetId())) {
            queue.addLast(o);
            queuedBytes += o.size();
            return;
        }
        o.packetId = stored.packetId();
        if (stored.released()) {
            o.state = Outbound.State.AWAIT_PUBCOMP;
            o.release();
        } else {
            o.state = o.qos == 1 ? Outbound.State.AWAIT_PUBACK : Outbound.State.AWAIT_PUBREC;
        }
        inflight.put(o.packetId, o);
        nextPacketId = o.packetId == 65535 ? 1 : o.packetId + 1;
    }

    /** A QoS 2 packet id the client sent before the restart and has not released. */
    public void restoreAwaitingPubrel(int packetId) {
        awaitingPubrel.add(packetId);
    }
}
