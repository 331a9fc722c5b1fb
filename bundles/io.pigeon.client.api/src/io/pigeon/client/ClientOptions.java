package io.pigeon.client;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import io.pigeon.broker.Message;

/**
 * How to connect. Build with {@link #builder(String...)}.
 *
 * @param servers               where to connect, tried in order for failover: {@value #EMBEDDED} for the
 *                              broker in this runtime (no socket), or {@code mqtt://host:port},
 *                              {@code mqtts://host:port}, {@code ws://host:port/mqtt}, {@code wss://host:port/mqtt}
 * @param clientId              MQTT client identifier; empty lets the broker assign one (MQTT 5)
 * @param protocolVersion       3 (3.1), 4 (3.1.1) or 5
 * @param username              user name, or null
 * @param password              password, or null
 * @param cleanStart            clean start (MQTT 5) / clean session (3.1.1)
 * @param sessionExpirySeconds  MQTT 5 Session Expiry Interval; ignored before MQTT 5
 * @param keepAliveSeconds      keep alive, 0 for none
 * @param will                  the last will, or null
 * @param tls                   TLS files for mqtts/wss; {@link Tls#DEFAULT} trusts the JVM's CAs
 * @param reconnectMin          first reconnect delay; doubles up to {@code reconnectMax}
 * @param reconnectMax          longest reconnect delay
 * @param offlineBufferMessages publishes kept while disconnected; 0 fails them at once
 * @param offlineDropPolicy     which message gives way when the offline buffer is full
 * @param bridge                announce a bridge (Mosquitto's {@code try_private}): the protocol version byte
 *                              carries 0x80, so a Mosquitto upstream does not echo bridged messages back
 *                              <p>
 *                              With {@value #EMBEDDED} there is no network connection: the client id only names the
 *                              client in log lines, and credentials, keep alive, session, TLS, reconnect and bridge
 *                              options do not apply (in-process clients are trusted). The will is published when the
 *                              client ends without {@link MqttClient#close()}, because the bundle that opened it
 *                              stopped. The offline buffer holds publishes while the broker bundle is stopped.
 */
public record ClientOptions(List<String> servers, String clientId, int protocolVersion, String username,
        String password, boolean cleanStart, long sessionExpirySeconds, int keepAliveSeconds, Message will,
        Tls tls, Duration reconnectMin, Duration reconnectMax, int offlineBufferMessages,
        DropPolicy offlineDropPolicy, boolean bridge) {

    /** The server URI of the broker in this runtime. */
    public static final String EMBEDDED = "embedded";

    public ClientOptions {
        servers = List.copyOf(servers);
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("no server: give \"embedded\" or a URI such as mqtt://host:1883");
        }
        Objects.requireNonNull(clientId, "clientId");
        if (protocolVersion < 3 || protocolVersion > 5) {
            throw new IllegalArgumentException("protocol version must be 3, 4 or 5, not " + protocolVersion);
        }
        tls = tls == null ? Tls.DEFAULT : tls;
        Objects.requireNonNull(reconnectMin, "reconnectMin");
        Objects.requireNonNull(reconnectMax, "reconnectMax");
        Objects.requireNonNull(offlineDropPolicy, "offlineDropPolicy");
    }

    public static Builder builder(String... servers) {
        return new Builder(List.of(servers));
    }

    /** What gives way when the offline buffer is full. */
    public enum DropPolicy {
        /** The oldest waiting message is dropped (and its stage failed) to make room. */
        DROP_OLDEST,
        /** The new message is refused (its stage fails at once). */
        DROP_NEWEST
    }

    /**
     * TLS settings, in Mosquitto's terms: PEM files as {@code --cafile}, {@code --cert} and {@code --key} take them.
     *
     * @param caFile   trusted CA certificates (PEM), or null for the JVM's default trust store
     * @param certFile client certificate (PEM), or null
     * @param keyFile  the client certificate's private key (PEM), or null
     * @param insecure skip the host name check (Mosquitto's {@code --insecure} / {@code bridge_insecure})
     */
    public record Tls(String caFile, String certFile, String keyFile, boolean insecure) {
        public static final Tls DEFAULT = new Tls(null, null, null, false);
    }

    /** Builder with the defaults: MQTT 5, clean start, keep alive 60 s, reconnect 1 s .. 60 s, buffer 1,000. */
    public static final class Builder {
        private final List<String> servers;
        private String clientId = "";
        private int protocolVersion = 5;
        private String username;
        private String password;
        private boolean cleanStart = true;
        private long sessionExpirySeconds;
        private int keepAliveSeconds = 60;
        private Message will;
        private Tls tls = Tls.DEFAULT;
        private Duration reconnectMin = Duration.ofSeconds(1);
        private Duration reconnectMax = Duration.ofSeconds(60);
        private int offlineBufferMessages = 1000;
        private DropPolicy offlineDropPolicy = DropPolicy.DROP_OLDEST;
        private boolean bridge;

        private Builder(List<String> servers) {
            this.servers = servers;
        }

        public Builder clientId(String v) {
            clientId = v;
            return this;
        }

        public Builder protocolVersion(int v) {
            protocolVersion = v;
            return this;
        }

        public Builder credentials(String user, String pass) {
            username = user;
            password = pass;
            return this;
        }

        public Builder cleanStart(boolean v) {
            cleanStart = v;
            return this;
        }

        public Builder sessionExpirySeconds(long v) {
            sessionExpirySeconds = v;
            return this;
        }

        public Builder keepAliveSeconds(int v) {
            keepAliveSeconds = v;
            return this;
        }

        public Builder will(Message v) {
            will = v;
            return this;
        }

        public Builder tls(Tls v) {
            tls = v;
            return this;
        }

        public Builder reconnect(Duration min, Duration max) {
            reconnectMin = min;
            reconnectMax = max;
            return this;
        }

        public Builder offlineBuffer(int messages, DropPolicy policy) {
            offlineBufferMessages = messages;
            offlineDropPolicy = policy;
            return this;
        }

        public Builder bridge(boolean v) {
            bridge = v;
            return this;
        }

        public ClientOptions build() {
            return new ClientOptions(servers, clientId, protocolVersion, username, password, cleanStart,
                    sessionExpirySeconds, keepAliveSeconds, will, tls, reconnectMin, reconnectMax,
                    offlineBufferMessages, offlineDropPolicy, bridge);
        }
    }
}
