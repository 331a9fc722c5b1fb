package io.pigeon.broker.internal;

/**
 * The settings of one listener that override the broker's for the clients connected through it, validated.
 * Immutable.
 *
 * @param maxQos        highest QoS, or -1 for the broker's {@code max_qos}
 * @param maxTopicAlias Topic Alias Maximum, or -1 for the broker's {@code max_topic_alias}
 * @param mountPoint    prefix added to every topic of this listener's clients (Mosquitto's
 *                      {@code mount_point}), "" for none
 */
public record ListenerSettings(int maxQos, int maxTopicAlias, String mountPoint) {

    public static final ListenerSettings NONE = new ListenerSettings(-1, -1, "");

    public ListenerSettings {
        mountPoint = mountPoint == null ? "" : mountPoint;
    }

    /**
     * @throws IllegalArgumentException naming the place, the key, the value and what is allowed
     */
    public static ListenerSettings from(ListenerConfig c, String where) {
        if (c.max_qos() < -1 || c.max_qos() > 2) {
            throw bad(where, "max_qos", c.max_qos(), "0, 1 or 2");
        }
        if (c.max_topic_alias() < -1 || c.max_topic_alias() > 65535) {
            throw bad(where, "max_topic_alias", c.max_topic_alias(), "a whole number from 0 to 65535");
        }
        String mp = c.mount_point() == null ? "" : c.mount_point();
        if (mp.contains("+") || mp.contains("#") || mp.indexOf('\0') >= 0) {
            throw bad(where, "mount_point", mp, "a topic prefix without + # or NUL, e.g. site1/");
        }
        return new ListenerSettings(c.max_qos(), c.max_topic_alias(), mp);
    }

    private static IllegalArgumentException bad(String where, String key, Object value, String allowed) {
        return new IllegalArgumentException(where + ": " + key + " " + value + " is not valid; use " + allowed + ".");
    }
}
