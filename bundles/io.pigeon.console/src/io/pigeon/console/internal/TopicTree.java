package io.pigeon.console.internal;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import io.pigeon.broker.Broker;
import io.pigeon.broker.Message;
import io.pigeon.broker.Subscription;

/**
 * Every topic seen, whether or not a browser is open: a message count, the last payload and the one before it (for
 * the page's diff), when it came, and whether the broker holds a retained message for it (as far as the console can
 * tell: see {@link #markRetained}). Filled from the {@link Recording} when it starts, then fed by an in-process
 * subscription to
 * {@code #} (which, as for any client, replays the retained messages first and leaves out {@code $SYS}). Bounded:
 * at most {@value #MAX_TOPICS} topics (later new topics are counted as dropped) and the first
 * {@value #MAX_VALUE_BYTES} bytes of each last payload.
 * <p>
 * Threads: {@link #record} runs on broker event loops; the per-topic state is replaced, never changed in place.
 */
@Component(service = TopicTree.class)
public final class TopicTree {

    static final int MAX_TOPICS = 10_000;
    static final int MAX_VALUE_BYTES = 4096;

    /** One topic's figures; immutable. */
    record Entry(String topic, long count, byte[] lastValue, int lastSize, long lastMillis, boolean retained,
            byte[] previousValue) {
    }

    private final Map<String, Entry> topics = new ConcurrentHashMap<>();
    private final Clock clock = Clock.systemUTC();
    private final Logger log;
    private final Broker broker;
    private final Subscription all;
    private volatile boolean fullReported;
    private volatile long dropped;

    @Activate
    public TopicTree(@Reference Broker broker, @Reference Recording recording,
            @Reference(service = LoggerFactory.class) Logger log) {
        this.log = log;
        this.broker = broker;
        recording.forEach(topic -> true, Long.MIN_VALUE, Long.MAX_VALUE,
                r -> add(r.topic(), r.payload(), r.millis(), false));
        this.all = broker.subscribe("#", 0, this::record);
    }

    @Deactivate
    void deactivate() {
        all.close();
    }

    void record(Message m) {
        add(m.topic(), m.payload(), clock.millis(), m.retain());
    }

    private void add(String topic, byte[] payload, long millis, boolean retain) {
        byte[] value = payload.length <= MAX_VALUE_BYTES ? payload : Arrays.copyOf(payload, MAX_VALUE_BYTES);
        // a retained message arrives with the retain flag only when it is replayed on subscribe; a live message
        // with an empty payload and the flag deletes the retained one
        Entry previous = topics.get(topic);
        if (previous == null && topics.size() >= MAX_TOPICS) {
            dropped++;
            if (!fullReported) {
                fullReported = true;
                log.warn("HTTP console: topic tree is full ({} topics); messages on further new topics are not "
                        + "shown in the tree (live subscriptions still show them)", MAX_TOPICS);
            }
            return;
        }
        topics.compute(topic, (t, old) -> new Entry(t, old == null ? 1 : old.count() + 1, value, payload.length,
                millis, retain ? payload.length > 0 : old != null && old.retained(),
                old == null ? null : old.lastValue()));
    }

    /**
     * After the console published a retained message. Live deliveries carry no retain flag (MQTT clears it for
     * existing subscribers, and the tree's subscription does not ask for Retain As Published), so the tree learns of
     * a retained message from the replay when it subscribes, from {@link #refreshRetained()} and from the console's
     * own publishes.
     */
    void markRetained(String topic) {
        long now = clock.millis();
        topics.compute(topic, (t, e) -> e == null ? new Entry(t, 0, new byte[0], 0, now, true, null)
                : new Entry(t, e.count(), e.lastValue(), e.lastSize(), e.lastMillis(), true, e.previousValue()));
    }

    /**
     * Asks the broker which topics hold a retained message now, since messages retained by network clients after the
     * tree subscribed arrive without the flag. Cost: one pass over the broker's retained messages, when the page asks
     * for the tree.
     */
    void refreshRetained() {
        Map<String, byte[]> retained = new HashMap<>();
        for (Message m : broker.retained("#")) {
            if (m.payload().length > 0) {
                retained.put(m.topic(), m.payload());
            }
        }
        long now = clock.millis();
        for (Map.Entry<String, byte[]> r : retained.entrySet()) {
            if (!topics.containsKey(r.getKey())) {
                add(r.getKey(), r.getValue(), now, true);
            }
        }
        for (String topic : topics.keySet()) {
            boolean isRetained = retained.containsKey(topic);
            topics.computeIfPresent(topic, (t, e) -> e.retained() == isRetained ? e : new Entry(t, e.count(),
                    e.lastValue(), e.lastSize(), e.lastMillis(), isRetained, e.previousValue()));
        }
    }

    /** After the console deleted a retained message. */
    void markNotRetained(String topic) {
        topics.computeIfPresent(topic, (t, e) -> new Entry(t, e.count(), e.lastValue(), e.lastSize(),
                e.lastMillis(), false, e.previousValue()));
    }

    /** The topics {@code visible} lets through, sorted by name. */
    List<Entry> snapshot(Predicate<String> visible) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : topics.values()) {
            if (visible.test(e.topic())) {
                out.add(e);
            }
        }
        out.sort((a, b) -> a.topic().compareTo(b.topic()));
        return out;
    }

    long dropped() {
        return dropped;
    }
}
