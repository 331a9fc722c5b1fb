package io.pigeon.console.internal;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
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
 * Every topic seen since the console started, whether or not a browser is open: a message count, the last payload
 * and when it came, and whether the broker holds a retained message for it (as far as the console can tell: see
 * {@link #markRetained}). Fed by an in-process subscription to
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
    record Entry(String topic, long count, byte[] lastValue, int lastSize, long lastMillis, boolean retained) {
    }

    private final Map<String, Entry> topics = new ConcurrentHashMap<>();
    private final Clock clock = Clock.systemUTC();
    private final Logger log;
    private final Subscription all;
    private volatile boolean fullReported;
    private volatile long dropped;

    @Activate
    public TopicTree(@Reference Broker broker, @Reference(service = LoggerFactory.class) Logger log) {
        this.log = log;
        this.all = broker.subscribe("#", 0, this::record);
    }

    @Deactivate
    void deactivate() {
        all.close();
    }

    void record(Message m) {
        long now = clock.millis();
        byte[] value = m.payload().length <= MAX_VALUE_BYTES ? m.payload()
                : Arrays.copyOf(m.payload(), MAX_VALUE_BYTES);
        // a retained message arrives with the retain flag only when it is replayed on subscribe; a live message
        // with an empty payload and the flag deletes the retained one
        Entry previous = topics.get(m.topic());
        if (previous == null && topics.size() >= MAX_TOPICS) {
            dropped++;
            if (!fullReported) {
                fullReported = true;
                log.warn("HTTP console: topic tree is full ({} topics); messages on further new topics are not "
                        + "shown in the tree (live subscriptions still show them)", MAX_TOPICS);
            }
            return;
        }
        topics.compute(m.topic(), (t, old) -> new Entry(t, old == null ? 1 : old.count() + 1, value,
                m.payload().length, now, m.retain() ? m.payload().length > 0 : old != null && old.retained()));
    }

    /**
     * After the console published a retained message. Live deliveries carry no retain flag (MQTT clears it for
     * existing subscribers, and the in-process API has no retain-as-published), so the tree learns of a retained
     * message from the replay when it subscribes, and from the console's own publishes.
     */
    void markRetained(String topic) {
        long now = clock.millis();
        topics.compute(topic, (t, e) -> e == null ? new Entry(t, 0, new byte[0], 0, now, true)
                : new Entry(t, e.count(), e.lastValue(), e.lastSize(), e.lastMillis(), true));
    }

    /** After the console deleted a retained message. */
    void markNotRetained(String topic) {
        topics.computeIfPresent(topic, (t, e) -> new Entry(t, e.count(), e.lastValue(), e.lastSize(),
                e.lastMillis(), false));
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
