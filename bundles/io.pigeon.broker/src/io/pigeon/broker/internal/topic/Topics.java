package io.pigeon.broker.internal.topic;

import io.pigeon.broker.TopicFilters;

/**
 * The broker's own topic rules on top of {@link TopicFilters}: shared subscriptions (MQTT 5 section 4.8) and $SYS.
 * Pure functions, safe on any thread.
 */
public final class Topics {

    public static final String SHARE_PREFIX = "$share/";
    public static final String SYS_PREFIX = "$SYS";

    private Topics() {
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
            return TopicFilters.isValidFilter(filter) ? new ParsedFilter(filter, null, filter) : null;
        }
        int slash = filter.indexOf('/', SHARE_PREFIX.length());
        if (slash < 0) {
            return null;
        }
        String group = filter.substring(SHARE_PREFIX.length(), slash);
        String inner = filter.substring(slash + 1);
        if (group.isEmpty() || group.indexOf('+') >= 0 || group.indexOf('#') >= 0
                || !TopicFilters.isValidFilter(inner)) {
            return null;
        }
        return new ParsedFilter(filter, group, inner);
    }

    public static boolean isSys(String topic) {
        return topic.startsWith(SYS_PREFIX) && (topic.length() == SYS_PREFIX.length() || topic.charAt(4) == '/');
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
