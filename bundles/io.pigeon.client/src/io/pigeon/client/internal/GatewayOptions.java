package io.pigeon.client.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

import io.pigeon.broker.Message;
import io.pigeon.broker.TopicFilters;
import io.pigeon.client.ClientOptions;
import io.pigeon.client.ClientOptions.DropPolicy;

/** Turns a {@link GatewayConfig} into {@link ClientOptions}, refusing values that cannot work. */
final class GatewayOptions {

    private GatewayOptions() {
    }

    /**
     * @throws IllegalArgumentException naming the PID, the key, the value and what is allowed
     */
    static ClientOptions from(GatewayConfig c) {
        String[] servers = c.servers() == null || c.servers().length == 0 ? new String[] {ClientOptions.EMBEDDED}
                : c.servers();
        try {
            ServerUri.parseAll(java.util.List.of(servers));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Configuration " + GatewayConfig.PID + ": servers = '"
                    + String.join(",", servers) + "' cannot be used. " + e.getMessage() + ".");
        }
        check("protocol_version", c.protocol_version(), 3, 5);
        check("keepalive", c.keepalive(), 0, 65535);
        check("will_qos", c.will_qos(), 0, 2);
        if (c.session_expiry() < 0 || c.session_expiry() > 0xFFFF_FFFFL) {
            throw bad("session_expiry", c.session_expiry(), "seconds from 0 to 4294967295");
        }
        if (c.reconnect_min_ms() < 1) {
            throw bad("reconnect_min_ms", c.reconnect_min_ms(), "1 ms or more");
        }
        if (c.reconnect_max_ms() < c.reconnect_min_ms()) {
            throw bad("reconnect_max_ms", c.reconnect_max_ms(), "at least reconnect_min_ms (" + c.reconnect_min_ms()
                    + ")");
        }
        if (c.offline_buffer() < 0) {
            throw bad("offline_buffer", c.offline_buffer(), "0 (off) or more messages");
        }
        DropPolicy policy;
        try {
            policy = DropPolicy.valueOf(c.offline_drop_policy().trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw bad("offline_drop_policy", c.offline_drop_policy(), "DROP_OLDEST or DROP_NEWEST");
        }
        Message will = null;
        if (!empty(c.will_topic())) {
            String willTopic = c.will_topic().strip().replace(GatewayConfig.GATEWAY_ID_TOKEN, gatewayId());
            if (!TopicFilters.isValidTopicName(willTopic)) {
                throw bad("will_topic", c.will_topic(), "a topic name without + # or NUL (or empty for no will)");
            }
            will = new Message(willTopic, c.will_payload() == null ? new byte[0]
                    : c.will_payload().getBytes(StandardCharsets.UTF_8), c.will_qos(), c.will_retain());
        }
        for (String[] file : new String[][] {{"tls_cafile", c.tls_cafile()}, {"tls_certfile", c.tls_certfile()},
            {"tls_keyfile", c.tls_keyfile()}}) {
            if (!empty(file[1]) && !Files.isReadable(Path.of(file[1]))) {
                throw bad(file[0], file[1], "a readable PEM file; check the path and its permissions");
            }
        }
        if (empty(c.tls_certfile()) != empty(c.tls_keyfile())) {
            throw bad(empty(c.tls_certfile()) ? "tls_certfile" : "tls_keyfile", "",
                    "set both tls_certfile and tls_keyfile, or neither");
        }
        return ClientOptions.builder(servers)
                .clientId(empty(c.client_id()) ? "pigeon-" + hostname() : c.client_id())
                .protocolVersion(c.protocol_version())
                .credentials(empty(c.username()) ? null : c.username(), empty(c._password()) ? null : c._password())
                .cleanStart(c.clean_start())
                .sessionExpirySeconds(c.session_expiry())
                .keepAliveSeconds(c.keepalive())
                .will(will)
                .tls(new ClientOptions.Tls(nullIfEmpty(c.tls_cafile()), nullIfEmpty(c.tls_certfile()),
                        nullIfEmpty(c.tls_keyfile()), c.tls_insecure()))
                .reconnect(Duration.ofMillis(c.reconnect_min_ms()), Duration.ofMillis(c.reconnect_max_ms()))
                .offlineBuffer(c.offline_buffer(), policy)
                .bridge(c.bridge())
                .build();
    }

    /** This machine's name, as {@code hostname} prints it. */
    static String hostname() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: ask the resolver below
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /**
     * The gateway id that {@link GatewayConfig#GATEWAY_ID_TOKEN} stands for: the host name up to the first dot, made
     * safe as one topic level. io.pigeon.gpio's GpioBridge derives its gateway.id default the same way (the two
     * bundles share no code for it, as it is not API), so that with default settings the will topic is the bridge's
     * availability topic {@code pigeon/<gateway-id>/status}; the e2e GpioTest checks that they agree.
     */
    static String gatewayId() {
        String name = hostname();
        int dot = name.indexOf('.');
        StringBuilder level = new StringBuilder();
        for (char c : (dot > 0 ? name.substring(0, dot) : name).toCharArray()) {
            level.append(Character.isLetterOrDigit(c) && c < 128 || c == '-' || c == '_' ? c : '_');
        }
        return level.length() == 0 ? "_" : level.toString();
    }

    private static void check(String key, long value, long min, long max) {
        if (value < min || value > max) {
            throw bad(key, value, "from " + min + " to " + max);
        }
    }

    private static IllegalArgumentException bad(String key, Object value, String allowed) {
        return new IllegalArgumentException("Configuration " + GatewayConfig.PID + ": " + key + " = '" + value
                + "' cannot be used: give " + allowed + ".");
    }

    private static boolean empty(String s) {
        return s == null || s.isBlank();
    }

    private static String nullIfEmpty(String s) {
        return empty(s) ? null : s;
    }
}
