package io.pigeon.auth.internal.acl;

import java.util.ArrayList;
import java.util.List;

import io.pigeon.broker.TopicFilters;

/**
 * Filter-against-filter arithmetic for deciding a SUBSCRIBE from ACL rules, with the MQTT rule that a wildcard in the
 * first level does not match a topic starting with '$' (so {@code #} never grants {@code $SYS}). Validating filters
 * and matching a topic name are the broker's {@link TopicFilters}. Pure functions.
 */
final class AclTopics {

    private AclTopics() {
    }

    /**
     * True when every topic matched by {@code inner} is matched by {@code outer}. With a topic name as {@code inner}
     * this agrees with {@link TopicFilters#matches}.
     */
    static boolean covers(String outer, String inner) {
        String[] o = outer.split("/", -1);
        String[] in = inner.split("/", -1);
        for (int i = 0; ; i++) {
            if (i < o.length && o[i].equals("#")) {
                return i > 0 || !in[0].startsWith("$");
            }
            if (i == in.length || i == o.length) {
                return i == in.length && i == o.length;
            }
            if (in[i].equals("#")) {
                return false;
            }
            if (o[i].equals("+")) {
                if (i == 0 && in[0].startsWith("$")) {
                    return false;
                }
            } else if (!o[i].equals(in[i])) {
                return false;
            }
        }
    }

    /**
     * The filter matching exactly the topics both filters match, or null when no topic matches both.
     * "a/#" and "a" intersect in "a" (a multi-level wildcard matches its parent level too).
     */
    static String intersection(String a, String b) {
        String[] x = a.split("/", -1);
        String[] y = b.split("/", -1);
        List<String> result = new ArrayList<>();
        for (int i = 0; ; i++) {
            boolean xEnd = i == x.length;
            boolean yEnd = i == y.length;
            if (xEnd && yEnd) {
                break;
            }
            if (!xEnd && x[i].equals("#")) {
                if (yEnd) {
                    break;
                }
                if (i == 0 && y[0].startsWith("$")) {
                    return null;
                }
                for (int j = i; j < y.length; j++) {
                    result.add(y[j]);
                }
                break;
            }
            if (!yEnd && y[i].equals("#")) {
                if (xEnd) {
                    break;
                }
                if (i == 0 && x[0].startsWith("$")) {
                    return null;
                }
                for (int j = i; j < x.length; j++) {
                    result.add(x[j]);
                }
                break;
            }
            if (xEnd || yEnd) {
                return null;
            }
            if (x[i].equals("+")) {
                if (i == 0 && y[0].startsWith("$")) {
                    return null;
                }
                result.add(y[i]);
            } else if (y[i].equals("+")) {
                if (i == 0 && x[0].startsWith("$")) {
                    return null;
                }
                result.add(x[i]);
            } else if (x[i].equals(y[i])) {
                result.add(x[i]);
            } else {
                return null;
            }
        }
        return String.join("/", result);
    }
}
