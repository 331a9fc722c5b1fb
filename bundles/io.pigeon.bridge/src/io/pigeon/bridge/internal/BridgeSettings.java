package io.pigeon.bridge.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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
 * @param maxQueuedBytes    bound of the on-disk queue
 */
record BridgeSettings(String name, String source, ClientOptions client, List<TopicMapping> topics,
        String notificationTopic, long maxQueuedBytes) {

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
                        emptyToNull(config.bridge_keyfile()), config.bridge_insecure()) : ClientOptions.Tls.DEFAULT)
                .reconnect(restart[0], restart[1])
                // The disk queue holds what waits; the client holds only the forwarder's window, which it also uses
                // while connected when the upstream's Receive Maximum is smaller.
                .offlineBuffer(Forwarder.WINDOW, ClientOptions.DropPolicy.DROP_NEWEST)
                // The private flag is a 3.1/3.1.1 convention; MQTT 5 upstreams get No Local instead.
                .bridge(config.try_private() && version < 5)
                .build();
        List<TopicMapping> topics = new ArrayList<>();
        for (String line : config.topic()) {
            topics.add(TopicMapping.parse(line, source));
        }
        String notificationTopic = !config.notifications() ? null
                : config.notification_topic().isEmpty() ? "$SYS/broker/connection/" + name + "/state"
                : config.notification_topic();
        return new BridgeSettings(name, source, client, List.copyOf(topics), notificationTopic,
                config.bridge_max_queued_bytes());
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
