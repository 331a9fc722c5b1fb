package io.pigeon.broker.internal;

import java.util.Locale;
import java.util.function.Function;

import io.pigeon.broker.internal.tls.ListenerTls;

/**
 * The settings of one listener that override the broker's for the clients connected through it, validated.
 * Immutable. A connection takes the settings in force when it opens, so an edit never changes a connection
 * under way.
 *
 * @param maxQos        highest QoS, or -1 for the broker's {@code max_qos}
 * @param maxTopicAlias Topic Alias Maximum, or -1 for the broker's {@code max_topic_alias}
 * @param mountPoint    prefix added to every topic of this listener's clients (Mosquitto's
 *                      {@code mount_point}), "" for none
 * @param websockets    MQTT over WebSockets ({@code protocol websockets}) instead of MQTT over TCP
 * @param tls           the listener's TLS, null for a plain listener
 * @param name          the listener's configuration PID, "" for the built-in default listener; it goes into
 *                      {@code ClientIdentity.listener} for per_listener_settings
 */
public record ListenerSettings(int maxQos, int maxTopicAlias, String mountPoint, boolean websockets, ListenerTls tls,
        String name) {

    public static final ListenerSettings NONE = new ListenerSettings(-1, -1, "");

    public ListenerSettings {
        mountPoint = mountPoint == null ? "" : mountPoint;
        name = name == null ? "" : name;
    }

    /** Plain MQTT over TCP with these limits. */
    public ListenerSettings(int maxQos, int maxTopicAlias, String mountPoint) {
        this(maxQos, maxTopicAlias, mountPoint, false, null, "");
    }

    /** The URI scheme of the listener: mqtt, mqtts, ws or wss. */
    public String scheme() {
        return (websockets ? "ws" : "mqtt") + (tls == null ? "" : "s");
    }

    /**
     * @param where the place of the listener section (file:line or PID), for settings without a place of their own
     * @param name  the listener's configuration PID, "" for the built-in default listener
     * @throws IllegalArgumentException naming the place, the key, the value and what is allowed
     */
    public static ListenerSettings from(ListenerConfig c, String where, String name) {
        Function<String, String> whereOf = key -> placeOf(c, key, where);
        if (c.max_qos() < -1 || c.max_qos() > 2) {
            throw bad(whereOf.apply("max.qos"), "max_qos", c.max_qos(), "0, 1 or 2");
        }
        if (c.max_topic_alias() < -1 || c.max_topic_alias() > 65535) {
            throw bad(whereOf.apply("max.topic.alias"), "max_topic_alias", c.max_topic_alias(),
                    "a whole number from 0 to 65535");
        }
        String mp = c.mount_point() == null ? "" : c.mount_point();
        if (mp.contains("+") || mp.contains("#") || mp.indexOf('\0') >= 0) {
            throw bad(whereOf.apply("mount.point"), "mount_point", mp, "a topic prefix without + # or NUL, e.g. site1/");
        }
        String protocol = c.protocol() == null ? "mqtt" : c.protocol().trim().toLowerCase(Locale.ROOT);
        if (!protocol.equals("mqtt") && !protocol.equals("websockets")) {
            throw bad(whereOf.apply("protocol"), "protocol", c.protocol(), "mqtt or websockets");
        }
        ListenerTls tls = ListenerTls.from(new ListenerTls.Options(c.certfile(), c.keyfile(), c.cafile(), c.capath(),
                c.crlfile(), c.tls_version(), c.ciphers(), c.ciphers_tls1_3(), c.require_certificate(),
                c.use_identity_as_username(), c.use_subject_as_username()), whereOf);
        return new ListenerSettings(c.max_qos(), c.max_topic_alias(), mp, protocol.equals("websockets"), tls, name);
    }

    /** The file:line io.pigeon.config recorded for a property key, else the listener's own place. */
    private static String placeOf(ListenerConfig c, String key, String where) {
        String prefix = key + "=";
        for (String source : c.config_sources()) {
            if (source.startsWith(prefix)) {
                return source.substring(prefix.length());
            }
        }
        return where;
    }

    private static IllegalArgumentException bad(String where, String key, Object value, String allowed) {
        return new IllegalArgumentException(where + ": " + key + " " + value + " is not valid; use " + allowed + ".");
    }
}
