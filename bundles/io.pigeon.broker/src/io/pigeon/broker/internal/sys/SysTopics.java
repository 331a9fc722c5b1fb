package io.pigeon.broker.internal.sys;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.util.concurrent.EventExecutor;
import io.pigeon.broker.BrokerStats;
import io.pigeon.broker.internal.MqttBroker;
import io.pigeon.broker.internal.message.PublishedMessage;

/**
 * Publishes the {@code $SYS/broker/...} tree with Mosquitto's topic names, retained, every
 * {@code sys_interval} seconds, plus Pigeon's own {@code $SYS/pigeon/...}. Like Mosquitto, a value is
 * only republished when it changed.
 * <p>
 * Runs on one event loop (the timer's); publishes through the normal publish path.
 */
public final class SysTopics {

    private final MqttBroker broker;
    private final EventExecutor loop;
    private final String version;
    private final IntSupplier bundleCount;
    private final Map<String, String> last = new HashMap<>();
    private final LoadAverage received = new LoadAverage();
    private final LoadAverage sent = new LoadAverage();
    private final LoadAverage publishReceived = new LoadAverage();
    private final LoadAverage publishSent = new LoadAverage();
    private final LoadAverage publishDropped = new LoadAverage();
    private final LoadAverage bytesReceived = new LoadAverage();
    private final LoadAverage bytesSent = new LoadAverage();
    private final LoadAverage sockets = new LoadAverage();
    private final LoadAverage connections = new LoadAverage();
    private ScheduledFuture<?> task;
    private long lastRun;
    private int interval;

    public SysTopics(MqttBroker broker, EventExecutor loop, String version, IntSupplier bundleCount) {
        this.broker = broker;
        this.loop = loop;
        this.version = version;
        this.bundleCount = bundleCount;
    }

    /** (Re)starts the timer; 0 stops it. Any thread. */
    public void start(int intervalSeconds) {
        loop.execute(() -> {
            if (task != null) {
                task.cancel(false);
                task = null;
            }
            interval = intervalSeconds;
            if (intervalSeconds > 0) {
                publish("$SYS/broker/version", "pigeon version " + version);
                lastRun = broker.nanoTime();
                update();
                task = loop.scheduleAtFixedRate(this::update, intervalSeconds, intervalSeconds, TimeUnit.SECONDS);
            }
        });
    }

    public void stop() {
        loop.execute(() -> {
            if (task != null) {
                task.cancel(false);
                task = null;
            }
        });
    }

    /** Publishes all values now (event loop). */
    void update() {
        long now = broker.nanoTime();
        double seconds = Math.max(1e-3, (now - lastRun) / 1e9);
        lastRun = now;
        BrokerStats s = broker.stats();
        BrokerMetrics m = broker.metrics();
        Runtime rt = Runtime.getRuntime();
        long heapUsed = rt.totalMemory() - rt.freeMemory();

        publish("$SYS/broker/uptime", s.uptimeSeconds() + " seconds");
        publish("$SYS/broker/clients/total", s.clientsTotal());
        publish("$SYS/broker/clients/connected", s.clientsConnected());
        publish("$SYS/broker/clients/active", s.clientsConnected());
        publish("$SYS/broker/clients/disconnected", s.clientsDisconnected());
        publish("$SYS/broker/clients/inactive", s.clientsDisconnected());
        publish("$SYS/broker/clients/maximum", s.clientsMaximum());
        publish("$SYS/broker/clients/expired", s.clientsExpired());
        publish("$SYS/broker/messages/received", s.messagesReceived());
        publish("$SYS/broker/messages/sent", s.messagesSent());
        publish("$SYS/broker/messages/stored", s.storedMessages());
        publish("$SYS/broker/store/messages/count", s.storedMessages());
        publish("$SYS/broker/store/messages/bytes", broker.retained().bytes());
        publish("$SYS/broker/publish/messages/received", s.publishReceived());
        publish("$SYS/broker/publish/messages/sent", s.publishSent());
        publish("$SYS/broker/publish/messages/dropped", s.publishDropped());
        publish("$SYS/broker/publish/bytes/received", m.publishBytesReceived());
        publish("$SYS/broker/publish/bytes/sent", m.publishBytesSent());
        publish("$SYS/broker/bytes/received", s.bytesReceived());
        publish("$SYS/broker/bytes/sent", s.bytesSent());
        publish("$SYS/broker/subscriptions/count", s.subscriptions());
        publish("$SYS/broker/retained messages/count", s.retainedMessages());
        publish("$SYS/broker/heap/current", heapUsed);
        publish("$SYS/broker/heap/maximum", rt.maxMemory());

        load("messages/received", received, s.messagesReceived(), seconds);
        load("messages/sent", sent, s.messagesSent(), seconds);
        load("publish/received", publishReceived, s.publishReceived(), seconds);
        load("publish/sent", publishSent, s.publishSent(), seconds);
        load("publish/dropped", publishDropped, s.publishDropped(), seconds);
        load("bytes/received", bytesReceived, s.bytesReceived(), seconds);
        load("bytes/sent", bytesSent, s.bytesSent(), seconds);
        load("sockets", sockets, m.connectionsOpened(), seconds);
        load("connections", connections, m.connectionsOpened(), seconds);

        publish("$SYS/pigeon/heap/used", heapUsed);
        publish("$SYS/pigeon/heap/committed", rt.totalMemory());
        publish("$SYS/pigeon/heap/max", rt.maxMemory());
        publish("$SYS/pigeon/bundles", bundleCount.getAsInt());
        publish("$SYS/pigeon/sessions", broker.sessions().size());
    }

    private void load(String name, LoadAverage avg, long total, double seconds) {
        avg.update(total, seconds);
        publish("$SYS/broker/load/" + name + "/1min", String.format("%.2f", avg.one()));
        publish("$SYS/broker/load/" + name + "/5min", String.format("%.2f", avg.five()));
        publish("$SYS/broker/load/" + name + "/15min", String.format("%.2f", avg.fifteen()));
    }

    private void publish(String topic, long value) {
        publish(topic, Long.toString(value));
    }

    private void publish(String topic, String value) {
        if (Objects.equals(last.put(topic, value), value)) {
            return;
        }
        PublishedMessage m = new PublishedMessage(topic, Unpooled.wrappedBuffer(value.getBytes(StandardCharsets.UTF_8)),
                0, true, MqttProperties.NO_PROPERTIES, PublishedMessage.NO_EXPIRY, null);
        try {
            broker.router().route(m, null);
        } finally {
            m.payload().release();
        }
    }

    int interval() {
        return interval;
    }
}
