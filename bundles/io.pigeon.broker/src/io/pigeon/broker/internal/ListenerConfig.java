package io.pigeon.broker.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/** One network listener, factory PID {@code io.pigeon.listener} (a {@code listener PORT [ADDRESS]} section). */
@ObjectClassDefinition(name = "Pigeon MQTT listener",
        description = "A port the broker accepts MQTT connections on.")
public @interface ListenerConfig {

    String FACTORY_PID = "io.pigeon.listener";

    @AttributeDefinition(description = "TCP port; 0 picks a free port.", min = "0", max = "65535")
    int port() default 1883;

    @AttributeDefinition(description = "Address to bind; empty for all interfaces.")
    String bind_address() default "";

    @AttributeDefinition(description = "Connections this listener accepts at once; -1 = the broker's max_connections.")
    int max_connections() default -1;

    @AttributeDefinition(description = "Protocol: mqtt (MQTT over TCP) or websockets (MQTT over WebSockets, paths /"
            + " and /mqtt, subprotocol mqtt).", options = {
                @Option(label = "mqtt", value = "mqtt"), @Option(label = "websockets", value = "websockets") })
    String protocol() default "mqtt";

    @AttributeDefinition(description = "Highest QoS for clients of this listener: 0, 1 or 2; -1 = the broker's "
            + "max_qos.")
    int max_qos() default -1;

    @AttributeDefinition(description = "Topic aliases an MQTT 5 client of this listener may use; -1 = the broker's "
            + "max_topic_alias.")
    int max_topic_alias() default -1;

    @AttributeDefinition(description = "Prefix added to every topic of this listener's clients and removed from "
            + "what they receive, so they see only their own part of the topic tree; empty for none.")
    String mount_point() default "";

    @AttributeDefinition(description = "PEM certificate (chain) of the server; with keyfile, the listener speaks"
            + " TLS. Empty for a plain listener.")
    String certfile() default "";

    @AttributeDefinition(description = "PEM private key of certfile: PKCS#8, PKCS#1 (RSA) or SEC1 (EC), unencrypted.")
    String keyfile() default "";

    @AttributeDefinition(description = "PEM file of the CA certificates that client certificates must be signed by.")
    String cafile() default "";

    @AttributeDefinition(description = "Directory of PEM CA certificates, as cafile.")
    String capath() default "";

    @AttributeDefinition(description = "PEM certificate revocation list checked for client certificates.")
    String crlfile() default "";

    @AttributeDefinition(description = "Lowest TLS version allowed: tlsv1.2 (the default, allows 1.3) or tlsv1.3.")
    String tls_version() default "";

    @AttributeDefinition(description = "TLS 1.2 cipher suites, OpenSSL names separated by ':'; empty for the JVM's.")
    String ciphers() default "";

    @AttributeDefinition(description = "TLS 1.3 cipher suites separated by ':'; empty for the JVM's.")
    String ciphers_tls1_3() default "";

    @AttributeDefinition(description = "Clients must present a certificate signed by cafile/capath.")
    boolean require_certificate() default false;

    @AttributeDefinition(description = "The Common Name of the client certificate is the client's user name (no"
            + " password check; ACLs apply to it).")
    boolean use_identity_as_username() default false;

    @AttributeDefinition(description = "The whole subject of the client certificate (RFC 2253) is the user name.")
    boolean use_subject_as_username() default false;

    @AttributeDefinition(description = "Where the listener came from (file:line), set by io.pigeon.config.")
    String config_source() default "";

    @AttributeDefinition(description = "Where each setting came from, as KEY=FILE:LINE, set by io.pigeon.config.")
    String[] config_sources() default {};
}
