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
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.pigeon.broker.internal.BrokerSettings;
import io.pigeon.broker.internal.message.PublishedMessage;
import io.pigeon.broker.internal.topic.Subscriber;
import io.pigeon.broker.internal.topic.SubscriptionEntry;

/**
 * The broker side of one client: subscriptions, messages in flight and queued, QoS 2 packet ids
 * received but not yet released.
 * <p>
 * Threading: all state is touched only on the session's event loop, which is the event loop of the
 * connection it is attached to (it moves with a takeover, see {@link Sessions}). Publishers on other
 * loops hand messages over with {@link #deliver}, which re-dispatches to the session's loop; no locks.
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

    public void expirySeconds(long seconds) {
        this.expirySeconds = seconds;
    }

    public boolean isEnded() {
        return ended;
    }

    public Map<String, SubscriptionEntry> subscriptions() {
        return subscriptions;
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
                o.release();
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
    }

    void scheduleExpiry(Runnable onExpiry) {
        cancelExpiry();
        if (expirySeconds >= 0) {
            expiryTask = loop.schedule(onExpiry, Math.max(expirySeconds, 0), TimeUnit.SECONDS);
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
        willTask = loop.schedule(() -> {
            Runnable w = pendingWill;
            pendingWill = null;
            willTask = null;
            if (w != null) {
                w.run();
            }
        }, delaySeconds, TimeUnit.SECONDS);
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
    }

    /**
     * Gives back the payloads of the messages this session holds (queued and in flight) without sending anything.
     * Also used when the broker stops: its event loops are gone then, so this runs on the stopping thread.
     */
    void releaseHeld() {
        for (Outbound o : inflight.values()) {
            o.release();
        }
        inflight.clear();
        for (Outbound o : queue) {
            o.release();
        }
        queue.clear();
        queuedBytes = 0;
    }

    // ---- outgoing messages ----

    @Override
    public void deliver(PublishedMessage message, int qos, boolean retain, int[] subscriptionIds) {
        Outbound o = new Outbound(message, message.payload().retainedDuplicate(), qos, retain,
                subscriptionIds == null ? NO_IDS : subscriptionIds);
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
            o.release();
        }
    }

    /** Sends, queues or drops one message (session loop). */
    void offer(Outbound o) {
        if (ended) {
            o.release();
            return;
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
                o.release();
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
        o.release();
        sessions.metrics().publishDropped();
    }

    private void send0(ClientConnection c, Outbound o) {
        if (!c.mayReceive(o.message.topic())) {
            o.release();
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
            o.release();
            return;
        }
        int id = allocatePacketId();
        if (!c.sendPublish(o.message, o.payload.retainedDuplicate(), o.qos, o.retain, false, id, o.subscriptionIds)) {
            o.release();
            sessions.metrics().publishDropped();
            return;
        }
        o.packetId = id;
        o.state = o.qos == 1 ? Outbound.State.AWAIT_PUBACK : Outbound.State.AWAIT_PUBREC;
        inflight.put(id, o);
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
        o.release();
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
            o.release();
            drain();
            return -1;
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
        drain();
        return true;
    }

    // ---- incoming QoS 2 (session loop) ----

    /** @return true when this packet id is new (the message must be published), false for a resend */
    public boolean receivedQos2(int packetId) {
        return awaitingPubrel.add(packetId);
    }

    public int awaitingPubrelCount() {
        return awaitingPubrel.size();
    }

    /** @return false when the id was unknown (MQTT 5 PUBCOMP 0x92) */
    public boolean pubrel(int packetId) {
        return awaitingPubrel.remove(packetId);
    }

    /** Snapshot of queued and in-flight (not yet released) messages, oldest first, for a {@code SessionStore}. */
    public List<PublishedMessage> pendingMessages() {
        List<PublishedMessage> out = new ArrayList<>();
        for (Outbound o : inflight.values()) {
            if (o.payload != null) {
                out.add(o.message.withPayload(o.payload));
            }
        }
        for (Outbound o : queue) {
            out.add(o.message.withPayload(o.payload));
        }
        return out;
    }
}
