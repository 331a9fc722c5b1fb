package io.pigeon.broker.internal.topic;

import java.nio.charset.StandardCharsets;

/**
 * Topic name and topic filter rules of MQTT 3.1.1 section 4.7 and MQTT 5 section 4.7/4.8.
 * Pure functions, safe on any thread.
 */
public final class Topics {

    public static final String SHARE_PREFIX = "$share/";
    public static final String SYS_PREFIX = "$SYS";
    private static final int MAX_LENGTH = 65535;

    private Topics() {
    }

    /** A topic name a client may publish to: not empty, no wildcards, no NUL, at most 65535 bytes. */
    public static boolean isValidTopicName(String topic) {
        if (topic == null || topic.isEmpty() || tooLong(topic)) {
            return false;
        }
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (c == '+' || c == '#' || c == '\0') {
                return false;
            }
        }
        return true;
    }

    /** A plain (not shared) topic filter: '#' only last and alone in its level, '+' alone in its level. */
    public static boolean isValidFilter(String filter) {
        if (filter == null || filter.isEmpty() || tooLong(filter)) {
            return false;
        }
        int n = filter.length();
        for (int i = 0; i < n; i++) {
            char c = filter.charAt(i);
            if (c == '\0') {
                return false;
            }
            boolean levelStart = i == 0 || filter.charAt(i - 1) == '/';
            boolean levelEnd = i == n - 1 || filter.charAt(i + 1) == '/';
            if (c == '+' && !(levelStart && levelEnd)) {
                return false;
            }
            if (c == '#' && !(levelStart && i == n - 1)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses a subscription filter, shared or not.
     *
     * @return the parsed filter, or null when it is invalid
     */
    public static ParsedFilter parseFilter(String filter) {
        if (filter == null) {
            return null;
        }
        if (!filter.startsWith(SHARE_PREFIX)) {
            return isValidFilter(filter) ? new ParsedFilter(filter, null, filter) : null;
        }
        int slash = filter.indexOf('/', SHARE_PREFIX.length());
        if (slash < 0) {
            return null;
        }
        String group = filter.substring(SHARE_PREFIX.length(), slash);
        String inner = filter.substring(slash + 1);
        if (group.isEmpty() || group.indexOf('+') >= 0 || group.indexOf('#') >= 0 || !isValidFilter(inner)) {
            return null;
        }
        return new ParsedFilter(filter, group, inner);
    }

    public static boolean isSys(String topic) {
        return topic.startsWith(SYS_PREFIX) && (topic.length() == SYS_PREFIX.length() || topic.charAt(4) == '/');
    }

    /** True when the plain filter matches the topic name, with the '$' rule for the first level. */
    public static boolean matches(String filter, String topic) {
        if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
            return false;
        }
        String[] f = filter.split("/", -1);
        String[] t = topic.split("/", -1);
        int i = 0;
        for (; i < f.length; i++) {
            if (f[i].equals("#")) {
                return true;
            }
            if (i >= t.length) {
                return false;
            }
            if (!f[i].equals("+") && !f[i].equals(t[i])) {
                return false;
            }
        }
        return i == t.length;
    }

    private static boolean tooLong(String s) {
        return s.length() > MAX_LENGTH / 3 && s.getBytes(StandardCharsets.UTF_8).length > MAX_LENGTH;
    }

    /**
     * @param raw        the filter as sent
     * @param shareGroup the group of a {@code $share/<group>/<filter>} subscription, else null
     * @param filter     the filter used for matching
     */
    public record ParsedFilter(String raw, String shareGroup, String filter) {
        public boolean shared() {
            return shareGroup != null;
        }
    }
}
