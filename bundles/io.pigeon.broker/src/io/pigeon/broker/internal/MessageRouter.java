package io.pigeon.broker.internal;

import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.pigeon.broker.BrokerEvent;
import io.pigeon.broker.internal.message.PublishReceipt;
import io.pigeon.broker.internal.message.PublishedMessage;
import io.pigeon.broker.internal.retained.RetainedMessages;
import io.pigeon.broker.internal.sys.BrokerMetrics;
import io.pigeon.broker.internal.topic.Matches;
import io.pigeon.broker.internal.topic.SharedGroup;
import io.pigeon.broker.internal.topic.SubscriptionEntry;
import io.pigeon.broker.internal.topic.TopicTree;

/**
 * The publish path after a message is accepted: retained store, topic tree, one delivery per matching
 * subscriber (overlapping subscriptions merge into one delivery at the highest QoS, with all their
 * Subscription Identifiers) and one per shared group.
 * <p>
 * Runs on the publisher's thread (a client's event loop, or any thread for in-process publishes);
 * lock-free. The caller keeps ownership of the message's payload; subscribers take their own reference.
 */
public final class MessageRouter {

    private static final int[] NO_IDS = new int[0];

    private final TopicTree tree;
    private final RetainedMessages retained;
    private final BrokerMetrics metrics;
    private final EventDispatcher events;
    private final Supplier<BrokerSettings> settings;
    private final LongSupplier nanoTime;

    public MessageRouter(TopicTree tree, RetainedMessages retained, BrokerMetrics metrics, EventDispatcher events,
            Supplier<BrokerSettings> settings, LongSupplier nanoTime) {
        this.tree = tree;
        this.retained = retained;
        this.metrics = metrics;
        this.events = events;
        this.settings = settings;
        this.nanoTime = nanoTime;
    }

    /**
     * @param address remote address of the publisher for the event, may be null
     * @return the number of subscribers the message went to
     */
    public int route(PublishedMessage m, String address) {
        return route(m, address, null);
    }

    /**
     * @param receipt the publisher's receipt for deliveries to persistent sessions (see {@link PublishReceipt}), or
     *                null when nobody waits for them
     */
    public int route(PublishedMessage m, String address, PublishReceipt receipt) {
        if (m.retain()) {
            retained.update(m, nanoTime.getAsLong());
        }
        Matches matches = tree.match(m.topic());
        int delivered = 0;
        boolean upgrade = settings.get().upgradeOutgoingQos();
        String publisher = m.publisherClientId();
        for (Matches.Target t : matches.targets()) {
            int best = -1;
            boolean rap = false;
            int[] ids = NO_IDS;
            for (SubscriptionEntry e : t.entries()) {
                if (e.noLocal() && publisher != null && publisher.equals(t.subscriber().clientId())) {
                    continue;
                }
                best = Math.max(best, e.qos());
                rap |= e.retainAsPublished();
                if (e.subscriptionId() > 0) {
                    ids = append(ids, e.subscriptionId());
                }
            }
            if (best < 0) {
                continue;
            }
            int qos = upgrade ? best : Math.min(best, m.qos());
            t.subscriber().deliver(m, qos, rap && m.retain(), ids, receipt);
            delivered++;
        }
        for (SharedGroup g : matches.groups()) {
            SubscriptionEntry e = g.pick();
            if (e == null) {
                continue;
            }
            int qos = upgrade ? e.qos() : Math.min(e.qos(), m.qos());
            int[] ids = e.subscriptionId() > 0 ? new int[] {e.subscriptionId()} : NO_IDS;
            e.subscriber().deliver(m, qos, e.retainAsPublished() && m.retain(), ids, receipt);
            delivered++;
        }
        if (events.hasListeners()) {
            events.fire(BrokerEvent.Type.MESSAGE_PUBLISHED, publisher, address, m.topic(), m.qos(), null);
        }
        return delivered;
    }

    private static int[] append(int[] ids, int id) {
        int[] out = java.util.Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = id;
        return out;
    }
}
