package io.pigeon.broker.internal.retained;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.pigeon.broker.Message;
import io.pigeon.broker.TopicFilters;
import io.pigeon.broker.internal.message.MessageConversion;
import io.pigeon.broker.internal.message.PublishedMessage;
import io.pigeon.broker.internal.store.MemoryStore;
import io.pigeon.broker.internal.topic.Topics;
import io.pigeon.broker.spi.DurableStore;
import io.pigeon.broker.spi.DurableStore.StoredRetained;

/**
 * Retained messages by topic, written through to the {@link DurableStore} (on the publisher's thread, so the
 * write is queued before the publisher's acknowledgement waits for the store). Each retained message keeps
 * one heap copy of its payload, shared (wrapped, not copied) with the store's {@link Message} and with
 * every subscriber it is delivered to.
 * <p>
 * Thread safe: a concurrent map, used from every event loop.
 */
public final class RetainedMessages {

    private final ConcurrentHashMap<String, PublishedMessage> byTopic = new ConcurrentHashMap<>();
    private volatile DurableStore store = MemoryStore.INSTANCE;

    public void store(DurableStore newStore) {
        this.store = newStore;
    }

    /** Takes the retained messages read from the store; called once at start. Expired ones are dropped. */
    public void load(List<StoredRetained> stored, long nowNanos, long wallMillis) {
        for (StoredRetained r : stored) {
            Message m = MessageConversion.ageBy(r.message(), wallMillis - r.storedAtMillis());
            if (m == null) {
                store.removeRetained(r.message().topic());
                continue;
            }
            byTopic.put(m.topic(), MessageConversion.fromApi(m, nowNanos).withRetain(true));
        }
    }

    /** Sets, replaces or (empty payload) clears the retained message of the message's topic. */
    public void update(PublishedMessage m, long nowNanos) {
        if (!m.payload().isReadable()) {
            if (byTopic.remove(m.topic()) != null) {
                store.removeRetained(m.topic());
            }
            return;
        }
        byte[] bytes = ByteBufUtil.getBytes(m.payload());
        PublishedMessage copy = m.withPayload(Unpooled.wrappedBuffer(bytes)).withRetain(true);
        byTopic.put(m.topic(), copy);
        DurableStore s = store;
        // $SYS topics are the broker's own, published again after every start
        if (!MemoryStore.isMemory(s) && !Topics.isSys(m.topic())) {
            Message api = new Message(m.topic(), bytes, m.qos(), true, MessageConversion.toApiProperties(m, nowNanos));
            s.putRetained(new StoredRetained(api, System.currentTimeMillis()));
        }
    }

    /** Unexpired retained messages whose topic matches a plain filter. Payloads are not retained for the caller. */
    public List<PublishedMessage> match(String filter, long nowNanos) {
        List<PublishedMessage> out = new ArrayList<>();
        boolean wildcard = filter.indexOf('+') >= 0 || filter.indexOf('#') >= 0;
        if (!wildcard) {
            PublishedMessage m = byTopic.get(filter);
            if (m != null) {
                addIfLive(m, nowNanos, out);
            }
            return out;
        }
        for (PublishedMessage m : byTopic.values()) {
            if (TopicFilters.matches(filter, m.topic())) {
                addIfLive(m, nowNanos, out);
            }
        }
        return out;
    }

    private void addIfLive(PublishedMessage m, long nowNanos, List<PublishedMessage> out) {
        if (m.isExpired(nowNanos)) {
            if (byTopic.remove(m.topic(), m)) {
                store.removeRetained(m.topic());
            }
        } else {
            out.add(m);
        }
    }

    public int size() {
        return byTopic.size();
    }

    public long bytes() {
        long n = 0;
        for (PublishedMessage m : byTopic.values()) {
            n += m.payload().readableBytes();
        }
        return n;
    }
}
