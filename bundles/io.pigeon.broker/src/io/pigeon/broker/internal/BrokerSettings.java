package io.pigeon.broker.internal;

import java.util.Locale;

/**
 * The broker settings in effect, validated. Immutable: a configuration change swaps the whole object,
 * so code on any event loop reads one consistent set.
 */
public record BrokerSettings(int maxInflightMessages, int maxQueuedMessages, long maxQueuedBytes, int maxPacketSize,
        int messageSizeLimit, int maxKeepalive, int maxQos, boolean retainAvailable, boolean allowZeroLengthClientId,
        String autoIdPrefix, long persistentClientExpirationSeconds, boolean tcpNoDelay, int sysIntervalSeconds,
        boolean upgradeOutgoingQos, int maxTopicAlias, boolean queueQos0Messages, int maxConnections) {

    /** The largest packet the protocol allows: 268,435,455 bytes of remaining length plus the fixed header. */
    public static final int PROTOCOL_MAX_PACKET = 268_435_455 + 5;
    public static final long NEVER = -1;

    public static BrokerSettings defaults() {
        return new BrokerSettings(20, 1000, 0, 0, 0, 65535, 2, true, true, "auto-", NEVER, true, 10, false, 10, false,
                -1);
    }

    /**
     * Validates a configuration.
     *
     * @throws IllegalArgumentException naming the PID or file:line, the key, the value and what is allowed
     */
    public static BrokerSettings from(BrokerConfig c) {
        String where = c.config_source() == null || c.config_source().isEmpty()
                ? "configuration " + BrokerConfig.PID : c.config_source();
        check(where, "max_inflight_messages", c.max_inflight_messages(), 0, 65535);
        check(where, "max_queued_messages", c.max_queued_messages(), 0, Integer.MAX_VALUE);
        if (c.max_queued_bytes() < 0) {
            throw bad(where, "max_queued_bytes", c.max_queued_bytes(), "0 (no limit) or more");
        }
        check(where, "max_packet_size", c.max_packet_size(), 0, PROTOCOL_MAX_PACKET);
        if (c.max_packet_size() > 0 && c.max_packet_size() < 20) {
            throw bad(where, "max_packet_size", c.max_packet_size(), "0 (no limit) or at least 20");
        }
        check(where, "message_size_limit", c.message_size_limit(), 0, 268_435_455);
        check(where, "max_keepalive", c.max_keepalive(), 0, 65535);
        check(where, "max_qos", c.max_qos(), 0, 2);
        check(where, "sys_interval", c.sys_interval(), 0, Integer.MAX_VALUE);
        check(where, "max_topic_alias", c.max_topic_alias(), 0, 65535);
        if (c.max_connections() < -1) {
            throw bad(where, "max_connections", c.max_connections(), "-1 (no limit) or more");
        }
        long expiration = parseDuration(where, "persistent_client_expiration", c.persistent_client_expiration());
        return new BrokerSettings(c.max_inflight_messages(), c.max_queued_messages(), c.max_queued_bytes(),
                c.max_packet_size(), c.message_size_limit(), c.max_keepalive(), c.max_qos(), c.retain_available(),
                c.allow_zero_length_clientid(), c.auto_id_prefix() == null ? "auto-" : c.auto_id_prefix(), expiration,
                c.set_tcp_nodelay(), c.sys_interval(), c.upgrade_outgoing_qos(), c.max_topic_alias(),
                c.queue_qos0_messages(), c.max_connections());
    }

    /**
     * Parses Mosquitto's duration syntax: a whole number followed by h (hours), d (days), w (weeks),
     * m (months of 30 days) or y (years of 365 days). Empty means never.
     *
     * @return seconds, or {@link #NEVER}
     */
    public static long parseDuration(String where, String key, String value) {
        if (value == null || value.isBlank()) {
            return NEVER;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        char unit = v.charAt(v.length() - 1);
        long factor;
        switch (unit) {
            case 'h' -> factor = 3600;
            case 'd' -> factor = 86_400;
            case 'w' -> factor = 7 * 86_400;
            case 'm' -> factor = 30 * 86_400;
            case 'y' -> factor = 365 * 86_400;
            default -> throw bad(where, key, value, "a number followed by h, d, w, m or y, e.g. 2h or 14d");
        }
        String digits = v.substring(0, v.length() - 1);
        try {
            long n = Long.parseLong(digits);
            if (n <= 0) {
                throw bad(where, key, value, "a positive number followed by h, d, w, m or y, e.g. 2h or 14d");
            }
            return Math.multiplyExact(n, factor);
        } catch (NumberFormatException | ArithmeticException e) {
            throw bad(where, key, value, "a number followed by h, d, w, m or y, e.g. 2h or 14d");
        }
    }

    /** Largest packet the decoder accepts. */
    public int decoderLimit() {
        return maxPacketSize > 0 ? maxPacketSize : PROTOCOL_MAX_PACKET;
    }

    /** Window of unacknowledged QoS 1/2 messages the broker keeps per client (before the client's own limit). */
    public int inflightWindow() {
        return maxInflightMessages == 0 ? 65535 : maxInflightMessages;
    }

    private static void check(String where, String key, long value, long min, long max) {
        if (value < min || value > max) {
            throw bad(where, key, value, "a whole number from " + min + " to " + max);
        }
    }

    private static IllegalArgumentException bad(String where, String key, Object value, String allowed) {
        return new IllegalArgumentException(where + ": " + key + " " + value + " is not valid; use " + allowed + ".");
    }
}
