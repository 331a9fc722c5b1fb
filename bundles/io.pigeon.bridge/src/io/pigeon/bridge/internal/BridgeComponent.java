package io.pigeon.bridge.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

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
 * the local broker, and the state goes to the notification topic.
 * <p>
 * Threads: local messages arrive on broker threads, upstream messages and state changes on the client's thread;
 * the queue is sent by the bridge's own thread. A change of the section restarts the bridge (its queue stays).
 */
@Component(service = Bridge.class, configurationPid = "io.pigeon.bridge",
        configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true)
@Designate(ocd = BridgeConfig.class, factory = true)
public final class BridgeComponent implements Bridge {

    private final BridgeSettings settings;
    private final Broker broker;
    private final Logger log;
    private final ForwardQueue queue;
    private final ScheduledExecutorService executor;
    private final MqttClient client;
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
    private String lastNotified;
    private String lastReason;

    @Activate
    public BridgeComponent(BridgeConfig config, Map<String, Object> properties, BundleContext context,
            @Reference Broker broker, @Reference MqttClients clients,
            @Reference(service = LoggerFactory.class) Logger log) throws IOException {
        this.broker = broker;
        this.log = log;
        String pid = String.valueOf(properties.get(Constants.SERVICE_PID));
        try {
            this.settings = BridgeSettings.from(config, pid, hostname());
        } catch (IllegalArgumentException e) {
            log.error("{} The bridge does not start until the section is fixed.", e.getMessage());
            throw e;
        }
        this.queue = ForwardQueue.open(queueFile(context, settings.name()), settings.maxQueuedBytes(),
                settings.name(), log);
        ScheduledThreadPoolExecutor thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "pigeon-bridge-" + settings.name());
            t.setDaemon(true);
            return t;
        });
        // A retry due after the bridge stopped has nothing left to do.
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.executor = thread;
        try {
            notifyState(false);
            this.client = clients.open(settings.client());
        } catch (RuntimeException e) {
            log.error("Bridge {}: cannot start: {}. Fix the connection section at {}.", settings.name(),
                    e.getMessage(), settings.source());
            executor.shutdown();
            queue.close();
            throw e;
        }
        this.forwarder = new Forwarder(settings.name(), queue, client, executor,
                task -> executor.schedule(task, 1, TimeUnit.SECONDS), log, System::currentTimeMillis);
        start();
    }

    private void start() {
        client.addStateListener(this::stateChanged);
        boolean v5 = settings.client().protocolVersion() == 5;
        for (TopicMapping topic : settings.topics()) {
            if (topic.direction().inbound()) {
                // No Local: on an MQTT 5 upstream, what this bridge sends up does not come back down.
                SubscribeOptions options = new SubscribeOptions(topic.qos(), v5, true);
                client.subscribe(topic.remoteFilter(), options, m -> fromUpstream(topic, m))
                        .whenComplete((sub, failure) -> subscribed(topic, sub, failure));
            }
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
        log.info("Bridge {}: connecting to {} as client id '{}' ({} topic line(s)).", settings.name(),
                settings.client().servers(), settings.client().clientId(), settings.topics().size());
        if (client.state() == ConnectionState.CONNECTED) {
            stateChanged(ConnectionState.CONNECTED, null);
        }
    }

    @Deactivate
    void deactivate() {
        stopped = true;
        localSubscriptions.forEach(Subscription::close);
        client.close();
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
        return client.state() == ConnectionState.CONNECTED;
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
                forward(topic, message);
            }
        } else {
            forward(topic, message);
        }
    }

    /**
     * Sends the local retained messages of every {@code out} line upstream, retained, as Mosquitto's bridges do on each
     * connect: the upstream so gets what was retained before the bridge started and what changed while it was away.
     */
    private void sendRetained() {
        synchronized (retainedLock) {
            int sent = 0;
            for (TopicMapping topic : settings.topics()) {
                if (!topic.direction().outbound() || stopped) {
                    continue;
                }
                for (Message m : broker.retained(topic.localFilter())) {
                    forward(topic, new Message(m.topic(), m.payload(), Math.min(m.qos(), topic.qos()), true,
                            m.properties()));
                    sent++;
                }
            }
            if (sent > 0) {
                log.debug("Bridge {}: connected; sent the {} retained local message(s) of the out topics.",
                        settings.name(), sent);
            }
        }
    }

    private void forward(TopicMapping topic, Message message) {
        String remoteTopic = topic.toRemote(message.topic());
        if (remoteTopic == null) {
            return;
        }
        Message out = new Message(remoteTopic, message.payload(), message.qos(), message.retain(),
                message.properties());
        if (out.qos() == 0) {
            // QoS 0 is not kept for an absent upstream, as in Mosquitto.
            if (client.state() == ConnectionState.CONNECTED) {
                client.publish(out);
            }
            return;
        }
        if (!queue.append(QueuedMessageCodec.encode(out, System.currentTimeMillis()))) {
            log.warn("Bridge {}: a message to '{}' of {} bytes is larger than bridge_max_queued_bytes ({}) and was"
                    + " not forwarded. Raise bridge_max_queued_bytes.", settings.name(), message.topic(),
                    message.payload().length, settings.maxQueuedBytes());
        }
        forwarder.kick();
    }

    private void fromUpstream(TopicMapping topic, Message message) {
        String localTopic = topic.toLocal(message.topic());
        if (stopped || localTopic == null) {
            return;
        }
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

    private void stateChanged(ConnectionState state, String reason) {
        switch (state) {
            case CONNECTED -> {
                synchronized (stateLock) {
                    lastReason = null;
                }
                log.info("Bridge {}: connected to the upstream.", settings.name());
                notifyState(true);
                forwarder.connected();
                sendRetained();
            }
            case DISCONNECTED -> {
                notifyState(false);
                boolean repeated;
                synchronized (stateLock) {
                    repeated = reason != null && reason.equals(lastReason);
                    lastReason = reason;
                }
                String message = "Bridge {}: not connected to the upstream {}: {}. Outgoing QoS 1/2 messages are kept"
                        + " on disk ({} queued) and retried in order; check address, remote_username/remote_password"
                        + " and the TLS files in {}.";
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
