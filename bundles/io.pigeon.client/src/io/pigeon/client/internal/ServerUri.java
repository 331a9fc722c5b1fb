package io.pigeon.client.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.pigeon.client.ClientOptions;

/**
 * One entry of {@link ClientOptions#servers()}, checked: {@code embedded}, or {@code mqtt://host[:port]} (1883),
 * {@code mqtts://host[:port]} (8883), {@code ws://host[:port][/path]} (80, /mqtt) or {@code wss://host[:port][/path]}
 * (443, /mqtt).
 *
 * @param scheme "embedded", "mqtt", "mqtts", "ws" or "wss"
 * @param host   host name or address, null for embedded
 * @param port   TCP port, 0 for embedded
 * @param path   WebSocket path with query, null otherwise
 * @param text   the entry as given, for messages
 */
public record ServerUri(String scheme, String host, int port, String path, String text) {

    /** Parses every entry; an embedded broker cannot be mixed with remote ones. */
    public static List<ServerUri> parseAll(List<String> servers) {
        List<ServerUri> out = new ArrayList<>();
        for (String s : servers) {
            out.add(parse(s));
        }
        boolean embedded = out.stream().anyMatch(ServerUri::isEmbedded);
        if (embedded && out.size() > 1) {
            throw new IllegalArgumentException("Servers " + servers + " mix \"" + ClientOptions.EMBEDDED
                    + "\" with other servers: a client talks either to the broker in this runtime or to remote "
                    + "brokers; give one or the other");
        }
        return out;
    }

    public static ServerUri parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("An empty server: give \"" + ClientOptions.EMBEDDED
                    + "\" or a URI such as mqtt://host:1883");
        }
        String trimmed = text.trim();
        if (trimmed.equalsIgnoreCase(ClientOptions.EMBEDDED)) {
            return new ServerUri(ClientOptions.EMBEDDED, null, 0, null, trimmed);
        }
        URI uri;
        try {
            uri = new URI(trimmed);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("Server '" + text + "' is not a URI (" + e.getReason()
                    + "): write it as mqtt://host:1883, mqtts://host:8883, ws://host:80/mqtt or wss://host:443/mqtt");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        int defaultPort = switch (scheme) {
            case "mqtt", "tcp" -> 1883;
            case "mqtts", "ssl" -> 8883;
            case "ws" -> 80;
            case "wss" -> 443;
            default -> throw new IllegalArgumentException("Server '" + text + "' has the scheme '" + scheme
                    + "', which is not supported: use embedded, mqtt://, mqtts://, ws:// or wss://");
        };
        scheme = scheme.equals("tcp") ? "mqtt" : scheme.equals("ssl") ? "mqtts" : scheme;
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("Server '" + text + "' has no host: write it as " + scheme
                    + "://host:" + defaultPort);
        }
        int port = uri.getPort() == -1 ? defaultPort : uri.getPort();
        String path = null;
        if (scheme.startsWith("ws")) {
            path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/mqtt" : uri.getRawPath();
            if (uri.getRawQuery() != null) {
                path += "?" + uri.getRawQuery();
            }
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new ServerUri(scheme, host, port, path, trimmed);
    }

    public boolean isEmbedded() {
        return scheme.equals(ClientOptions.EMBEDDED);
    }

    public boolean isTls() {
        return scheme.equals("mqtts") || scheme.equals("wss");
    }

    public boolean isWebSocket() {
        return scheme.startsWith("ws");
    }

    @Override
    public String toString() {
        return text;
    }
}
