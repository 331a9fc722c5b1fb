package io.pigeon.console.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

import io.pigeon.broker.Broker;
import io.pigeon.broker.Message;
import io.pigeon.broker.Subscription;
import io.pigeon.broker.TopicFilters;

/**
 * The history of broker traffic that goes on with the browser closed: every message on the configured filters (see
 * {@link RecordingConfig}) is kept in {@code data/console/recording.mv.db} (H2 MVStore), bounded by a message count
 * and a byte count, the oldest dropped first. It survives a restart; the topic tree, the charts and the export read
 * it.
 * <p>
 * The broker must not wait for the disk: broker event loops only offer a message to a bounded queue, and when it is
 * full the message is dropped and counted ({@link #dropped()}). One thread writes the queue out in batches, one
 * commit per batch. Retained messages replayed when the recording subscribes are not recorded, so a restart does not
 * record them again (a live delivery never carries the retain flag in-process, see {@link TopicTree#markRetained}).
 */
@Component(service = Recording.class, configurationPid = RecordingConfig.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = RecordingConfig.class)
public final class Recording {

    static final String FILE = "recording.mv.db";
    /** Most messages written in one commit. */
    static final int BATCH = 1000;

    /** One recorded message; {@code seq} orders the history (it only grows). */
    record Recorded(long seq, long millis, String topic, int qos, byte[] payload) {
        long bytes() {
            return bytes(topic, payload);
        }

        static long bytes(String topic, byte[] payload) {
            return topic.getBytes(StandardCharsets.UTF_8).length + (long) payload.length;
        }
    }

    /** The checked settings. */
    record Limits(List<String> filters, int maxMessages, long maxBytes, int queueSize, int maxRate) {
    }

    /** A message on its way to the disk. */
    private record Pending(long millis, Message message) {
    }

    private static final Pending STOP = new Pending(0, null);

    private final Path file;
    private final Limits limits;
    private final Logger log;
    private final Clock clock;
    private final BlockingQueue<Pending> queue;
    private final MVStore store;
    private final MVMap<Long, byte[]> messages;
    private final MVMap<String, Long> meta;
    private final List<Subscription> subscriptions = new ArrayList<>();
    private final Thread writer;
    private final AtomicLong dropped = new AtomicLong();
    /** The second (of System.nanoTime) the rate budget counts, and how much of it is spent. */
    private volatile long budgetSecond;
    private final AtomicLong budgetSpent = new AtomicLong();
    private final AtomicLong tooLarge = new AtomicLong();
    private final AtomicLong recorded = new AtomicLong();
    private volatile long bytes;
    private long nextSeq;
    private boolean writeErrorReported;

    @Activate
    public Recording(RecordingConfig config, BundleContext context, @Reference Broker broker,
            @Reference(service = LoggerFactory.class) Logger log) throws IOException {
        this(DataFolder.of(context).resolve(FILE), limits(config, log), broker, log, Clock.systemUTC());
    }

    Recording(Path file, Limits limits, Broker broker, Logger log, Clock clock) throws IOException {
        this.file = file;
        this.limits = limits;
        this.log = log;
        this.clock = clock;
        this.queue = new ArrayBlockingQueue<>(limits.queueSize());
        this.store = open(file, log);
        this.messages = store.openMap("messages");
        this.meta = store.openMap("meta");
        Long last = messages.lastKey();
        nextSeq = last == null ? 1 : last + 1;
        Long stored = meta.get("bytes");
        if (stored == null) {
            long sum = 0;
            for (Map.Entry<Long, byte[]> e : messages.entrySet()) {
                sum += decode(e.getKey(), e.getValue()).bytes();
            }
            stored = sum;
        }
        bytes = stored;
        // a smaller bound than the one the file was written with applies at once
        evict();
        store.commit();
        writer = new Thread(this::write, "pigeon-console-recording");
        writer.setDaemon(true);
        writer.start();
        for (String filter : limits.filters()) {
            // QoS 2, so that each message is recorded with the QoS it was published with
            subscriptions.add(broker.subscribe(filter, 2, this::offer));
        }
        log.info("HTTP console: recording {} into {} ({} messages, {} bytes kept; at most {} messages, {} bytes)",
                limits.filters(), file, messages.sizeAsLong(), bytes, limits.maxMessages(), limits.maxBytes());
    }

    static Limits limits(RecordingConfig config, Logger log) {
        List<String> filters = new ArrayList<>();
        for (String f : config.filters() == null ? new String[0] : config.filters()) {
            String filter = f == null ? "" : f.strip();
            String problem = TopicFilters.filterProblem(filter);
            if (problem != null) {
                log.error("Configuration {}: filters has \"{}\", which is not a valid MQTT topic filter ({}); it is "
                        + "left out. Fix it in etc/{}.cfg, e.g. filters=[\"sensors/#\"]", RecordingConfig.PID, filter,
                        problem, RecordingConfig.PID);
            } else if (!filters.contains(filter)) {
                filters.add(filter);
            }
        }
        return new Limits(List.copyOf(filters), Math.max(1, config.max_messages()), Math.max(1024, config.max_bytes()),
                Math.max(16, config.queue_size()), Math.max(1, config.max_rate()));
    }

    private static MVStore open(Path file, Logger log) throws IOException {
        try {
            return openFile(file);
        } catch (RuntimeException e) {
            Path aside = file.resolveSibling(file.getFileName() + ".damaged-" + System.currentTimeMillis());
            Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            log.error("HTTP console: the recording {} could not be read ({}). It was moved to {} and the recording "
                    + "starts empty; delete the moved file when you do not need it.", file, e, aside);
            return openFile(file);
        }
    }

    private static MVStore openFile(Path file) {
        // small cache: a Pi has little memory, and the history is read rarely
        return new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().cacheSize(4).open();
    }

    @Deactivate
    void close() {
        subscriptions.forEach(Subscription::close);
        queue.clear();
        // the writer ends after the messages already taken; waiting for the queue could block a shutdown
        while (!queue.offer(STOP)) {
            queue.poll();
        }
        try {
            writer.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            store.close();
        } catch (RuntimeException e) {
            log.warn("HTTP console: the recording {} did not close cleanly ({}); MVStore recovers it at the next "
                    + "start to its last commit", file, e);
        }
    }

    /**
     * On a broker event loop: never blocks. Beyond {@code max.rate} messages a second the message is only counted as
     * dropped: the history is for a person looking at topics and charts, and writing everything a loaded broker
     * carries would take the broker's own CPU (on a one-core Pi, most of it).
     */
    private void offer(Message m) {
        if (m.retain()) {
            return;
        }
        long second = System.nanoTime() / 1_000_000_000L;
        if (second != budgetSecond) {
            budgetSecond = second; // racing loops may both reset it: at most a few messages over the budget
            budgetSpent.set(0);
        }
        if (budgetSpent.incrementAndGet() > limits.maxRate() || !queue.offer(new Pending(clock.millis(), m))) {
            dropped.incrementAndGet();
        }
    }

    private void write() {
        List<Pending> batch = new ArrayList<>(BATCH);
        while (true) {
            Pending first;
            try {
                first = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            batch.add(first);
            queue.drainTo(batch, BATCH - 1);
            boolean stop = false;
            try {
                int appended = 0;
                for (Pending p : batch) {
                    if (p == STOP) {
                        stop = true;
                        break;
                    }
                    appended += append(p) ? 1 : 0;
                }
                evict();
                meta.put("bytes", bytes);
                store.commit();
                // counted once the batch is within its bounds, so whoever sees the count sees the trimmed history
                recorded.addAndGet(appended);
                writeErrorReported = false;
            } catch (RuntimeException e) {
                dropped.addAndGet(batch.size());
                if (!writeErrorReported) {
                    writeErrorReported = true;
                    log.error("HTTP console: could not write to the recording {} ({}); messages are dropped until it "
                            + "works again. Check the disk (df, dmesg).", file, e);
                }
            }
            batch.clear();
            if (stop) {
                return;
            }
        }
    }

    /** False when the message alone is larger than the byte bound, and so not kept. */
    private boolean append(Pending p) {
        Message m = p.message();
        long size = Recorded.bytes(m.topic(), m.payload());
        if (size > limits.maxBytes()) {
            tooLarge.incrementAndGet();
            return false;
        }
        messages.put(nextSeq++, encode(p.millis(), m));
        bytes += size;
        return true;
    }

    private void evict() {
        while (messages.sizeAsLong() > limits.maxMessages() || bytes > limits.maxBytes()) {
            Long oldest = messages.firstKey();
            if (oldest == null) {
                bytes = 0;
                return;
            }
            byte[] value = messages.remove(oldest);
            bytes -= decode(oldest, value).bytes();
        }
    }

    static byte[] encode(long millis, Message m) {
        byte[] topic = m.topic().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + 1 + 2 + topic.length + m.payload().length).putLong(millis)
                .put((byte) m.qos()).putShort((short) topic.length).put(topic).put(m.payload()).array();
    }

    static Recorded decode(long seq, byte[] value) {
        ByteBuffer b = ByteBuffer.wrap(value);
        long millis = b.getLong();
        int qos = b.get();
        byte[] topic = new byte[Short.toUnsignedInt(b.getShort())];
        b.get(topic);
        byte[] payload = new byte[b.remaining()];
        b.get(payload);
        return new Recorded(seq, millis, new String(topic, StandardCharsets.UTF_8), qos, payload);
    }

    /**
     * The recorded messages, oldest first, whose topic {@code topics} lets through and whose time is in
     * {@code [fromMillis, toMillis]}.
     */
    void forEach(Predicate<String> topics, long fromMillis, long toMillis, Consumer<Recorded> action) {
        Iterator<Long> keys = messages.keyIterator(null);
        while (keys.hasNext()) {
            Long seq = keys.next();
            byte[] value = messages.get(seq);
            if (value == null) {
                continue; // evicted since the iterator passed it
            }
            Recorded r = decode(seq, value);
            if (r.millis() >= fromMillis && r.millis() <= toMillis && topics.test(r.topic())) {
                action.accept(r);
            }
        }
    }

    /** The newest {@code limit} messages of {@link #forEach}, oldest first. */
    List<Recorded> newest(Predicate<String> topics, long fromMillis, long toMillis, int limit) {
        ArrayDeque<Recorded> out = new ArrayDeque<>();
        forEach(topics, fromMillis, toMillis, r -> {
            out.addLast(r);
            if (out.size() > limit) {
                out.removeFirst();
            }
        });
        return new ArrayList<>(out);
    }

    /** Messages not recorded because the writer could not keep up (or could not write) since the start. */
    long dropped() {
        return dropped.get();
    }

    /** Messages not recorded because one alone is larger than the byte bound. */
    long tooLarge() {
        return tooLarge.get();
    }

    /** Messages written since the start. */
    long recorded() {
        return recorded.get();
    }

    long size() {
        return messages.sizeAsLong();
    }

    long bytes() {
        return bytes;
    }

    Limits limits() {
        return limits;
    }
}
