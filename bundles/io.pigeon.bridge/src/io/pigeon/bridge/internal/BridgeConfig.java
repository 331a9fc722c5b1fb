package io.pigeon.bridge.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * One {@code connection NAME} section of etc/pigeon.conf, as io.pigeon.config puts it in a factory configuration of
 * PID {@code io.pigeon.bridge}: the directive names with '_' read as '.', Mosquitto's defaults.
 */
@ObjectClassDefinition(name = "Pigeon bridge",
        description = "A Mosquitto-style bridge: a connection to an upstream broker and the topics it carries.")
public @interface BridgeConfig {

    @AttributeDefinition(name = "connection", description = "The connection name.")
    String name();

    @AttributeDefinition(name = "address", description = "host[:port] of the upstream broker (port 1883 when"
            + " left out); several for failover, tried in order.")
    String[] address();

    @AttributeDefinition(name = "topic", description = "PATTERN [in|out|both] [QOS] [LOCAL_PREFIX]"
            + " [REMOTE_PREFIX], one per line, as Mosquitto's topic directive.")
    String[] topic();

    @AttributeDefinition(name = "remote_username", required = false)
    String remote_username() default "";

    /** Key {@code .remote.password}: private, so DS does not publish it with the service properties. */
    @AttributeDefinition(name = "remote_password", required = false, type = AttributeType.PASSWORD)
    String _remote_password() default "";

    @AttributeDefinition(name = "remote_clientid", required = false,
            description = "Client id upstream; not set: HOSTNAME.NAME, as Mosquitto does.")
    String remote_clientid() default "";

    @AttributeDefinition(name = "cleansession", description = "false keeps the upstream session (subscriptions and"
            + " queued messages) across reconnects.")
    boolean cleansession() default false;

    @AttributeDefinition(name = "keepalive_interval", description = "Keep alive in seconds.")
    int keepalive_interval() default 60;

    @AttributeDefinition(name = "restart_timeout", description = "Seconds before reconnecting: one number, or a"
            + " base and a cap for a backoff.")
    String restart_timeout() default "5 30";

    @AttributeDefinition(name = "bridge_protocol_version", options = {
            @Option(value = "mqttv31"),
            @Option(value = "mqttv311"),
            @Option(value = "mqttv50")})
    String bridge_protocol_version() default "mqttv311";

    @AttributeDefinition(name = "try_private", description = "Announce a bridge to the upstream (MQTT 3.1 and"
            + " 3.1.1), so a Mosquitto upstream does not send bridged messages back.")
    boolean try_private() default true;

    @AttributeDefinition(name = "notifications", description = "Publish 1 (connected) or 0 retained to the"
            + " notification topic on the local broker and, unless notifications_local_only, on the upstream (0 as"
            + " the bridge's will).")
    boolean notifications() default true;

    @AttributeDefinition(name = "notifications_local_only", description = "Publish the notifications on the local"
            + " broker only.")
    boolean notifications_local_only() default false;

    @AttributeDefinition(name = "notification_topic", required = false,
            description = "Not set: $SYS/broker/connection/REMOTE_CLIENTID/state.")
    String notification_topic() default "";

    @AttributeDefinition(name = "start_type", description = "automatic: connect at start and again whenever the"
            + " connection fails; lazy: connect when threshold messages wait for the upstream, disconnect after"
            + " idle_timeout seconds without traffic; once: connect at start, and not again after a failure.",
            options = {
                @Option(value = "automatic"),
                @Option(value = "lazy"),
                @Option(value = "once")})
    String start_type() default "automatic";

    @AttributeDefinition(name = "threshold", description = "start_type lazy: how many messages must wait for the"
            + " upstream before the bridge connects.", min = "1")
    int threshold() default 10;

    @AttributeDefinition(name = "idle_timeout", description = "start_type lazy: seconds without a message crossing"
            + " the bridge, and none waiting, after which it disconnects.", min = "1")
    int idle_timeout() default 60;

    @AttributeDefinition(name = "round_robin", description = "false: the first address is the main one; while"
            + " connected to another, the bridge moves back to it as soon as it accepts connections. true: all are"
            + " equals, the next is tried after a failure and kept until it fails.")
    boolean round_robin() default false;

    @AttributeDefinition(name = "bridge_attempt_unsubscribe", description = "On connecting to a session the"
            + " upstream kept, unsubscribe the remote topics of out lines, which an earlier in line may have left"
            + " subscribed.")
    boolean bridge_attempt_unsubscribe() default true;

    @AttributeDefinition(name = "bridge_outgoing_retain", description = "false clears the retain flag of every"
            + " message sent upstream, for 3.1/3.1.1 brokers that refuse retained messages.")
    boolean bridge_outgoing_retain() default true;

    @AttributeDefinition(name = "bridge_bind_address", required = false, description = "Local IP address the"
            + " connection to the upstream goes out from; not set: the system chooses.")
    String bridge_bind_address() default "";

    @AttributeDefinition(name = "bridge_max_packet_size", description = "Largest PUBLISH packet sent upstream, in"
            + " bytes; larger messages are dropped with a warning. 0: no limit but an MQTT 5 upstream's own.",
            min = "0")
    int bridge_max_packet_size() default 0;

    @AttributeDefinition(name = "local_clientid", required = false, description = "The bridge's local session: its"
            + " store-and-forward queue is data/bridges/LOCAL_CLIENTID.mv.db. Not set: the connection name.")
    String local_clientid() default "";

    @AttributeDefinition(name = "bridge_cafile", required = false, description = "PEM CA certificates; set, the"
            + " bridge connects with TLS.")
    String bridge_cafile() default "";

    @AttributeDefinition(name = "bridge_certfile", required = false)
    String bridge_certfile() default "";

    @AttributeDefinition(name = "bridge_keyfile", required = false)
    String bridge_keyfile() default "";

    @AttributeDefinition(name = "bridge_insecure", description = "Do not check the upstream's host name.")
    boolean bridge_insecure() default false;

    @AttributeDefinition(name = "bridge_tls_version", required = false, description = "The lowest TLS version"
            + " offered: tlsv1.2 (1.2 and 1.3) or tlsv1.3. Not set: the JVM's defaults.")
    String bridge_tls_version() default "";

    @AttributeDefinition(name = "bridge_max_queued_bytes", description = "How much the on-disk queue of outgoing"
            + " QoS 1/2 messages may hold while the upstream is away; the oldest give way.")
    long bridge_max_queued_bytes() default 16L * 1024 * 1024;

    @AttributeDefinition(name = "config.source", required = false, description = "file:line of the section.")
    String config_source() default "";
}
