package io.pigeon.auth.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** Which clients without a valid user may connect: Mosquitto's allow_anonymous plus Pigeon's loopback default. */
enum AnonymousPolicy {
    /** allow_anonymous true. */
    EVERYONE,
    /** allow_anonymous false. */
    NOBODY,
    /** allow_anonymous not set: clients on this machine only. */
    LOOPBACK_ONLY;

    static final String IN_PROCESS = "in-process";
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /**
     * @throws IllegalArgumentException for a value that is neither empty, "true" nor "false"
     */
    static AnonymousPolicy of(String allowAnonymous) {
        String value = allowAnonymous == null ? "" : allowAnonymous.strip();
        return switch (value) {
            case "" -> LOOPBACK_ONLY;
            case "true" -> EVERYONE;
            case "false" -> NOBODY;
            default -> throw new IllegalArgumentException("allow_anonymous '" + value + "' must be true or false");
        };
    }

    boolean admits(String remoteAddress) {
        return switch (this) {
            case EVERYONE -> true;
            case NOBODY -> false;
            case LOOPBACK_ONLY -> isLocal(remoteAddress);
        };
    }

    /**
     * True for "in-process" and for "host:port" with a loopback IP literal (127.0.0.0/8, ::1, ::ffff:127.x.y.z).
     * Anything else, host names included, counts as remote: no name is ever looked up.
     */
    static boolean isLocal(String remoteAddress) {
        if (remoteAddress == null) {
            return false;
        }
        if (remoteAddress.equals(IN_PROCESS)) {
            return true;
        }
        int colon = remoteAddress.lastIndexOf(':');
        if (colon <= 0) {
            return false;
        }
        String host = remoteAddress.substring(0, colon);
        if (host.startsWith("/")) {
            host = host.substring(1);
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int scope = host.indexOf('%');
        if (scope >= 0) {
            host = host.substring(0, scope);
        }
        boolean literal = IPV4.matcher(host).matches() || (host.indexOf(':') >= 0 && host.matches("[0-9A-Fa-f:.]+"));
        if (!literal) {
            return false;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
