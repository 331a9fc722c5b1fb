package io.pigeon.config.internal;

import static io.pigeon.config.internal.Directive.Scope.BRIDGE;
import static io.pigeon.config.internal.Directive.Scope.GLOBAL;
import static io.pigeon.config.internal.Directive.Scope.LISTENER;
import static io.pigeon.config.internal.Directive.Scope.LOGGING;
import static io.pigeon.config.internal.Directive.Scope.SECURITY;
import static io.pigeon.config.internal.Directive.Scope.STRUCTURE;
import static io.pigeon.config.internal.Directive.Support.IMPLEMENTED;
import static io.pigeon.config.internal.Directive.Support.PENDING;
import static io.pigeon.config.internal.Directive.Support.UNSUPPORTED;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.pigeon.config.internal.Directive.Scope;
import io.pigeon.config.internal.Directive.Support;

/**
 * The directive table: every directive of mosquitto.conf(5) (Mosquitto 2.0) plus Pigeon's own (log_level,
 * log_file_max_bytes, log_file_count, topic_alias_maximum). A word that is not in this table is an error.
 * <p>
 * The special syntax of listener, connection, include_dir, log_dest, log_type and log_level is handled by
 * {@link ConfParser}; their rows here give scope and support.
 */
final class Directives {

    private static final int MAX_PACKET = 268_435_455;
    private static final int U16 = 65_535;

    private static final Map<String, Directive> TABLE = build();

    private Directives() {
    }

    static Optional<Directive> find(String name) {
        return Optional.ofNullable(TABLE.get(name));
    }

    static Map<String, Directive> all() {
        return Collections.unmodifiableMap(TABLE);
    }

    private static Map<String, Directive> build() {
        Map<String, Directive> t = new LinkedHashMap<>();

        // structure
        put(t, "listener", STRUCTURE, IMPLEMENTED, null);
        put(t, "include_dir", STRUCTURE, IMPLEMENTED, null);
        // Moves allow_anonymous, password_file and acl_file into the listeners (io.pigeon.auth's ListenerSecurity)
        put(t, "per_listener_settings", STRUCTURE, IMPLEMENTED, ValueType.bool());
        put(t, "connection", STRUCTURE, IMPLEMENTED, null);

        // broker (issue 3)
        put(t, "max_inflight_messages", GLOBAL, IMPLEMENTED, ValueType.intRange(0, U16));
        put(t, "max_queued_messages", GLOBAL, IMPLEMENTED, ValueType.intRange(0, Integer.MAX_VALUE));
        put(t, "max_queued_bytes", GLOBAL, IMPLEMENTED, ValueType.longRange(0, Long.MAX_VALUE));
        put(t, "max_packet_size", GLOBAL, IMPLEMENTED, ValueType.intRange(0, MAX_PACKET));
        put(t, "message_size_limit", GLOBAL, IMPLEMENTED, ValueType.intRange(0, MAX_PACKET));
        put(t, "max_keepalive", GLOBAL, IMPLEMENTED, ValueType.intRange(0, U16));
        put(t, "retain_available", GLOBAL, IMPLEMENTED, ValueType.bool());
        put(t, "persistent_client_expiration", GLOBAL, IMPLEMENTED, ValueType.duration());
        put(t, "set_tcp_nodelay", GLOBAL, IMPLEMENTED, ValueType.bool());
        put(t, "sys_interval", GLOBAL, IMPLEMENTED, ValueType.intRange(0, U16));
        put(t, "upgrade_outgoing_qos", GLOBAL, IMPLEMENTED, ValueType.bool());
        put(t, "max_connections", LISTENER, IMPLEMENTED, ValueType.intRange(-1, Integer.MAX_VALUE));
        put(t, "max_qos", LISTENER, IMPLEMENTED, ValueType.intRange(0, 2));
        put(t, "max_topic_alias", LISTENER, IMPLEMENTED, ValueType.intRange(0, U16));
        t.put("topic_alias_maximum", new Directive("topic_alias_maximum", LISTENER, IMPLEMENTED, false,
                "max.topic.alias", ValueType.intRange(0, U16), null));
        put(t, "protocol", LISTENER, IMPLEMENTED, ValueType.oneOf("mqtt", "websockets"));
        put(t, "mount_point", LISTENER, IMPLEMENTED, ValueType.topicName());
        put(t, "bind_address", LISTENER, IMPLEMENTED, ValueType.word());
        put(t, "port", LISTENER, IMPLEMENTED, ValueType.intRange(1, U16));
        // TLS per listener: the files are read and checked when the file is (see TlsFiles)
        put(t, "certfile", LISTENER, IMPLEMENTED, ValueType.existingFile());
        put(t, "keyfile", LISTENER, IMPLEMENTED, ValueType.existingFile());
        put(t, "cafile", LISTENER, IMPLEMENTED, ValueType.existingFile());
        put(t, "capath", LISTENER, IMPLEMENTED, ValueType.existingDirectory());
        put(t, "crlfile", LISTENER, IMPLEMENTED, ValueType.existingFile());
        put(t, "tls_version", LISTENER, IMPLEMENTED, ValueType.tlsVersion());
        put(t, "ciphers", LISTENER, IMPLEMENTED, ValueType.cipherList());
        put(t, "ciphers_tls1.3", LISTENER, IMPLEMENTED, ValueType.cipherList());
        put(t, "require_certificate", LISTENER, IMPLEMENTED, ValueType.bool());
        put(t, "use_identity_as_username", LISTENER, IMPLEMENTED, ValueType.bool());
        put(t, "use_subject_as_username", LISTENER, IMPLEMENTED, ValueType.bool());
        put(t, "allow_zero_length_clientid", SECURITY, IMPLEMENTED, ValueType.bool());

        // durable store: io.pigeon.store
        put(t, "persistence", GLOBAL, IMPLEMENTED, ValueType.bool());
        put(t, "persistence_location", GLOBAL, IMPLEMENTED, ValueType.path());
        put(t, "persistence_file", GLOBAL, IMPLEMENTED, ValueType.word());
        put(t, "auto_id_prefix", SECURITY, IMPLEMENTED, ValueType.word());

        // logging
        put(t, "log_level", LOGGING, IMPLEMENTED, null);
        put(t, "log_type", LOGGING, IMPLEMENTED, null);
        put(t, "log_dest", LOGGING, IMPLEMENTED, null);
        put(t, "log_timestamp", LOGGING, IMPLEMENTED, ValueType.bool());
        put(t, "log_file_max_bytes", LOGGING, IMPLEMENTED, ValueType.longRange(4096, Long.MAX_VALUE));
        put(t, "log_file_count", LOGGING, IMPLEMENTED, ValueType.intRange(1, 100));

        // authentication and authorization: io.pigeon.auth
        put(t, "allow_anonymous", SECURITY, IMPLEMENTED, ValueType.bool());
        put(t, "password_file", SECURITY, IMPLEMENTED, ValueType.existingFile());
        put(t, "acl_file", SECURITY, IMPLEMENTED, ValueType.existingFile());

        // operations still to come: read, checked and passed on, with a warning that Pigeon does not act on them
        // bridges (issue 4)
        put(t, "address", BRIDGE, IMPLEMENTED, ValueType.addresses());
        t.put("addresses", new Directive("addresses", BRIDGE, IMPLEMENTED, false, "address", ValueType.addresses(), null));
        t.put("topic", new Directive("topic", BRIDGE, IMPLEMENTED, true, "topic", ValueType.bridgeTopic(), null));
        put(t, "remote_username", BRIDGE, IMPLEMENTED, ValueType.word());
        // A leading '.' makes the key private: DS does not copy it into the bridge's service properties.
        t.put("remote_password", new Directive("remote_password", BRIDGE, IMPLEMENTED, false, ".remote.password",
                ValueType.string(), null));
        put(t, "remote_clientid", BRIDGE, IMPLEMENTED, ValueType.word());
        t.put("username", new Directive("username", BRIDGE, IMPLEMENTED, false, "remote.username", ValueType.word(), null));
        t.put("password", new Directive("password", BRIDGE, IMPLEMENTED, false, ".remote.password", ValueType.string(), null));
        t.put("clientid", new Directive("clientid", BRIDGE, IMPLEMENTED, false, "remote.clientid", ValueType.word(), null));
        put(t, "cleansession", BRIDGE, IMPLEMENTED, ValueType.bool());
        put(t, "keepalive_interval", BRIDGE, IMPLEMENTED, ValueType.intRange(5, U16));
        put(t, "restart_timeout", BRIDGE, IMPLEMENTED, ValueType.restartTimeout());
        put(t, "bridge_protocol_version", BRIDGE, IMPLEMENTED, ValueType.oneOf("mqttv50", "mqttv311", "mqttv31"));
        put(t, "try_private", BRIDGE, IMPLEMENTED, ValueType.bool());
        put(t, "notifications", BRIDGE, IMPLEMENTED, ValueType.bool());
        put(t, "bridge_cafile", BRIDGE, IMPLEMENTED, ValueType.existingFile());
        put(t, "bridge_certfile", BRIDGE, IMPLEMENTED, ValueType.existingFile());
        put(t, "bridge_keyfile", BRIDGE, IMPLEMENTED, ValueType.existingFile());
        put(t, "bridge_insecure", BRIDGE, IMPLEMENTED, ValueType.bool());
        put(t, "notification_topic", BRIDGE, IMPLEMENTED, ValueType.topicName());
        // Pigeon's own: how much the store-and-forward queue may hold on disk while the upstream is away.
        put(t, "bridge_max_queued_bytes", BRIDGE, IMPLEMENTED, ValueType.longRange(1024, Long.MAX_VALUE));
        put(t, "notifications_local_only", BRIDGE, IMPLEMENTED, ValueType.bool());
        put(t, "start_type", BRIDGE, IMPLEMENTED, ValueType.oneOf("automatic", "lazy", "once"));
        put(t, "threshold", BRIDGE, IMPLEMENTED, ValueType.intRange(1, Integer.MAX_VALUE));
        put(t, "idle_timeout", BRIDGE, IMPLEMENTED, ValueType.intRange(1, Integer.MAX_VALUE));
        put(t, "round_robin", BRIDGE, IMPLEMENTED, ValueType.bool());
        put(t, "bridge_attempt_unsubscribe", BRIDGE, IMPLEMENTED, ValueType.bool());
        put(t, "bridge_outgoing_retain", BRIDGE, IMPLEMENTED, ValueType.bool());
        put(t, "bridge_tls_version", BRIDGE, IMPLEMENTED, ValueType.tlsVersion());
        put(t, "bridge_bind_address", BRIDGE, IMPLEMENTED, ValueType.word());
        put(t, "bridge_max_packet_size", BRIDGE, IMPLEMENTED, ValueType.intRange(0, MAX_PACKET));
        put(t, "local_clientid", BRIDGE, IMPLEMENTED, ValueType.word());

        // Mosquitto directives Pigeon does not have
        String ignored = "Pigeon ignores it.";
        no(t, "allow_duplicate_messages", GLOBAL, "Pigeon delivers a message once per matching subscription, as MQTT"
                + " 3.1.1 and 5 require.");
        no(t, "auth_plugin", SECURITY, "Pigeon has no C plugins; it reads password_file and acl_file itself.");
        no(t, "plugin", SECURITY, "Pigeon has no C plugins; it reads password_file and acl_file itself.");
        no(t, "auth_plugin_deny_special_chars", SECURITY, "Pigeon has no C plugins. " + ignored);
        no(t, "autosave_interval", GLOBAL, "Pigeon writes each QoS 1/2 message to disk before acknowledging it,"
                + " so there is nothing to autosave.");
        no(t, "autosave_on_changes", GLOBAL, "Pigeon writes QoS 1/2 messages to disk before acknowledging them, so"
                + " there is nothing to autosave.");
        no(t, "bind_interface", LISTENER, "Pigeon binds to addresses; give the interface's address on the listener"
                + " line instead.");
        no(t, "check_retain_source", GLOBAL, ignored);
        no(t, "clientid_prefixes", SECURITY, "Pigeon accepts any client id; use acl_file to restrict clients.");
        no(t, "connection_messages", GLOBAL, "Pigeon logs connections at info level; use log_level to change it.");
        no(t, "dhparamfile", LISTENER, "Pigeon uses the JVM's Diffie-Hellman parameters.");
        no(t, "http_dir", LISTENER, "Pigeon serves MQTT only on its websockets listeners, no files;"
                + " the console has its own web server.");
        no(t, "log_facility", LOGGING, "Pigeon logs to stdout and logs/pigeon.log, not to syslog.");
        no(t, "log_timestamp_format", LOGGING, "Pigeon writes ISO-8601 UTC timestamps.");
        no(t, "max_inflight_bytes", GLOBAL, "Pigeon limits in-flight messages by count (max_inflight_messages).");
        no(t, "memory_limit", GLOBAL, "Pigeon's memory is bounded by the JVM heap (PIGEON_JAVA_OPTS, default"
                + " -Xmx64m).");
        no(t, "pid_file", GLOBAL, "Pigeon runs in the foreground; systemd tracks its process.");
        no(t, "psk_file", SECURITY, "Pigeon does not support TLS-PSK; use certificates.");
        no(t, "psk_hint", LISTENER, "Pigeon does not support TLS-PSK; use certificates.");
        no(t, "queue_qos0_messages", GLOBAL, "Pigeon queues only QoS 1 and 2 messages for offline clients.");
        no(t, "retry_interval", GLOBAL, "Pigeon retries unacknowledged messages on reconnect, as MQTT requires.");
        no(t, "socket_domain", LISTENER, "Pigeon listens on IPv4 and IPv6; give a bind address to choose one.");
        no(t, "tls_engine", LISTENER, "Pigeon uses the JVM's TLS provider.");
        no(t, "tls_engine_kpass_sha1", LISTENER, "Pigeon uses the JVM's TLS provider.");
        no(t, "tls_keyform", LISTENER, "Pigeon reads PEM keys only.");
        no(t, "use_username_as_clientid", LISTENER, ignored);
        no(t, "user", GLOBAL, "Pigeon does not change user; run it as the user it should be (etc/pigeon.service).");
        no(t, "websockets_headers_size", LISTENER, ignored);
        no(t, "websockets_log_level", LISTENER, "Use log_level to set the level of Pigeon's loggers.");
        no(t, "bridge_alpn", BRIDGE, "Pigeon's bridges offer no ALPN protocol; use an upstream port that speaks MQTT"
                + " without it.");
        no(t, "bridge_capath", BRIDGE, "Pigeon reads CA certificates from one file; put them into one PEM file (cat"
                + " DIR/*.crt > ca.pem) and give it as bridge_cafile.");
        no(t, "bridge_identity", BRIDGE, "Pigeon does not support TLS-PSK; use certificates (bridge_cafile,"
                + " bridge_certfile, bridge_keyfile).");
        no(t, "bridge_psk", BRIDGE, "Pigeon does not support TLS-PSK; use certificates (bridge_cafile,"
                + " bridge_certfile, bridge_keyfile).");
        no(t, "bridge_require_ocsp", BRIDGE, "Pigeon's bridges check the upstream's certificate against bridge_cafile"
                + " without asking for OCSP stapling.");
        no(t, "local_cleansession", BRIDGE, "Pigeon keeps the bridge's outgoing QoS 1/2 messages on disk while the"
                + " upstream is away whatever cleansession says, as Mosquitto does with local_cleansession false.");
        no(t, "local_password", BRIDGE, "Pigeon's bridges publish and subscribe inside the broker without logging in,"
                + " and ACLs do not apply to them (Mosquitto 2.0 skips ACL checks for bridges too).");
        no(t, "local_username", BRIDGE, "Pigeon's bridges publish and subscribe inside the broker without logging in,"
                + " and ACLs do not apply to them (Mosquitto 2.0 skips ACL checks for bridges too).");
        return t;
    }

    private static void put(Map<String, Directive> t, String name, Scope scope, Support support, ValueType type) {
        t.put(name, new Directive(name, scope, support, false, Directive.keyOf(name), type, null));
    }

    private static void no(Map<String, Directive> t, String name, Scope scope, String instead) {
        t.put(name, new Directive(name, scope, UNSUPPORTED, false, Directive.keyOf(name), null, instead));
    }
}
