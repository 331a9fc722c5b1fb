package io.pigeon.broker.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Global broker settings, PID {@code io.pigeon.broker}. Method names are Mosquitto's directive names
 * (DS maps '_' to '.' in the property keys), defaults are Mosquitto 2.0's.
 */
@ObjectClassDefinition(name = "Pigeon MQTT broker",
        description = "Global broker settings; the names are the mosquitto.conf directives.")
public @interface BrokerConfig {

    String PID = "io.pigeon.broker";

    @AttributeDefinition(description = "QoS 1/2 messages in flight per client at once; 0 = no limit. "
            + "Also the Receive Maximum the broker announces to MQTT 5 clients.")
    int max_inflight_messages() default 20;

    @AttributeDefinition(description = "Messages queued per client beyond the in-flight ones; 0 = no limit.")
    int max_queued_messages() default 1000;

    @AttributeDefinition(description = "Payload bytes queued per client; 0 = no limit.")
    long max_queued_bytes() default 0;

    @AttributeDefinition(description = "Largest MQTT packet accepted, in bytes; 0 = the protocol maximum. "
            + "Announced to MQTT 5 clients as Maximum Packet Size.")
    int max_packet_size() default 0;

    @AttributeDefinition(description = "Largest PUBLISH payload accepted, in bytes; 0 = no limit.")
    int message_size_limit() default 0;

    @AttributeDefinition(description = "Largest keep alive a client may ask for, in seconds (MQTT 5 clients are "
            + "told the Server Keep Alive; 3.x clients asking for more are refused).")
    int max_keepalive() default 65535;

    @AttributeDefinition(description = "Highest QoS the broker supports: 0, 1 or 2.")
    int max_qos() default 2;

    @AttributeDefinition(description = "Whether retained messages are supported.")
    boolean retain_available() default true;

    @AttributeDefinition(description = "Whether clients may connect with an empty client id (one is assigned).")
    boolean allow_zero_length_clientid() default true;

    @AttributeDefinition(description = "Prefix of client ids assigned to clients that sent an empty one.")
    String auto_id_prefix() default "auto-";

    @AttributeDefinition(description = "How long a disconnected persistent MQTT 3.x session is kept, e.g. 2h, 14d, "
            + "1w, 6m, 1y (hours, days, weeks, months, years). Empty = forever.")
    String persistent_client_expiration() default "";

    /*
     * Unlike Mosquitto (false), the default is true: Pigeon already coalesces its writes into one flush
     * per read batch, so Nagle's algorithm saves no packets and only adds delayed-ACK stalls (measured:
     * QoS 1 fan-out with mosquitto_pub -l lost messages to queue limits with Nagle on, none with it off).
     */
    @AttributeDefinition(description = "Disable Nagle's algorithm on client sockets. Pigeon defaults to true "
            + "because it already batches its writes; false only adds latency.")
    boolean set_tcp_nodelay() default true;

    @AttributeDefinition(description = "Seconds between $SYS updates; 0 = do not publish $SYS.")
    int sys_interval() default 10;

    @AttributeDefinition(description = "Deliver at the subscription's QoS even when the message was published "
            + "with a lower one.")
    boolean upgrade_outgoing_qos() default false;

    @AttributeDefinition(description = "Topic aliases an MQTT 5 client may use per connection (Topic Alias Maximum).")
    int max_topic_alias() default 10;

    @AttributeDefinition(description = "Queue QoS 0 messages for offline persistent clients.")
    boolean queue_qos0_messages() default false;

    @AttributeDefinition(description = "Default for listeners without their own max_connections; -1 = no limit.")
    int max_connections() default -1;

    @AttributeDefinition(description = "Where the setting came from (file:line), set by io.pigeon.config.")
    String config_source() default "";
}
