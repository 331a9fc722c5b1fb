package io.pigeon.auth.internal.acl;

import java.util.ArrayList;
import java.util.List;

/**
 * MQTT topic and filter arithmetic for ACL checks, with the MQTT rule that a wildcard in the first level does not
 * match a topic starting with '$' (so {@code #} never grants {@code $SYS}). Pure functions.
 */
final class Topics {

    private Topics() {
    }

    /** Why {@code filter} is not a valid subscription filter, or null (Mosquitto's mosquitto_sub_topic_check). */
    static String filterProblem(String filter) {
        if (filter.isEmpty()) {
            return "the topic is empty";
        }
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.contains("#") && (!level.equals("#") || i != levels.length - 1)) {
                return "'#' must be a whole level and the last one";
            }
            if (level.contains("+") && !level.equals("+")) {
                return "'+' must be a whole level";
            }
        }
        return null;
    }

    /** True when the topic name matches the filter. */
    static boolean matches(String filter, String topic) {
        return covers(filter, topic);
    }

    /**
     * True when every topic matched by {@code inner} is matched by {@code outer}. With a plain topic as {@code inner}
     * this is topic matching.
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
