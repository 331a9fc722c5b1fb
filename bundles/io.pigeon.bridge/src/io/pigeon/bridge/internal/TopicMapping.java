package io.pigeon.bridge.internal;

import java.util.Locale;

import io.pigeon.broker.TopicFilters;

/**
 * One {@code topic PATTERN [in|out|both] [QOS] [LOCAL_PREFIX] [REMOTE_PREFIX]} line with Mosquitto's meaning:
 * the bridge subscribes locally to LOCAL_PREFIX+PATTERN (out) and upstream to REMOTE_PREFIX+PATTERN (in); a
 * message crossing the bridge loses the prefix of its side and gains the prefix of the other. {@code ""} is an
 * empty pattern or prefix; an empty pattern maps the topic LOCAL_PREFIX to the topic REMOTE_PREFIX exactly.
 * Immutable; any thread.
 */
record TopicMapping(String pattern, Direction direction, int qos, String localPrefix, String remotePrefix) {

    enum Direction {
        IN, OUT, BOTH;

        boolean inbound() {
            return this != OUT;
        }

        boolean outbound() {
            return this != IN;
        }
    }

    /**
     * Parses a {@code topic} value as io.pigeon.config passes it (the tokens as written, joined by single spaces).
     *
     * @param source where the line is, for the message
     * @throws IllegalArgumentException with a message naming the line, the value and the fix
     */
    static TopicMapping parse(String value, String source) {
        String[] tokens = value.trim().split("\\s+");
        if (value.isBlank() || tokens.length > 5) {
            throw bad(source, value, "must be PATTERN [in|out|both] [QOS] [LOCAL_PREFIX] [REMOTE_PREFIX]");
        }
        String pattern = unquote(tokens[0]);
        Direction direction = Direction.OUT;
        if (tokens.length > 1) {
            try {
                direction = Direction.valueOf(tokens[1].toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw bad(source, value, "direction '" + tokens[1] + "' must be in, out or both");
            }
        }
        int qos = 0;
        if (tokens.length > 2) {
            if (!tokens[2].matches("[012]")) {
                throw bad(source, value, "QoS '" + tokens[2] + "' must be 0, 1 or 2");
            }
            qos = Integer.parseInt(tokens[2]);
        }
        String local = tokens.length > 3 ? unquote(tokens[3]) : "";
        String remote = tokens.length > 4 ? unquote(tokens[4]) : "";
        for (String prefix : new String[] {local, remote}) {
            if (prefix.contains("+") || prefix.contains("#")) {
                throw bad(source, value, "prefix '" + prefix + "' must not contain the wildcards + and #");
            }
        }
        if (pattern.isEmpty() && (local.isEmpty() || remote.isEmpty())) {
            throw bad(source, value, "an empty pattern \"\" maps the local prefix to the remote prefix, so it needs"
                    + " both");
        }
        TopicMapping mapping = new TopicMapping(pattern, direction, qos, local, remote);
        for (String filter : new String[] {mapping.localFilter(), mapping.remoteFilter()}) {
            String problem = TopicFilters.filterProblem(filter);
            if (problem != null) {
                throw bad(source, value, "'" + filter + "' is not a topic filter (" + problem + ")");
            }
        }
        return mapping;
    }

    private static String unquote(String token) {
        return token.equals("\"\"") ? "" : token;
    }

    private static IllegalArgumentException bad(String source, String value, String problem) {
        return new IllegalArgumentException(source + ": topic " + value + ": " + problem
                + ". Fix the line in the connection section.");
    }

    /** What the bridge subscribes to on the local broker (direction out or both). */
    String localFilter() {
        return localPrefix + pattern;
    }

    /** What the bridge subscribes to upstream (direction in or both). */
    String remoteFilter() {
        return remotePrefix + pattern;
    }

    /** The upstream topic of a local message, or null when this line does not carry it out. */
    String toRemote(String localTopic) {
        if (!direction.outbound() || !TopicFilters.matches(localFilter(), localTopic)) {
            return null;
        }
        return remotePrefix + strip(localTopic, localPrefix);
    }

    /** The local topic of an upstream message, or null when this line does not carry it in. */
    String toLocal(String remoteTopic) {
        if (!direction.inbound() || !TopicFilters.matches(remoteFilter(), remoteTopic)) {
            return null;
        }
        return localPrefix + strip(remoteTopic, remotePrefix);
    }

    private static String strip(String topic, String prefix) {
        return topic.startsWith(prefix) ? topic.substring(prefix.length()) : topic;
    }
}
