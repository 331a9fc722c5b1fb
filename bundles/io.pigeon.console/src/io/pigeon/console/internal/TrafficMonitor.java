package io.pigeon.console.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import io.pigeon.broker.Broker;
import io.pigeon.broker.ClientInfo;
import io.pigeon.broker.Message;
import io.pigeon.broker.Subscription;

/**
 * "What is flooding my broker": messages/s and bytes/s per topic subtree and per client over the last
 * {@link #WINDOW_SECONDS} seconds.
 * <p>
 * It only runs while someone looks: the first request of the traffic page starts it, and it stops
 * {@link #IDLE_SECONDS} after the last one. While it runs it holds an in-process subscription to {@code #} (every
 * message but {@code $SYS}) and counts per topic into the current bucket; every {@link #TICK_SECONDS} it starts a new
 * bucket and samples the broker's per-connection publish counters ({@link Broker#clients()}). When nobody looks, the
 * broker's publish path pays only its own two per-connection increments.
 * <p>
 * Threads: the handler runs on broker event loops (a concurrent map of adders); ticks and reads are guarded by this
 * object's monitor.
 */
@Component(service = TrafficMonitor.class)
public final class TrafficMonitor {

    static final int TICK_SECONDS = 2;
    static final int WINDOW_SECONDS = 30;
    static final int IDLE_SECONDS = 60;
    /** Distinct topics counted per bucket; beyond that, new topics count under their first two levels + "/#". */
    static final int MAX_TOPICS = 20_000;

    /** One row: a topic subtree or a client. */
    record Rate(String name, double messagesPerSecond, double bytesPerSecond, long messages, long bytes,
            boolean hasChildren) {
    }

    /** The answer to the page: rows sorted by messages/s, highest first. */
    record Report(String prefix, double windowSeconds, boolean warmingUp, List<Rate> topics, List<Rate> clients) {
    }

    private static final class Counter {
        final LongAdder messages = new LongAdder();
        final LongAdder bytes = new LongAdder();
    }

    private record Bucket(long startNanos, ConcurrentHashMap<String, Counter> topics) {
    }

    private record ClientSample(long nanos, Map<String, long[]> byClient) {
    }

    private final Broker broker;
    private final Logger log;
    private final LongSupplier nanoTime;
    private final ScheduledExecutorService timer;
    private final AtomicReference<Bucket> current = new AtomicReference<>();
    private final ArrayDeque<Bucket> closed = new ArrayDeque<>();
    private final ArrayDeque<ClientSample> clientSamples = new ArrayDeque<>();
    private Subscription subscription;
    private ScheduledFuture<?> ticks;
    private long lastRequestNanos;

    @Activate
    public TrafficMonitor(@Reference Broker broker, @Reference(service = LoggerFactory.class) Logger log) {
        this.broker = broker;
        this.log = log;
        this.nanoTime = System::nanoTime;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pigeon-console-traffic");
            t.setDaemon(true);
            return t;
        });
    }

    @Deactivate
    void deactivate() {
        synchronized (this) {
            stop();
        }
        timer.shutdownNow();
    }

    /** Whether the monitor is counting now (someone looked within {@link #IDLE_SECONDS}). */
    synchronized boolean running() {
        return subscription != null;
    }

    /** The rates below {@code prefix} ("" for the top level), starting the monitor if it is not running. */
    synchronized Report report(String prefix, int limit) {
        long now = nanoTime.getAsLong();
        lastRequestNanos = now;
        if (subscription == null) {
            start(now);
        }
        List<Bucket> buckets = new ArrayList<>(closed);
        buckets.add(current.get());
        double seconds = Math.max(0.001, (now - buckets.get(0).startNanos()) / 1e9);
        Map<String, long[]> sums = new HashMap<>();
        Map<String, Boolean> children = new HashMap<>();
        for (Bucket b : buckets) {
            for (Map.Entry<String, Counter> e : b.topics().entrySet()) {
                String topic = e.getKey();
                if (!prefix.isEmpty() && !topic.equals(prefix) && !topic.startsWith(prefix + "/")) {
                    continue;
                }
                String key;
                boolean deeper;
                if (topic.equals(prefix)) {
                    key = prefix; // messages on the prefix topic itself
                    deeper = false;
                } else {
                    String rest = prefix.isEmpty() ? topic : topic.substring(prefix.length() + 1);
                    int slash = rest.indexOf('/');
                    String level = slash < 0 ? rest : rest.substring(0, slash);
                    key = prefix.isEmpty() ? level : prefix + "/" + level;
                    deeper = slash >= 0;
                }
                long[] s = sums.computeIfAbsent(key, k -> new long[2]);
                s[0] += e.getValue().messages.sum();
                s[1] += e.getValue().bytes.sum();
                if (deeper) {
                    children.put(key, Boolean.TRUE);
                }
            }
        }
        List<Rate> topics = new ArrayList<>();
        for (Map.Entry<String, long[]> e : sums.entrySet()) {
            long[] s = e.getValue();
            topics.add(new Rate(e.getKey(), s[0] / seconds, s[1] / seconds, s[0], s[1],
                    children.containsKey(e.getKey())));
        }
        return new Report(prefix, seconds, clientSamples.size() < 2, top(topics, limit), top(clientRates(), limit));
    }

    private List<Rate> clientRates() {
        if (clientSamples.size() < 2) {
            return new ArrayList<>();
        }
        ClientSample first = clientSamples.peekFirst();
        ClientSample last = clientSamples.peekLast();
        double seconds = Math.max(0.001, (last.nanos() - first.nanos()) / 1e9);
        List<Rate> rates = new ArrayList<>();
        for (Map.Entry<String, long[]> e : last.byClient().entrySet()) {
            long[] now = e.getValue();
            long[] then = first.byClient().get(e.getKey());
            // a client that connected again within the window starts from 0: count from its connect
            boolean sameConnection = then != null && then[2] == now[2];
            long messages = sameConnection ? now[0] - then[0] : now[0];
            long bytes = sameConnection ? now[1] - then[1] : now[1];
            rates.add(new Rate(e.getKey(), messages / seconds, bytes / seconds, messages, bytes, false));
        }
        return rates;
    }

    private static List<Rate> top(List<Rate> rates, int limit) {
        rates.sort(Comparator.comparingDouble(Rate::messagesPerSecond).reversed()
                .thenComparing(Comparator.comparingDouble(Rate::bytesPerSecond).reversed())
                .thenComparing(Rate::name));
        return rates.size() > limit ? new ArrayList<>(rates.subList(0, limit)) : rates;
    }

    private void start(long now) {
        current.set(new Bucket(now, new ConcurrentHashMap<>()));
        subscription = broker.subscribe("#", 0, this::count);
        sampleClients(now);
        ticks = timer.scheduleAtFixedRate(this::tick, TICK_SECONDS, TICK_SECONDS, TimeUnit.SECONDS);
        log.info("Traffic view opened: counting messages per topic until nobody looks for {} s", IDLE_SECONDS);
    }

    private void stop() {
        if (subscription != null) {
            subscription.close();
            subscription = null;
        }
        if (ticks != null) {
            ticks.cancel(false);
            ticks = null;
        }
        closed.clear();
        clientSamples.clear();
        current.set(null);
    }

    private void count(Message m) {
        if (m.retain()) {
            return; // a retained message handed over at subscribe time is not traffic
        }
        Bucket b = current.get();
        if (b == null) {
            return;
        }
        ConcurrentHashMap<String, Counter> topics = b.topics();
        Counter c = topics.get(m.topic());
        if (c == null) {
            String key = topics.size() < MAX_TOPICS ? m.topic() : overflowKey(m.topic());
            c = topics.computeIfAbsent(key, k -> new Counter());
        }
        c.messages.increment();
        c.bytes.add(m.payload().length);
    }

    private static String overflowKey(String topic) {
        int first = topic.indexOf('/');
        int second = first < 0 ? -1 : topic.indexOf('/', first + 1);
        return second < 0 ? topic : topic.substring(0, second) + "/#";
    }

    private void tick() {
        try {
            synchronized (this) {
                long now = nanoTime.getAsLong();
                if (subscription == null) {
                    return;
                }
                if (now - lastRequestNanos > TimeUnit.SECONDS.toNanos(IDLE_SECONDS)) {
                    stop();
                    log.info("Traffic view closed: nobody looked for {} s, counting stopped", IDLE_SECONDS);
                    return;
                }
                closed.addLast(current.getAndSet(new Bucket(now, new ConcurrentHashMap<>())));
                while (!closed.isEmpty() && now - closed.peekFirst().startNanos()
                        > TimeUnit.SECONDS.toNanos(WINDOW_SECONDS)) {
                    closed.pollFirst();
                }
                sampleClients(now);
            }
        } catch (RuntimeException e) {
            log.error("Traffic view: a sample failed ({}); the next one is tried in {} s", e, TICK_SECONDS);
        }
    }

    private void sampleClients(long now) {
        Map<String, long[]> byClient = new HashMap<>();
        for (ClientInfo c : broker.clients()) {
            if (c.connected()) {
                byClient.put(c.clientId(),
                        new long[] {c.publishesReceived(), c.publishBytesReceived(), c.connectedSinceMillis()});
            }
        }
        clientSamples.addLast(new ClientSample(now, byClient));
        while (clientSamples.size() > WINDOW_SECONDS / TICK_SECONDS + 1) {
            clientSamples.pollFirst();
        }
    }
}
