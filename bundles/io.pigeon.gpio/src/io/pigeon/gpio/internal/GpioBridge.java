package io.pigeon.gpio.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

import io.pigeon.broker.Message;
import io.pigeon.client.ClientSubscription;
import io.pigeon.client.ConnectionState;
import io.pigeon.client.ConnectionStateListener;
import io.pigeon.client.MqttClient;
import io.pigeon.client.MqttClients;
import io.pigeon.gpio.Board;
import io.pigeon.gpio.internal.sensor.CpuTemperature;

/**
 * What every pin and sensor shares: the gateway's MQTT connection, the topic scheme
 * {@code <topic_prefix>/<gateway-id>/<kind>/<name>}, Home Assistant discovery, and the one thread all GPIO work
 * runs on ({@link #execute}): Pi4J listeners, MQTT commands and sensor readings hop onto it, so a pin's state
 * changes in one order and nothing blocks a broker or Pi4J thread.
 * <p>
 * Availability: when the gateway connection has a last will (by default {@code pigeon/<host name>/status} =
 * {@code offline}, retained), its topic is the availability topic: the broker publishes the will when the gateway
 * dies. Without a will the bridge uses {@code <prefix>/<gateway-id>/status}, and a crash then leaves {@code online}
 * standing. Either way the bridge publishes {@code online} there, retained, at start and after every reconnect, and
 * the offline payload when it stops cleanly: a clean stop sends DISCONNECT, after which the broker drops the will.
 */
@Component(service = GpioBridge.class, configurationPid = "io.pigeon.gpio",
        configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true)
@Designate(ocd = BridgeConfig.class)
public final class GpioBridge {

    public static final String ONLINE = "online";
    public static final String OFFLINE = "offline";

    private final MqttClient client;
    private final Board board;
    private final Logger log;
    private final String gatewayId;
    private final String prefix;
    private final int qos;
    private final boolean discovery;
    private final String discoveryPrefix;
    private final String availabilityTopic;
    private final String offlinePayload;
    private final boolean ownAvailability;
    private final ScheduledExecutorService thread;
    /** Discovery messages in force, by config topic; re-published when Home Assistant comes online. Bridge thread. */
    private final Map<String, Announcement> announced = new LinkedHashMap<>();
    /** What publishes each pin's and sensor's state again after a reconnect. Bridge thread. */
    private final List<Runnable> republishers = new ArrayList<>();
    private final ConnectionStateListener reconnects = this::connectionChanged;
    private volatile boolean wasDisconnected;
    private final SubscriptionHandle homeAssistantStatus;
    private volatile Thread bridgeThread;
    private final SensorPoller cpu;

    @Activate
    public GpioBridge(BridgeConfig config,
            @Reference(target = "(" + MqttClients.NAME_PROPERTY + "=" + MqttClients.GATEWAY + ")") MqttClient client,
            @Reference Board board, @Reference(service = LoggerFactory.class) Logger log) {
        this.client = client;
        this.board = board;
        this.log = log;
        this.gatewayId = config.gateway_id().isBlank() ? hostName() : topicLevel(config.gateway_id().strip());
        this.prefix = prefix("topic.prefix", config.topic_prefix(), "pigeon");
        if (config.qos() < 0 || config.qos() > 2) {
            log.error("PID io.pigeon.gpio: qos = {} is not a QoS; use 0, 1 or 2. Using 1 until it is fixed.",
                    config.qos());
        }
        this.qos = config.qos() < 0 || config.qos() > 2 ? 1 : config.qos();
        this.discovery = config.discovery();
        this.discoveryPrefix = prefix("discovery.prefix", config.discovery_prefix(), "homeassistant");
        Message will = client.options().will();
        if (will != null) {
            availabilityTopic = will.topic();
            offlinePayload = new String(will.payload(), StandardCharsets.UTF_8);
            ownAvailability = false;
            String expected = join(prefix, gatewayId, "status");
            if (!availabilityTopic.equals(expected)) {
                log.warn("Availability is on {}, the gateway connection's last will, not on {}: set will.topic = {}"
                        + " in etc/io.pigeon.client.cfg if gateway.id or topic.prefix in etc/io.pigeon.gpio.cfg"
                        + " should apply to it too.", availabilityTopic, expected, expected);
            }
        } else {
            availabilityTopic = join(prefix, gatewayId, "status");
            offlinePayload = OFFLINE;
            ownAvailability = true;
        }
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "pigeon-gpio");
            t.setDaemon(true);
            bridgeThread = t;
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        thread = executor;
        // also when the gateway connection has a will: whatever publishes online there, the bridge is up and says so
        publish(availabilityTopic, ONLINE, true);
        homeAssistantStatus = discovery ? subscribeNow(join(discoveryPrefix, "status"), this::homeAssistantStatus)
                : null;
        client.addStateListener(reconnects);
        log.info("GPIO bridge for gateway {} on {}: topics {}/{}/<kind>/<name>, availability on {}{}, Home"
                + " Assistant discovery {}.", gatewayId, board.description(), prefix, gatewayId, availabilityTopic,
                ownAvailability ? " (the gateway connection has no will, so a crash leaves 'online' standing; set"
                        + " will.topic in etc/io.pigeon.client.cfg, by default pigeon/{gateway-id}/status, for"
                        + " 'offline' after a crash)" : "",
                discovery ? "under " + discoveryPrefix + "/" : "off");
        if (config.cpu_temperature_interval() > 0) {
            CpuTemperature reader = new CpuTemperature(CpuTemperature.DEFAULT_ZONE);
            if (reader.simulated()) {
                log.info("CPU temperature: {} does not exist here, so {} publishes a simulated value. Set"
                        + " cpu.temperature.interval = 0 in etc/io.pigeon.gpio.cfg to turn it off.", reader.file(),
                        topic("sensor", "cpu"));
            }
            cpu = new SensorPoller(this, "cpu", "PID io.pigeon.gpio (built-in CPU temperature)",
                    topic("sensor", "cpu"), reader, Duration.ofSeconds(config.cpu_temperature_interval()), log);
            execute(cpu::start);
        } else {
            cpu = null;
        }
    }

    @Deactivate
    void deactivate() {
        client.removeStateListener(reconnects);
        if (cpu != null) {
            execute(cpu::stop);
        }
        if (homeAssistantStatus != null) {
            homeAssistantStatus.close();
        }
        publish(availabilityTopic, offlinePayload, true);
        thread.shutdown();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("The GPIO bridge thread did not finish within 5 s; going on.");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A topic prefix from the configuration: one or more levels without wildcards, not a $ topic. */
    private String prefix(String key, String value, String fallback) {
        String p = value.strip();
        if (p.isEmpty() || p.contains("+") || p.contains("#") || p.startsWith("$") || p.startsWith("/")
                || p.endsWith("/")) {
            log.error("PID io.pigeon.gpio: {} = '{}' cannot start a topic; use topic levels without +, # or a"
                    + " leading $ or /. Using '{}' until it is fixed.", key, value, fallback);
            return fallback;
        }
        return p;
    }

    /**
     * The gateway.id default. io.pigeon.client expands {gateway-id} in its default will topic the same way
     * (GatewayOptions.gatewayId), so that both name the same availability topic.
     */
    private static String hostName() {
        String name = null;
        try {
            name = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
        } catch (IOException | RuntimeException e) {
            // not Linux, or no such file: ask the resolver below
        }
        if (name == null || name.isEmpty()) {
            try {
                name = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                name = "pigeon";
            }
        }
        int dot = name.indexOf('.');
        return topicLevel(dot > 0 ? name.substring(0, dot) : name);
    }

    /** A name made safe as one topic level and as a Home Assistant node id: [A-Za-z0-9_-], others become '_'. */
    static String topicLevel(String name) {
        StringBuilder b = new StringBuilder(name.length());
        for (char c : name.toCharArray()) {
            b.append(Character.isLetterOrDigit(c) && c < 128 || c == '-' || c == '_' ? c : '_');
        }
        return b.length() == 0 ? "_" : b.toString();
    }

    private static String join(String... levels) {
        return String.join("/", levels);
    }

    public String gatewayId() {
        return gatewayId;
    }

    public String availabilityTopic() {
        return availabilityTopic;
    }

    public Board board() {
        return board;
    }

    /** {@code <topic_prefix>/<gateway-id>/<kind>/<name>}. */
    public String topic(String kind, String name) {
        return join(prefix, gatewayId, kind, name);
    }

    /** Runs on the bridge thread; dropped once the bridge stops. */
    public void execute(Runnable task) {
        try {
            thread.execute(guarded(task));
        } catch (RejectedExecutionException e) {
            // the bridge has stopped: nothing more to do for GPIO
        }
    }

    /**
     * Runs on the bridge thread and waits for it (at most 5 s), so that a pin is closed before a new configuration
     * opens it again. Runs in the caller once the bridge thread has stopped.
     */
    public void call(Runnable task) {
        Runnable guarded = guarded(task);
        if (Thread.currentThread() == bridgeThread) {
            guarded.run();
            return;
        }
        try {
            thread.submit(guarded).get(5, TimeUnit.SECONDS);
        } catch (RejectedExecutionException e) {
            guarded.run();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("GPIO bridge thread busy for 5 s; going on: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs {@code task} on the bridge thread after {@code delay}. @throws RejectedExecutionException once stopped */
    public ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        return thread.schedule(guarded(task), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("GPIO bridge task failed; the bridge goes on: {}", e.toString(), e);
            }
        };
    }

    /** Publishes a state value; a failure is logged, never thrown. */
    public void publish(String topic, String payload, boolean retain) {
        publish(topic, payload.getBytes(StandardCharsets.UTF_8), retain);
    }

    private void publish(String topic, byte[] payload, boolean retain) {
        try {
            client.publish(new Message(topic, payload, qos, retain)).whenComplete((ok, failure) -> {
                if (failure != null) {
                    log.warn("Could not publish to {}: {}", topic, failure.getMessage());
                }
            });
        } catch (RuntimeException e) {
            log.warn("Could not publish to {}: {}", topic, e.toString());
        }
    }

    /** A subscription of a pin: {@link #ready} completes once the broker has it (or refused it). */
    public interface Listening extends AutoCloseable {
        CompletionStage<Void> ready();

        @Override
        void close();
    }

    /**
     * Subscribes through the gateway connection; the handler gets the payload as text on the bridge thread.
     * Closing the returned subscription unsubscribes, also when the SUBACK comes later.
     */
    public Listening subscribe(String filter, Consumer<String> handler) {
        SubscriptionHandle s = subscribeNow(filter, handler);
        return new Listening() {
            @Override
            public CompletionStage<Void> ready() {
                return s.ready;
            }

            @Override
            public void close() {
                s.close();
            }
        };
    }

    private SubscriptionHandle subscribeNow(String filter, Consumer<String> handler) {
        SubscriptionHandle handle = new SubscriptionHandle(filter);
        client.subscribe(filter, 1, m -> execute(() -> {
            if (!handle.closed) {
                handler.accept(new String(m.payload(), StandardCharsets.UTF_8));
            }
        })).whenComplete((s, failure) -> handle.subscribed(s, failure));
        return handle;
    }

    /** A subscription whose close works before SUBACK too. */
    private final class SubscriptionHandle implements ClientSubscription {
        private final String filter;
        private final CompletableFuture<Void> ready = new CompletableFuture<>();
        private volatile boolean closed;
        private ClientSubscription subscription;

        SubscriptionHandle(String filter) {
            this.filter = filter;
        }

        synchronized void subscribed(ClientSubscription s, Throwable failure) {
            ready.complete(null);
            if (failure != null) {
                log.error("Could not subscribe to {}: {}. Commands on it are not heard.", filter,
                        failure.getMessage());
                return;
            }
            subscription = s;
            if (closed) {
                s.unsubscribe();
            }
        }

        @Override
        public String topicFilter() {
            return filter;
        }

        @Override
        public synchronized int grantedQos() {
            return subscription == null ? -1 : subscription.grantedQos();
        }

        @Override
        public synchronized CompletionStage<Void> unsubscribe() {
            closed = true;
            return subscription == null ? CompletableFuture.completedFuture(null) : subscription.unsubscribe();
        }
    }

    /**
     * A discovery message for one entity: {@code <discovery_prefix>/<component>/<gateway-id>/<name>/config}, with the
     * name, unique id, availability and the gateway's device block added to {@code fields}.
     */
    public Announcement announcement(String component, String name, Map<String, Object> fields) {
        String objectId = topicLevel(name);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", name);
        json.put("unique_id", "pigeon_" + gatewayId + "_" + objectId);
        json.put("object_id", gatewayId + "_" + objectId);
        json.putAll(fields);
        json.put("availability_topic", availabilityTopic);
        json.put("payload_available", ONLINE);
        json.put("payload_not_available", offlinePayload);
        json.put("device", Map.of("identifiers", List.of("pigeon_" + gatewayId), "name", "Pigeon " + gatewayId,
                "manufacturer", "Pigeon", "model", "Pigeon MQTT gateway"));
        return new Announcement(join(discoveryPrefix, component, gatewayId, objectId, "config"), Json.write(json));
    }

    /** Publishes a discovery message and keeps it for Home Assistant's restarts. Bridge thread. */
    public void announce(Announcement a) {
        if (!discovery) {
            return;
        }
        announced.put(a.topic(), a);
        publish(a.topic(), a.json(), true);
    }

    /** Removes an entity from Home Assistant (empty retained config). Bridge thread. */
    public void withdraw(Announcement a) {
        if (!discovery) {
            return;
        }
        announced.remove(a.topic());
        publish(a.topic(), new byte[0], true);
    }

    /** Stops re-announcing an entity but leaves it in Home Assistant (the gateway stops, the entity stays). */
    public void forget(Announcement a) {
        announced.remove(a.topic());
    }

    /**
     * Publishes its state again after each reconnect (a broker that restarted without persistence has lost the
     * retained messages). Bridge thread; undone by running the returned handle.
     */
    public Runnable onReconnect(Runnable republish) {
        republishers.add(republish);
        return () -> republishers.remove(republish);
    }

    private void connectionChanged(ConnectionState state, String reason) {
        if (state == ConnectionState.DISCONNECTED) {
            wasDisconnected = true;
        } else if (state == ConnectionState.CONNECTED && wasDisconnected) {
            wasDisconnected = false;
            execute(() -> {
                log.info("The gateway connection is back: publishing availability, {} discovery message(s) and every"
                        + " state again.", announced.size());
                publish(availabilityTopic, ONLINE, true);
                announced.values().forEach(a -> publish(a.topic(), a.json(), true));
                List.copyOf(republishers).forEach(Runnable::run);
            });
        }
    }

    private void homeAssistantStatus(String payload) {
        if (ONLINE.equals(payload.strip())) {
            List<Announcement> all = new ArrayList<>(announced.values());
            log.info("Home Assistant is online: publishing {} discovery message(s) again.", all.size());
            all.forEach(a -> publish(a.topic(), a.json(), true));
        }
    }
}
