package io.pigeon.console.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
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
import io.pigeon.broker.SubscriptionOptions;

/**
 * The explorer's topic tree: every topic seen, with a message count, the last payload and the one before it (for the
 * page's diff), when it came, and whether the broker holds a retained message for it.
 * <p>
 * It costs the broker nothing while nobody looks, as MQTT Explorer costs a broker nothing while it is not connected:
 * it runs only while at least one page shows it. A page asks for the changes about once a second ({@link #view}), and
 * tells when it goes ({@link #leave}); a page that has not asked for {@link #IDLE_SECONDS} s is taken as gone (a
 * closed laptop, a crashed browser). While it runs it holds an in-process subscription to {@code #} (every message but
 * {@code $SYS}) with Retain As Published, so that it sees a message retained or a retained message deleted as it
 * happens. When the first page opens it starts from the {@link Recording} (the filters recorded while no browser was
 * open: counts, last values) and the broker's retained messages ({@link Broker#retained}, a retained message that is
 * also the topic's last recorded one counted once), so the page is full at once; when the last page goes it
 * unsubscribes and forgets. Bounded: at most {@value #MAX_TOPICS} topics (later new topics are counted as dropped)
 * and the first {@value #MAX_VALUE_BYTES} bytes of each last payload.
 * <p>
 * Pages get only what changed since their last answer: every topic's entry has a version, and an answer carries the
 * newest one. Writers (broker event loops) never take a lock: they store an entry with version 0 ("changed"), and the
 * reader, one at a time under this object's monitor, gives each such entry the next version as it meets it. An entry
 * changed after the reader passed it is still at 0 and gets a version above this answer's at the next one, so no
 * change is missed.
 * <p>
 * Threads: {@link #record} runs on broker event loops; the per-topic state is replaced, never changed in place;
 * starting, stopping, the viewers and versions are guarded by this object's monitor.
 */
@Component(service = TopicTree.class)
public final class TopicTree {

    static final int MAX_TOPICS = 10_000;
    static final int MAX_VALUE_BYTES = 4096;
    /**
     * A page that asked nothing for this long is taken as closed. Longer than a minute because browsers slow the
     * timers of a hidden tab down to one a minute.
     */
    static final int IDLE_SECONDS = 90;
    /** At most this many pages remembered; beyond it the one that asked longest ago is forgotten. */
    static final int MAX_VIEWERS = 64;

    /** One topic's figures; immutable. {@code version} 0 means changed since the last answer. */
    record Entry(String topic, long count, byte[] lastValue, int lastSize, long lastMillis, boolean retained,
            byte[] previousValue, long version) {

        Entry withVersion(long v) {
            return new Entry(topic, count, lastValue, lastSize, lastMillis, retained, previousValue, v);
        }
    }

    /**
     * An answer to a page: the tree's run ({@code epoch}: a page that has another one starts over), the newest
     * version, and the entries changed since the page's version (all of them when {@code full}), sorted by topic.
     */
    record Changes(long epoch, long version, boolean full, List<Entry> entries, long dropped) {
    }

    private final Map<String, Entry> topics = new ConcurrentHashMap<>();
    private final Clock clock = Clock.systemUTC();
    private final Logger log;
    private final Broker broker;
    private final Recording recording;
    private final long idleNanos;
    private final ScheduledExecutorService timer;
    /** Viewer key to the System.nanoTime of its last request, oldest first. */
    private final LinkedHashMap<String, Long> viewers = new LinkedHashMap<>(16, 0.75f, true);
    private volatile boolean running;
    private Subscription all;
    private ScheduledFuture<?> expiry;
    private long epoch;
    private long version;
    private volatile boolean fullReported;
    private volatile long dropped;

    @Activate
    public TopicTree(@Reference Broker broker, @Reference Recording recording,
            @Reference(service = LoggerFactory.class) Logger log) {
        this(broker, recording, log, Duration.ofSeconds(IDLE_SECONDS));
    }

    TopicTree(Broker broker, Recording recording, Logger log, Duration idle) {
        this.log = log;
        this.broker = broker;
        this.recording = recording;
        this.idleNanos = idle.toNanos();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pigeon-console-topics");
            t.setDaemon(true);
            return t;
        });
    }

    @Deactivate
    void deactivate() {
        synchronized (this) {
            viewers.clear();
            stop();
        }
        timer.shutdownNow();
    }

    /**
     * A page's request: {@code viewer} (a key for the page) is looking now, starting the tree if nobody was. Answers
     * the entries {@code visible} lets through that changed since {@code sinceVersion} of {@code sinceEpoch}, or all
     * of them when the page has no version of this run.
     */
    synchronized Changes view(String viewer, long sinceEpoch, long sinceVersion, Predicate<String> visible) {
        viewers.put(viewer, System.nanoTime());
        while (viewers.size() > MAX_VIEWERS) {
            viewers.remove(viewers.keySet().iterator().next());
        }
        if (!running) {
            start();
        }
        boolean full = sinceEpoch != epoch || sinceVersion <= 0 || sinceVersion > version;
        List<Entry> out = new ArrayList<>();
        for (Entry e : topics.values()) {
            if (e.version() == 0) {
                e = topics.computeIfPresent(e.topic(), (t, old) -> old.version() == 0 ? old.withVersion(++version)
                        : old);
            }
            if (e != null && (full || e.version() > sinceVersion) && visible.test(e.topic())) {
                out.add(e);
            }
        }
        out.sort(Comparator.comparing(Entry::topic));
        return new Changes(epoch, version, full, out, dropped);
    }

    /** The page {@code viewer} went away; the last one to go stops the tree. */
    synchronized void leave(String viewer) {
        if (viewers.remove(viewer) != null && viewers.isEmpty()) {
            stop();
            log.info("HTTP console: topic tree closed (the last page showing it went); its # subscription ended");
        }
    }

    /** Whether the tree holds its subscription now. */
    boolean running() {
        return running;
    }

    private void start() {
        topics.clear();
        dropped = 0;
        fullReported = false;
        epoch++;
        version = 0;
        recording.forEach(topic -> true, Long.MIN_VALUE, Long.MAX_VALUE,
                r -> add(r.topic(), r.payload(), r.millis(), false));
        long now = clock.millis();
        int retained = 0;
        for (Message m : broker.retained("#")) {
            if (m.payload().length == 0) {
                continue;
            }
            retained++;
            Entry last = topics.get(m.topic());
            if (last != null && last.lastSize() == m.payload().length
                    && Arrays.equals(last.lastValue(), truncated(m.payload()))) {
                // the recording's last message on the topic is the one the broker retains: count it once
                topics.put(m.topic(), new Entry(last.topic(), last.count(), last.lastValue(), last.lastSize(),
                        last.lastMillis(), true, last.previousValue(), 0));
            } else {
                add(m.topic(), m.payload(), now, true);
            }
        }
        running = true;
        // Retain As Published: a live message that sets or deletes a retained one says so; the retained messages
        // were read above
        all = broker.subscribe("#", new SubscriptionOptions(0, true, false), this::record);
        long period = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(idleNanos) / 10);
        expiry = timer.scheduleAtFixedRate(this::expire, period, period, TimeUnit.SECONDS);
        log.info("HTTP console: topic tree opened with {} topics ({} retained); it subscribes to # until the last "
                + "page showing it goes", topics.size(), retained);
    }

    private void stop() {
        running = false;
        if (all != null) {
            all.close();
            all = null;
        }
        if (expiry != null) {
            expiry.cancel(false);
            expiry = null;
        }
        topics.clear();
    }

    private void expire() {
        try {
            synchronized (this) {
                long now = System.nanoTime();
                viewers.values().removeIf(seen -> now - seen > idleNanos);
                if (running && viewers.isEmpty()) {
                    stop();
                    log.info("HTTP console: topic tree closed (no page asked for {} s); its # subscription ended",
                            TimeUnit.NANOSECONDS.toSeconds(idleNanos));
                }
            }
        } catch (RuntimeException e) {
            log.error("HTTP console: the topic tree's check for closed pages failed ({}); it runs again in a "
                    + "moment", e.toString());
        }
    }

    void record(Message m) {
        if (running) {
            add(m.topic(), m.payload(), clock.millis(), m.retain());
        }
    }

    private static byte[] truncated(byte[] payload) {
        return payload.length <= MAX_VALUE_BYTES ? payload : Arrays.copyOf(payload, MAX_VALUE_BYTES);
    }

    private void add(String topic, byte[] payload, long millis, boolean retain) {
        byte[] value = truncated(payload);
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
        // the retain flag: set on a message that sets (payload) or deletes (empty) the retained one; a message
        // without it leaves the broker's retained message as it was
        topics.compute(topic, (t, old) -> new Entry(t, old == null ? 1 : old.count() + 1, value, payload.length,
                millis, retain ? payload.length > 0 : old != null && old.retained(),
                old == null ? null : old.lastValue(), 0));
    }

    /** The topics {@code visible} lets through, sorted by name, whether or not a page looks (for the tests). */
    List<Entry> snapshot(Predicate<String> visible) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : topics.values()) {
            if (visible.test(e.topic())) {
                out.add(e);
            }
        }
        out.sort(Comparator.comparing(Entry::topic));
        return out;
    }

    long dropped() {
        return dropped;
    }
}
