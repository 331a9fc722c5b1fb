package io.pigeon.client.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * The gateway's own MQTT connection, PID {@code io.pigeon.client}. DS maps '_' in the method names to '.' in the
 * property keys ({@code client_id} is {@code client.id}). The password's key is {@code .password}: a private
 * property, so DS does not copy it into the service registry where anyone could read it.
 */
@ObjectClassDefinition(name = "Pigeon gateway connection",
        description = "The MQTT connection the gateway's own bundles (GPIO bridge, whiteboard handlers) use: to the "
                + "broker in this runtime, or to a central broker.")
public @interface GatewayConfig {

    String PID = "io.pigeon.client";

    @AttributeDefinition(description = "Servers, tried in order for failover: embedded (the broker in this runtime, "
            + "no socket), or mqtt://host:1883, mqtts://host:8883, ws://host:80/mqtt, wss://host:443/mqtt.")
    String[] servers() default {"embedded"};

    @AttributeDefinition(description = "MQTT client identifier; empty for pigeon-<hostname>.")
    String client_id() default "";

    @AttributeDefinition(description = "MQTT protocol version.",
            options = {@Option(value = "3", label = "3.1"), @Option(value = "4", label = "3.1.1"),
                @Option(value = "5", label = "5.0")})
    int protocol_version() default 5;

    @AttributeDefinition(description = "User name for a remote broker; empty for none.", required = false)
    String username() default "";

    @AttributeDefinition(description = "Password for a remote broker; empty for none.", type = AttributeType.PASSWORD,
            required = false)
    String _password() default "";

    @AttributeDefinition(description = "Start a clean session on every connect. With false the broker keeps the "
            + "session, and QoS 1/2 messages, across reconnects.")
    boolean clean_start() default true;

    @AttributeDefinition(description = "MQTT 5 Session Expiry Interval in seconds, used with clean_start false.",
            min = "0", max = "4294967295")
    long session_expiry() default 0;

    @AttributeDefinition(description = "Keep alive in seconds; 0 for none.", min = "0", max = "65535")
    int keepalive() default 60;

    /** Stands for the gateway id in {@link #will_topic()}: the host name, as the GPIO bridge's gateway.id default. */
    String GATEWAY_ID_TOKEN = "{gateway-id}";

    @AttributeDefinition(description = "Topic of the last will, published by the broker when the connection drops "
            + "without a DISCONNECT (the gateway crashed or lost its network); " + GATEWAY_ID_TOKEN + " stands for "
            + "this machine's host name (up to the first dot). The GPIO bridge publishes 'online' there, retained. "
            + "Empty for no will.", required = false)
    String will_topic() default "pigeon/" + GATEWAY_ID_TOKEN + "/status";

    @AttributeDefinition(description = "Payload of the last will (UTF-8 text).", required = false)
    String will_payload() default "offline";

    @AttributeDefinition(description = "QoS of the last will.", min = "0", max = "2")
    int will_qos() default 1;

    @AttributeDefinition(description = "Whether the last will is retained.")
    boolean will_retain() default true;

    @AttributeDefinition(description = "mqtts/wss: trusted CA certificates (PEM file); empty for the JVM's trust "
            + "store.", required = false)
    String tls_cafile() default "";

    @AttributeDefinition(description = "mqtts/wss: client certificate (PEM file); empty for none.", required = false)
    String tls_certfile() default "";

    @AttributeDefinition(description = "mqtts/wss: the client certificate's private key (PEM, PKCS#8); empty for "
            + "none.", required = false)
    String tls_keyfile() default "";

    @AttributeDefinition(description = "mqtts/wss: do not check the server's host name against its certificate. "
            + "Only for testing.")
    boolean tls_insecure() default false;

    @AttributeDefinition(description = "First reconnect delay in milliseconds; doubles up to reconnect_max_ms.",
            min = "1")
    long reconnect_min_ms() default 1000;

    @AttributeDefinition(description = "Longest reconnect delay in milliseconds.", min = "1")
    long reconnect_max_ms() default 60000;

    @AttributeDefinition(description = "Publishes kept while disconnected; 0 fails them at once.", min = "0")
    int offline_buffer() default 1000;

    @AttributeDefinition(description = "What gives way when the offline buffer is full.",
            options = {@Option(value = "DROP_OLDEST", label = "drop the oldest message"),
                @Option(value = "DROP_NEWEST", label = "refuse the new message")})
    String offline_drop_policy() default "DROP_OLDEST";

    @AttributeDefinition(description = "Announce a bridge to the remote broker (Mosquitto's try_private).")
    boolean bridge() default false;
}
