package io.pigeon.broker.spi;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * Who is asking.
 *
 * @param clientId        the MQTT client identifier (after assignment of an automatic one)
 * @param username        user name from CONNECT, null when absent
 * @param remoteAddress   "host:port" of the connection, or {@value #IN_PROCESS}
 * @param protocolVersion 3 (MQTT 3.1), 4 (3.1.1) or 5
 * @param listener        the configuration PID of the listener the client connected through (e.g.
 *                        {@code io.pigeon.listener~8883}), "" for the built-in default listener and in-process
 *                        clients; with {@code per_listener_settings true} it selects the listener's own
 *                        allow_anonymous, password_file and acl_file
 */
public record ClientIdentity(String clientId, String username, String remoteAddress, int protocolVersion,
        String listener) {

    public ClientIdentity {
        listener = listener == null ? "" : listener;
    }

    /** A client of no particular listener: the broker-wide security settings apply to it. */
    public ClientIdentity(String clientId, String username, String remoteAddress, int protocolVersion) {
        this(clientId, username, remoteAddress, protocolVersion, "");
    }

    /** The remote address of clients inside the gateway's own process. */
    public static final String IN_PROCESS = "in-process";

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /** Whether this client runs on this machine; see {@link #isLocal(String)}. */
    public boolean isLocal() {
        return isLocal(remoteAddress);
    }

    /**
     * True for {@value #IN_PROCESS} and for "host:port" with a loopback IP literal (127.0.0.0/8, ::1,
     * ::ffff:127.x.y.z). Anything else, host names included, counts as remote: no name is ever looked up.
     */
    public static boolean isLocal(String remoteAddress) {
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
            // a literal is parsed, never resolved
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
