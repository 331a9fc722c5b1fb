package io.pigeon.bridge.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.pigeon.broker.Message;
import io.pigeon.broker.TopicFilters;
import io.pigeon.client.ClientOptions;

/**
 * A bridge configuration checked and turned into what the bridge runs with: the client options for the upstream
 * and the topic lines. Immutable; built on the component's activation thread.
 *
 * @param name              connection name
 * @param source            file:line of the section (or the PID), for messages
 * @param client            how to connect upstream
 * @param topics            the topic lines in file order
 * @param notificationTopic where the 1/0 state goes locally, or null without notifications
 * @param notifyUpstream    whether the state also goes to the upstream (1 on connect, 0 as the will)
 * @param maxQueuedBytes    bound of the on-disk queue
 * @param startType         when the bridge connects
 * @param threshold         {@link StartType#LAZY}: messages waiting that make the bridge connect
 * @param idleTimeout       {@link StartType#LAZY}: time without traffic after which it disconnects
 * @param outgoingRetain    false clears the retain flag of everything sent upstream
 * @param queueName         the file name of the store-and-forward queue, without {@code .mv.db}: the local client id
 */
record BridgeSettings(String name, String source, ClientOptions client, List<TopicMapping> topics,
        String notificationTopic, boolean notifyUpstream, long maxQueuedBytes, StartType startType, int threshold,
        Duration idleTimeout, boolean outgoingRetain, String queueName) {

    /** Mosquitto's {@code start_type}. */
    enum StartType {
        /** Connect at start, and again whenever the connection fails. */
        AUTOMATIC,
        /** Connect when {@code threshold} messages wait; disconnect after {@code idle_timeout} without traffic. */
        LAZY,
        /** Connect at start; not again once the connection failed. */
        ONCE
    }

    /** MQTT 5 Session Expiry Interval meaning "never": a persistent bridge session, as cleansession false asks. */
    static final long NEVER_EXPIRES = 0xFFFF_FFFFL;

    /**
     * @param hostname this machine's name, for the default client id HOSTNAME.NAME
     * @throws IllegalArgumentException naming the section, the directive, the value and the fix
     */
    static BridgeSettings from(BridgeConfig config, String pid, String hostname) {
        String name = config.name();
        String source = config.config_source().isEmpty() ? "configuration " + pid : config.config_source();
        if (config.address() == null || config.address().length == 0) {
            throw new IllegalArgumentException(source + ": connection " + name + " has no address. Add `address"
                    + " host[:port]` to the section.");
        }
        if (config.topic() == null || config.topic().length == 0) {
            throw new IllegalArgumentException(source + ": connection " + name + " has no topic. Add a line such as"
                    + " `topic # out 1` to the section.");
        }
        boolean tls = !config.bridge_cafile().isEmpty();
        if (!tls && (!config.bridge_certfile().isEmpty() || !config.bridge_keyfile().isEmpty())) {
            throw new IllegalArgumentException(source + ": connection " + name + ": bridge_certfile and"
                    + " bridge_keyfile need bridge_cafile, which turns on TLS. Add bridge_cafile with the upstream's"
                    + " CA certificate.");
        }
        if (config.bridge_certfile().isEmpty() != config.bridge_keyfile().isEmpty()) {
            throw new IllegalArgumentException(source + ": connection " + name + ": bridge_certfile and"
                    + " bridge_keyfile go together. Give both or neither.");
        }
        List<String> servers = new ArrayList<>();
        for (String address : config.address()) {
            servers.add((tls ? "mqtts://" : "mqtt://") + hostPort(address));
        }
        int version = switch (config.bridge_protocol_version()) {
            case "mqttv31" -> 3;
            case "mqttv311" -> 4;
            case "mqttv50" -> 5;
            default -> throw new IllegalArgumentException(source + ": connection " + name
                    + ": bridge_protocol_version " + config.bridge_protocol_version()
                    + " must be mqttv31, mqttv311 or mqttv50.");
        };
        Duration[] restart = restartTimeout(config.restart_timeout(), source, name);
        String clientId = config.remote_clientid().isEmpty() ? hostname + "." + name : config.remote_clientid();
        StartType startType = switch (config.start_type()) {
            case "automatic" -> StartType.AUTOMATIC;
            case "lazy" -> StartType.LAZY;
            case "once" -> StartType.ONCE;
            default -> throw new IllegalArgumentException(source + ": connection " + name + ": start_type "
                    + config.start_type() + " must be automatic, lazy or once.");
        };
        if (config.threshold() < 1 || config.idle_timeout() < 1) {
            throw new IllegalArgumentException(source + ": connection " + name + ": threshold " + config.threshold()
                    + " and idle_timeout " + config.idle_timeout() + " must be 1 or more.");
        }
        if (config.bridge_max_packet_size() < 0) {
            throw new IllegalArgumentException(source + ": connection " + name + ": bridge_max_packet_size "
                    + config.bridge_max_packet_size() + " must be 0 (no limit) or a number of bytes.");
        }
        String tlsVersion = emptyToNull(config.bridge_tls_version());
        if (tlsVersion != null && !tls) {
            throw new IllegalArgumentException(source + ": connection " + name + ": bridge_tls_version needs"
                    + " bridge_cafile, which turns on TLS. Add bridge_cafile with the upstream's CA certificate.");
        }
        if (tlsVersion != null && !tlsVersion.equals("tlsv1.2") && !tlsVersion.equals("tlsv1.3")) {
            throw new IllegalArgumentException(source + ": connection " + name + ": bridge_tls_version " + tlsVersion
                    + " must be tlsv1.2 (which also allows 1.3) or tlsv1.3.");
        }
        String queueName = config.local_clientid().isEmpty() ? name : config.local_clientid();
        if (queueName.equals(".") || queueName.equals("..") || queueName.contains("/") || queueName.contains("\\")
                || queueName.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(source + ": connection " + name + ": local_clientid " + queueName
                    + " names the bridge's queue file, so it must not be . or .. nor contain / or \\.");
        }
        List<TopicMapping> topics = new ArrayList<>();
        for (String line : config.topic()) {
            topics.add(TopicMapping.parse(line, source));
        }
        String notificationTopic = !config.notifications() ? null
                : config.notification_topic().isEmpty() ? "$SYS/broker/connection/" + clientId + "/state"
                : config.notification_topic();
        if (notificationTopic != null && !TopicFilters.isValidTopicName(notificationTopic)) {
            throw new IllegalArgumentException(source + ": connection " + name + ": the notification topic '"
                    + notificationTopic + "' is not a topic name (no + or #). Set notification_topic, or a"
                    + " remote_clientid without + and #.");
        }
        boolean notifyUpstream = notificationTopic != null && !config.notifications_local_only();
        ClientOptions client = ClientOptions.builder(servers.toArray(new String[0]))
                .clientId(clientId)
                .protocolVersion(version)
                .credentials(config.remote_username().isEmpty() ? null : config.remote_username(),
                        config.remote_username().isEmpty() || config._remote_password().isEmpty() ? null
                                : config._remote_password())
                .cleanStart(config.cleansession())
                .sessionExpirySeconds(config.cleansession() ? 0 : NEVER_EXPIRES)
                .keepAliveSeconds(config.keepalive_interval())
                .tls(tls ? new ClientOptions.Tls(config.bridge_cafile(), emptyToNull(config.bridge_certfile()),
                        emptyToNull(config.bridge_keyfile()), config.bridge_insecure(), tlsVersion)
                        : ClientOptions.Tls.DEFAULT)
                .reconnect(restart[0], restart[1])
                .reconnect(startType != StartType.ONCE)
                .failover(config.round_robin() ? ClientOptions.Failover.ROUND_ROBIN : ClientOptions.Failover.PRIMARY)
                .bindAddress(emptyToNull(config.bridge_bind_address()))
                // Mosquitto's bridges subscribe on every connect, so the upstream sends its retained messages again.
                .resubscribe(true)
                .unsubscribeOnConnect(config.bridge_attempt_unsubscribe() ? outOnlyRemoteFilters(topics) : List.of())
                .maximumPacketSize(config.bridge_max_packet_size())
                // As Mosquitto: the upstream publishes 0 when the bridge goes without saying so.
                .will(notifyUpstream ? new Message(notificationTopic, "0".getBytes(StandardCharsets.UTF_8), 1,
                        config.bridge_outgoing_retain()) : null)
                // The disk queue holds what waits; the client holds only the forwarder's window, which it also uses
                // while connected when the upstream's Receive Maximum is smaller.
                .offlineBuffer(Forwarder.WINDOW, ClientOptions.DropPolicy.DROP_NEWEST)
                // The private flag is a 3.1/3.1.1 convention; MQTT 5 upstreams get No Local instead.
                .bridge(config.try_private() && version < 5)
                .build();
        return new BridgeSettings(name, source, client, List.copyOf(topics), notificationTopic, notifyUpstream,
                config.bridge_max_queued_bytes(), startType, config.threshold(),
                Duration.ofSeconds(config.idle_timeout()), config.bridge_outgoing_retain(), queueName);
    }

    /**
     * The remote filters of the out lines that no in or both line subscribes to: what a session the upstream kept
     * may still hold from an earlier configuration (Mosquitto's bridge_attempt_unsubscribe).
     */
    static List<String> outOnlyRemoteFilters(List<TopicMapping> topics) {
        Set<String> filters = new LinkedHashSet<>();
        for (TopicMapping t : topics) {
            if (!t.direction().inbound()) {
                filters.add(t.remoteFilter());
            }
        }
        for (TopicMapping t : topics) {
            if (t.direction().inbound()) {
                filters.remove(t.remoteFilter());
            }
        }
        return List.copyOf(filters);
    }

    /** Mosquitto's {@code host[:port]}, port 1883 by default; a bare IPv6 address gets brackets. */
    static String hostPort(String address) {
        if (address.startsWith("[")) {
            return address.contains("]:") ? address : address + ":1883";
        }
        int colon = address.lastIndexOf(':');
        if (colon < 0) {
            return address + ":1883";
        }
        if (address.indexOf(':') != colon) {
            return "[" + address + "]:1883";
        }
        return address;
    }

    private static Duration[] restartTimeout(String value, String source, String name) {
        String[] tokens = value.trim().split("\\s+");
        try {
            long base = Long.parseLong(tokens[0]);
            long cap = tokens.length > 1 ? Long.parseLong(tokens[1]) : base;
            if (tokens.length > 2 || base < 1 || cap < base) {
                throw new NumberFormatException();
            }
            return new Duration[] {Duration.ofSeconds(base), Duration.ofSeconds(cap)};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + ": connection " + name + ": restart_timeout " + value
                    + " must be one number of seconds, or a base and a larger cap, e.g. `restart_timeout 5 30`.");
        }
    }

    private static String emptyToNull(String s) {
        return s.isEmpty() ? null : s;
    }
}
