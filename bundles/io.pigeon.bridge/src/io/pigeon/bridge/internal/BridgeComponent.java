package io.pigeon.bridge.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

import io.pigeon.bridge.Bridge;
import io.pigeon.broker.Broker;
import io.pigeon.broker.Message;
import io.pigeon.broker.Subscription;
import io.pigeon.broker.SubscriptionOptions;
import io.pigeon.client.ClientSubscription;
import io.pigeon.client.ConnectionState;
import io.pigeon.client.MqttClient;
import io.pigeon.client.MqttClients;
import io.pigeon.client.SubscribeOptions;

/**
 * One bridge, per {@code connection NAME} section: local subscriptions to the {@code out} topics feed the upstream
 * (QoS 1/2 through the on-disk {@link ForwardQueue}), upstream subscriptions to the {@code in} topics publish into
 * the local broker, and the state goes to the notification topic, locally and upstream.
 * <p>
 * The connection upstream is a client of the client service, opened at start ({@code start_type automatic} and
 * {@code once}) or when {@code threshold} messages wait ({@code lazy}, which closes it again after
 * {@code idle_timeout} without traffic); each new connection subscribes again, and each connect sends the local
 * retained messages again, as Mosquitto's bridges do.
 * <p>
 * Threads: local messages arrive on broker threads, upstream messages and state changes on the client's thread;
 * the queue is sent, and the client opened and closed, by the bridge's own thread. A change of the section restarts
 * the bridge (its queue stays).
 */
@Component(service = Bridge.class, configurationPid = "io.pigeon.bridge",
        configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true)
@Designate(ocd = BridgeConfig.class, factory = true)
public final class BridgeComponent implements Bridge {

    /** How long a stopping bridge waits for the upstream to acknowledge its "0" notification. */
    private static final long GOODBYE_WAIT_SECONDS = 2;

    private final BridgeSettings settings;
    private final Broker broker;
    private final MqttClients clients;
    private final Logger log;
    private final ForwardQueue queue;
    private final ScheduledExecutorService executor;
    private final Forwarder forwarder;
    private final List<Subscription> localSubscriptions = new ArrayList<>();
    /**
     * Set while this bridge publishes an upstream message into the local broker. The broker hands in-process
     * subscribers their messages on the publisher's thread, so this is how the bridge's own {@code out}
     * subscriptions recognise a message that just came in and must not go back up (Mosquitto does the same).
     */
    private final ThreadLocal<Boolean> publishingInbound = new ThreadLocal<>();
    private final Object stateLock = new Object();
    /**
     * Held while a retained local message is handed on, and while the retained messages are sent on a connect: the
     * broker updates its retained message before it delivers the message, so a snapshot taken under this lock is
     * never older than a retained message handed on before it, and the upstream ends with the newest value.
     */
    private final Object retainedLock = new Object();
    /** Set first when the bridge stops: a message still arriving on another thread is then left alone. */
    private volatile boolean stopped;
    /** The connection upstream, null while a lazy bridge waits for its threshold. Changed on the bridge's thread. */
    private volatile Upstream upstream;
    /** System.nanoTime() when a message last crossed the bridge, or it connected: a lazy bridge's idle clock. */
    private volatile long lastTraffic;
    private ScheduledFuture<?> idleCheck;
    private String lastNotified;
    private String lastReason;

    /** One client of the bridge; {@code up} (under stateLock) keeps a CONNECTED seen twice from acting twice. */
    private static final class Upstream {
        final MqttClient client;
        boolean up;

        Upstream(MqttClient client) {
            this.client = client;
        }
    }

    @Activate
    public BridgeComponent(BridgeConfig config, Map<String, Object> properties, BundleContext context,
            @Reference Broker broker, @Reference MqttClients clients,
            @Reference(service = LoggerFactory.class) Logger log) throws IOException {
        this.broker = broker;
        this.clients = clients;
        this.log = log;
        String pid = String.valueOf(properties.get(Constants.SERVICE_PID));
        try {
            this.settings = BridgeSettings.from(config, pid, hostname());
        } catch (IllegalArgumentException e) {
            log.error("{} The bridge does not start until the section is fixed.", e.getMessage());
            throw e;
        }
        this.queue = ForwardQueue.open(queueFile(context, settings.queueName()), settings.maxQueuedBytes(),
                settings.name(), log);
        ScheduledThreadPoolExecutor thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "pigeon-bridge-" + settings.name());
            t.setDaemon(true);
            return t;
        });
        // A retry due after the bridge stopped has nothing left to do.
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.executor = thread;
        this.forwarder = new Forwarder(settings.name(), queue, this::currentClient, executor,
                task -> executor.schedule(task, 1, TimeUnit.SECONDS), log, System::currentTimeMillis);
        try {
            notifyState(false);
            if (settings.startType() != BridgeSettings.StartType.LAZY) {
                // Here, not on the bridge's thread, so that options the client service refuses stop the component.
                connect();
            }
        } catch (RuntimeException e) {
            log.error("Bridge {}: cannot start: {}. Fix the connection section at {}.", settings.name(),
                    e.getMessage(), settings.source());
            executor.shutdown();
            queue.close();
            throw e;
        }
        start();
    }

    private void start() {
        for (TopicMapping topic : settings.topics()) {
            if (topic.direction().outbound()) {
                // Retain As Published: a retained local message goes up retained, as from a Mosquitto bridge. The
                // retained messages go up on each connect (sendRetained), not here, where the upstream is not
                // connected yet and a QoS 0 one would be dropped.
                SubscriptionOptions options = new SubscriptionOptions(topic.qos(), true, false);
                localSubscriptions.add(broker.subscribe(topic.localFilter(), options, m -> fromLocal(topic, m)));
            }
        }
        if (queue.size() > 0) {
            log.info("Bridge {}: {} message(s) ({} bytes) are queued from before; they go upstream first.",
                    settings.name(), queue.size(), queue.bytes());
        }
        if (settings.startType() == BridgeSettings.StartType.LAZY) {
            log.info("Bridge {}: start_type lazy: connects to {} when {} message(s) wait for it ({} now), and"
                    + " disconnects after {} s without traffic.", settings.name(), settings.client().servers(),
                    settings.threshold(), queue.size(), settings.idleTimeout().toSeconds());
            executor.execute(this::connectIfThresholdReached);
        }
    }

    /** Opens the connection upstream and subscribes the in lines on it; on the bridge's thread after activation. */
    private void connect() {
        if (stopped || upstream != null) {
            return;
        }
        Upstream u = new Upstream(clients.open(settings.client()));
        upstream = u;
        lastTraffic = System.nanoTime();
        u.client.addStateListener((state, reason) -> stateChanged(u, state, reason));
        boolean v5 = settings.client().protocolVersion() == 5;
        for (TopicMapping topic : settings.topics()) {
            if (topic.direction().inbound()) {
                // No Local: on an MQTT 5 upstream, what this bridge sends up does not come back down.
                SubscribeOptions options = new SubscribeOptions(topic.qos(), v5, true);
                u.client.subscribe(topic.remoteFilter(), options, m -> fromUpstream(topic, m))
                        .whenComplete((sub, failure) -> subscribed(topic, sub, failure));
            }
        }
        log.info("Bridge {}: connecting to {} as client id '{}' ({} topic line(s)).", settings.name(),
                settings.client().servers(), settings.client().clientId(), settings.topics().size());
        if (settings.startType() == BridgeSettings.StartType.LAZY) {
            idleCheck = executor.scheduleWithFixedDelay(this::disconnectIfIdle, 1, 1, TimeUnit.SECONDS);
        }
        if (u.client.state() == ConnectionState.CONNECTED) {
            stateChanged(u, ConnectionState.CONNECTED, null);
        }
    }

    private void connectIfThresholdReached() {
        if (stopped || upstream != null || queue.size() < settings.threshold()) {
            return;
        }
        log.info("Bridge {}: {} message(s) wait for the upstream (threshold {}); connecting.", settings.name(),
                queue.size(), settings.threshold());
        try {
            connect();
        } catch (RuntimeException e) {
            // On the bridge's thread nobody else would see it; the next message that reaches the threshold tries again.
            log.error("Bridge {}: cannot connect: {}. Fix the connection section at {}.", settings.name(),
                    e.getMessage(), settings.source());
        }
    }

    /** start_type lazy: nothing waits and nothing crossed for idle_timeout, so the connection goes. */
    private void disconnectIfIdle() {
        Upstream u = upstream;
        if (u == null || queue.size() > 0
                || System.nanoTime() - lastTraffic < settings.idleTimeout().toNanos()) {
            return;
        }
        closeUpstream();
        log.info("Bridge {}: no traffic for {} s (idle_timeout); disconnected. It connects again when {} message(s)"
                + " wait for the upstream (threshold).", settings.name(), settings.idleTimeout().toSeconds(),
                settings.threshold());
    }

    /**
     * Ends the connection upstream: the upstream's state topic gets 0 first (as the will would say, which a normal
     * DISCONNECT does not publish). On the bridge's thread.
     */
    private void closeUpstream() {
        Upstream u = upstream;
        if (u == null) {
            return;
        }
        upstream = null;
        if (idleCheck != null) {
            idleCheck.cancel(false);
            idleCheck = null;
        }
        if (settings.notifyUpstream() && u.client.state() == ConnectionState.CONNECTED) {
            try {
                u.client.publish(notification("0")).toCompletableFuture().get(GOODBYE_WAIT_SECONDS,
                        TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                log.debug("Bridge {}: the upstream did not take the 0 notification: {}", settings.name(),
                        e.getMessage());
            }
        }
        u.client.close();
        notifyState(false);
    }

    private MqttClient currentClient() {
        Upstream u = upstream;
        return u == null ? null : u.client;
    }

    @Deactivate
    void deactivate() {
        stopped = true;
        localSubscriptions.forEach(Subscription::close);
        try {
            executor.submit(this::closeUpstream).get(GOODBYE_WAIT_SECONDS + 5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("Bridge {}: the connection upstream did not close cleanly: {}", settings.name(), e.toString());
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("Bridge {}: the queue thread did not stop within 5 s; unsent messages stay on disk.",
                        settings.name());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long left = queue.size();
        queue.close();
        notifyState(false);
        log.info("Bridge {}: stopped; {} message(s) stay queued on disk.", settings.name(), left);
    }

    @Override
    public String name() {
        return settings.name();
    }

    @Override
    public boolean connected() {
        MqttClient c = currentClient();
        return c != null && c.state() == ConnectionState.CONNECTED;
    }

    @Override
    public long queuedMessages() {
        return queue.size();
    }

    @Override
    public long queuedBytes() {
        return queue.bytes();
    }

    @Override
    public List<String> upstreamAddresses() {
        return settings.client().servers();
    }

    private void fromLocal(TopicMapping topic, Message message) {
        if (stopped || publishingInbound.get() != null) {
            return;
        }
        if (message.retain()) {
            synchronized (retainedLock) {
                forward(topic, message, false);
            }
        } else {
            forward(topic, message, false);
        }
    }

    /**
     * Sends the local retained messages of every {@code out} line upstream, retained, as Mosquitto's bridges do on each
     * connect: the upstream so gets what was retained before the bridge started and what changed while it was away.
     * One that is already queued for the upstream (a QoS 1/2 message not yet acknowledged, which the upstream gets
     * anyway) is not sent again; one that changed after an older value was queued goes through the queue, behind it.
     */
    private void sendRetained() {
        synchronized (retainedLock) {
            Map<String, byte[]> queued = queuedRetained();
            int sent = 0;
            int skipped = 0;
            for (TopicMapping topic : settings.topics()) {
                if (!topic.direction().outbound() || stopped) {
                    continue;
                }
                for (Message m : broker.retained(topic.localFilter())) {
                    String remoteTopic = topic.toRemote(m.topic());
                    if (remoteTopic == null) {
                        continue;
                    }
                    byte[] onItsWay = queued.get(remoteTopic);
                    if (onItsWay != null && Arrays.equals(onItsWay, m.payload())) {
                        skipped++;
                        continue;
                    }
                    forward(topic, new Message(m.topic(), m.payload(), Math.min(m.qos(), topic.qos()), true,
                            m.properties()), onItsWay != null);
                    sent++;
                }
            }
            if (sent + skipped > 0) {
                log.debug("Bridge {}: connected; sent the {} retained local message(s) of the out topics ({} more"
                        + " already queued for the upstream).", settings.name(), sent, skipped);
            }
        }
    }

    /**
     * The payload of the last message queued for each upstream topic that sets its retained value there (any message
     * when bridge_outgoing_retain is false, as then none does and only repeating one matters).
     */
    private Map<String, byte[]> queuedRetained() {
        Map<String, byte[]> byTopic = new HashMap<>();
        queue.forEach(data -> {
            try {
                Message m = QueuedMessageCodec.decodeExpiredToo(data);
                if (m.retain() || !settings.outgoingRetain()) {
                    byTopic.put(m.topic(), m.payload());
                }
            } catch (IOException e) {
                // the forwarder reports and drops it when it gets there
            }
        });
        return byTopic;
    }

    /**
     * @param keepOrder send even a QoS 0 message through the queue, behind what waits there
     */
    private void forward(TopicMapping topic, Message message, boolean keepOrder) {
        String remoteTopic = topic.toRemote(message.topic());
        if (remoteTopic == null) {
            return;
        }
        lastTraffic = System.nanoTime();
        Message out = new Message(remoteTopic, message.payload(), message.qos(),
                message.retain() && settings.outgoingRetain(), message.properties());
        boolean lazy = settings.startType() == BridgeSettings.StartType.LAZY;
        if (out.qos() == 0 && !keepOrder) {
            MqttClient c = currentClient();
            if (c != null && c.state() == ConnectionState.CONNECTED) {
                c.publish(out).whenComplete((ok, failure) -> {
                    if (failure != null) {
                        log.debug("Bridge {}: the QoS 0 message to '{}' was not sent: {}", settings.name(),
                                remoteTopic, failure.getMessage());
                    }
                });
                return;
            }
            if (!lazy) {
                // QoS 0 is not kept for an absent upstream, as in Mosquitto (but for lazy bridges, below).
                return;
            }
        }
        if (!queue.append(QueuedMessageCodec.encode(out, System.currentTimeMillis()))) {
            log.warn("Bridge {}: a message to '{}' of {} bytes is larger than bridge_max_queued_bytes ({}) and was"
                    + " not forwarded. Raise bridge_max_queued_bytes.", settings.name(), message.topic(),
                    message.payload().length, settings.maxQueuedBytes());
        }
        forwarder.kick();
        if (lazy && upstream == null && queue.size() >= settings.threshold()) {
            try {
                executor.execute(this::connectIfThresholdReached);
            } catch (RejectedExecutionException e) {
                // the bridge is stopping; the message stays queued on disk
            }
        }
    }

    private void fromUpstream(TopicMapping topic, Message message) {
        String localTopic = topic.toLocal(message.topic());
        if (stopped || localTopic == null) {
            return;
        }
        lastTraffic = System.nanoTime();
        publishingInbound.set(Boolean.TRUE);
        try {
            broker.publish(new Message(localTopic, message.payload(), message.qos(), message.retain(),
                    message.properties())).whenComplete((ok, failure) -> {
                        if (failure != null) {
                            log.warn("Bridge {}: could not publish '{}' from the upstream locally: {}",
                                    settings.name(), localTopic, failure.getMessage());
                        }
                    });
        } finally {
            publishingInbound.remove();
        }
    }

    private void subscribed(TopicMapping topic, ClientSubscription sub, Throwable failure) {
        if (failure != null) {
            log.error("Bridge {}: the upstream refused the subscription to '{}' ({}). Check the upstream's ACL for"
                    + " this bridge's user, or the topic line in {}.", settings.name(), topic.remoteFilter(),
                    failure.getMessage(), settings.source());
        } else if (sub.grantedQos() < topic.qos()) {
            log.info("Bridge {}: the upstream granted QoS {} for '{}' (asked {}).", settings.name(), sub.grantedQos(),
                    topic.remoteFilter(), topic.qos());
        }
    }

    private void stateChanged(Upstream u, ConnectionState state, String reason) {
        if (u != upstream || stopped) {
            // a connection the bridge already closed
            return;
        }
        switch (state) {
            case CONNECTED -> {
                synchronized (stateLock) {
                    if (u.up) {
                        return;
                    }
                    u.up = true;
                    lastReason = null;
                }
                lastTraffic = System.nanoTime();
                log.info("Bridge {}: connected to the upstream.", settings.name());
                notifyState(true);
                if (settings.notifyUpstream()) {
                    u.client.publish(notification("1")).whenComplete((ok, failure) -> {
                        if (failure != null) {
                            log.debug("Bridge {}: the upstream did not take the 1 notification: {}",
                                    settings.name(), failure.getMessage());
                        }
                    });
                }
                forwarder.connected();
                sendRetained();
            }
            case DISCONNECTED -> {
                synchronized (stateLock) {
                    u.up = false;
                }
                notifyState(false);
                boolean repeated;
                synchronized (stateLock) {
                    repeated = reason != null && reason.equals(lastReason);
                    lastReason = reason;
                }
                String message = "Bridge {}: not connected to the upstream {}: {}. Outgoing QoS 1/2 messages are kept"
                        + " on disk ({} queued) and retried in order; check address, remote_username/remote_password"
                        + " and the TLS files in {}." + (settings.startType() == BridgeSettings.StartType.ONCE
                                ? " start_type once: the bridge does not try again once these attempts failed; restart"
                                        + " Pigeon or change the section to connect again." : "");
                Object[] args = {settings.name(), settings.client().servers(), reason == null ? "connection lost"
                        : reason, queue.size(), settings.source()};
                if (repeated) {
                    log.debug(message, args);
                } else {
                    log.warn(message, args);
                }
            }
            default -> {
            }
        }
    }

    /** The state for the upstream's notification topic, retained unless bridge_outgoing_retain is false. */
    private Message notification(String value) {
        return new Message(settings.notificationTopic(), value.getBytes(StandardCharsets.UTF_8), 1,
                settings.outgoingRetain());
    }

    /** Publishes 1 or 0, retained, to the local notification topic when it changed. */
    private void notifyState(boolean up) {
        String topic = settings.notificationTopic();
        if (topic == null) {
            return;
        }
        String value = up ? "1" : "0";
        synchronized (stateLock) {
            if (value.equals(lastNotified)) {
                return;
            }
            lastNotified = value;
        }
        broker.publish(new Message(topic, value.getBytes(StandardCharsets.UTF_8), 1, true));
    }

    private static Path queueFile(BundleContext context, String name) {
        String data = context.getProperty("pigeon.data");
        Path dir = data != null ? Path.of(data) : context.getDataFile("").toPath();
        return dir.resolve("bridges").resolve(name + ".mv.db");
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "pigeon";
        }
    }
}
