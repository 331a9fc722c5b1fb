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
 * @param failover              which server a new attempt goes to when there are several (added in 0.2.0)
 * @param reconnect             connect again after a lost connection or a round of failed attempts; false makes one
 *                              round through the servers and, once connected, stays down after the connection is
 *                              lost (Mosquitto's bridge {@code start_type once}; added in 0.2.0)
 * @param bindAddress           local IP address (or host name) the socket binds to, or null for the system's
 *                              choice (Mosquitto's {@code bridge_bind_address}; added in 0.2.0)
 * @param resubscribe           send every subscription again after each CONNACK, also when the broker kept the
 *                              session, so that it sends its retained messages again, as Mosquitto's bridges do on
 *                              every connect (added in 0.2.0)
 * @param unsubscribeOnConnect  filters unsubscribed after each CONNACK, before the subscriptions are sent: a kept
 *                              session may still hold them from an earlier configuration (Mosquitto's
 *                              {@code bridge_attempt_unsubscribe}); empty for none (added in 0.2.0)
 * @param maximumPacketSize     the largest PUBLISH packet sent, in bytes, headers included; 0 for no limit but the
 *                              MQTT 5 broker's Maximum Packet Size, which always applies as well. A larger message
 *                              fails with reason code 0x95 (Mosquitto's {@code bridge_max_packet_size}; added in
 *                              0.2.0)
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
        DropPolicy offlineDropPolicy, boolean bridge, Failover failover, boolean reconnect, String bindAddress,
        boolean resubscribe, List<String> unsubscribeOnConnect, int maximumPacketSize) {

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
        Objects.requireNonNull(failover, "failover");
        unsubscribeOnConnect = List.copyOf(unsubscribeOnConnect);
        if (maximumPacketSize < 0) {
            throw new IllegalArgumentException("maximum packet size must be 0 (no limit) or more, not "
                    + maximumPacketSize);
        }
    }

    /** The options of 0.1.0, with the 0.2.0 ones at their defaults (see {@link Builder}). */
    public ClientOptions(List<String> servers, String clientId, int protocolVersion, String username,
            String password, boolean cleanStart, long sessionExpirySeconds, int keepAliveSeconds, Message will,
            Tls tls, Duration reconnectMin, Duration reconnectMax, int offlineBufferMessages,
            DropPolicy offlineDropPolicy, boolean bridge) {
        this(servers, clientId, protocolVersion, username, password, cleanStart, sessionExpirySeconds,
                keepAliveSeconds, will, tls, reconnectMin, reconnectMax, offlineBufferMessages, offlineDropPolicy,
                bridge, Failover.IN_ORDER, true, null, false, List.of(), 0);
    }

    /** Like a record's, but never with the password: options end up in log lines and error messages. */
    @Override
    public String toString() {
        return "ClientOptions[servers=" + servers + ", clientId=" + clientId + ", protocolVersion=" + protocolVersion
                + ", username=" + username + ", password=" + (password == null ? "none" : "(set)") + ", cleanStart="
                + cleanStart + ", sessionExpirySeconds=" + sessionExpirySeconds + ", keepAliveSeconds="
                + keepAliveSeconds + ", will=" + (will == null ? "none" : will.topic()) + ", tls=" + tls
                + ", reconnect=" + reconnect + " " + reconnectMin + ".." + reconnectMax + ", offlineBufferMessages="
                + offlineBufferMessages + " " + offlineDropPolicy + ", bridge=" + bridge + ", failover=" + failover
                + ", bindAddress=" + bindAddress + ", resubscribe=" + resubscribe + ", unsubscribeOnConnect="
                + unsubscribeOnConnect + ", maximumPacketSize=" + maximumPacketSize + "]";
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

    /** Which server a new connection attempt goes to, when {@link #servers()} has several (added in 0.2.0). */
    public enum Failover {
        /**
         * Each round of attempts starts at the first server and goes down the list; a connection to a later one is
         * kept until it is lost.
         */
        IN_ORDER,
        /**
         * As {@link #IN_ORDER}, and while connected to a later server the client checks every 5 s whether the first
         * one accepts connections again, and then moves back to it (Mosquitto's bridges with {@code round_robin
         * false}: the first address is the main one).
         */
        PRIMARY,
        /**
         * All servers are equals: after a lost connection or a failed attempt the next server in the list is tried,
         * going round, and a connection is kept until it is lost (Mosquitto's {@code round_robin true}).
         */
        ROUND_ROBIN
    }

    /**
     * TLS settings, in Mosquitto's terms: PEM files as {@code --cafile}, {@code --cert} and {@code --key} take them.
     *
     * @param caFile         trusted CA certificates (PEM), or null for the JVM's default trust store
     * @param certFile       client certificate (PEM), or null
     * @param keyFile        the client certificate's private key (PEM), or null
     * @param insecure       skip the host name check (Mosquitto's {@code --insecure} / {@code bridge_insecure})
     * @param minimumVersion the lowest TLS version offered, {@code "tlsv1.2"} (1.2 and 1.3) or {@code "tlsv1.3"},
     *                       as Mosquitto's {@code --tls-version} and {@code bridge_tls_version}; null for the JVM's
     *                       defaults (added in 0.2.0)
     */
    public record Tls(String caFile, String certFile, String keyFile, boolean insecure, String minimumVersion) {
        public static final Tls DEFAULT = new Tls(null, null, null, false);

        public Tls {
            if (minimumVersion != null && !minimumVersion.equals("tlsv1.2") && !minimumVersion.equals("tlsv1.3")) {
                throw new IllegalArgumentException("TLS version '" + minimumVersion + "' must be tlsv1.2 or tlsv1.3"
                        + " (older versions are turned off in Java, as unsafe)");
            }
        }

        /** The files of 0.1.0, with the JVM's TLS versions. */
        public Tls(String caFile, String certFile, String keyFile, boolean insecure) {
            this(caFile, certFile, keyFile, insecure, null);
        }
    }

    /**
     * Builder with the defaults: MQTT 5, clean start, keep alive 60 s, reconnect 1 s .. 60 s, buffer 1,000, servers
     * {@link Failover#IN_ORDER}, no bind address, subscriptions sent again only for a session the broker did not keep,
     * no packet size limit of its own.
     */
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
        private Failover failover = Failover.IN_ORDER;
        private boolean reconnect = true;
        private String bindAddress;
        private boolean resubscribe;
        private List<String> unsubscribeOnConnect = List.of();
        private int maximumPacketSize;

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

        public Builder failover(Failover v) {
            failover = v;
            return this;
        }

        /** False: no new attempt after a lost connection or a failed round (see {@link ClientOptions#reconnect()}). */
        public Builder reconnect(boolean v) {
            reconnect = v;
            return this;
        }

        public Builder bindAddress(String v) {
            bindAddress = v;
            return this;
        }

        public Builder resubscribe(boolean v) {
            resubscribe = v;
            return this;
        }

        public Builder unsubscribeOnConnect(List<String> filters) {
            unsubscribeOnConnect = filters;
            return this;
        }

        public Builder maximumPacketSize(int bytes) {
            maximumPacketSize = bytes;
            return this;
        }

        public ClientOptions build() {
            return new ClientOptions(servers, clientId, protocolVersion, username, password, cleanStart,
                    sessionExpirySeconds, keepAliveSeconds, will, tls, reconnectMin, reconnectMax,
                    offlineBufferMessages, offlineDropPolicy, bridge, failover, reconnect, bindAddress, resubscribe,
                    unsubscribeOnConnect, maximumPacketSize);
        }
    }
}
