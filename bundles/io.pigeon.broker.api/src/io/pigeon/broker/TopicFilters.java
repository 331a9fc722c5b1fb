package io.pigeon.broker;

import java.nio.charset.StandardCharsets;

/**
 * The MQTT rules for topic names and topic filters (MQTT 3.1.1 section 4.7, MQTT 5 section 4.7), as the broker applies
 * them, for bundles that check or match topics themselves (ACLs, bridges, rules) and must agree with the broker:
 * <ul>
 * <li>A topic name is not empty, has no '+', '#' or NUL and is at most 65535 bytes in UTF-8.</li>
 * <li>In a filter, '+' is a whole level and '#' is a whole level and the last one. A filter has no NUL and is at most
 * 65535 bytes.</li>
 * <li>A filter starting with a wildcard does not match a topic starting with '$', so {@code #} and {@code +/x} never
 * match {@code $SYS/x}.</li>
 * </ul>
 * The methods take plain filters: for a shared subscription {@code $share/GROUP/FILTER} pass FILTER. Pure functions,
 * safe on any thread.
 */
public final class TopicFilters {

    private static final int MAX_BYTES = 65535;

    private TopicFilters() {
    }

    /** A topic name a client may publish to. */
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

    /** A filter a client may subscribe to. */
    public static boolean isValidFilter(String filter) {
        return filterProblem(filter) == null;
    }

    /**
     * Why {@code filter} is not a valid filter, as a clause for an error message ("'+' must be a whole level"), or
     * null when it is valid.
     */
    public static String filterProblem(String filter) {
        if (filter == null || filter.isEmpty()) {
            return "it is empty";
        }
        if (tooLong(filter)) {
            return "it is longer than " + MAX_BYTES + " bytes";
        }
        int n = filter.length();
        for (int i = 0; i < n; i++) {
            char c = filter.charAt(i);
            if (c == '\0') {
                return "it contains a NUL character";
            }
            boolean levelStart = i == 0 || filter.charAt(i - 1) == '/';
            boolean levelEnd = i == n - 1 || filter.charAt(i + 1) == '/';
            if (c == '+' && !(levelStart && levelEnd)) {
                return "'+' must be a whole level";
            }
            if (c == '#' && !(levelStart && i == n - 1)) {
                return "'#' must be a whole level and the last one";
            }
        }
        return null;
    }

    /**
     * True when the topic name matches the filter ("a/#" matches "a" too). Both are assumed valid; check them first
     * where they come from outside.
     */
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
        return s.length() > MAX_BYTES / 3 && s.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES;
    }
}
