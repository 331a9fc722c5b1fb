package io.pigeon.broker.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** One network listener, factory PID {@code io.pigeon.listener} (a {@code listener PORT [ADDRESS]} section). */
@ObjectClassDefinition(factoryPid = ListenerConfig.FACTORY_PID, name = "Pigeon MQTT listener",
        description = "A port the broker accepts MQTT connections on.")
public @interface ListenerConfig {

    String FACTORY_PID = "io.pigeon.listener";

    @AttributeDefinition(description = "TCP port; 0 picks a free port.", min = "0", max = "65535")
    int port() default 1883;

    @AttributeDefinition(description = "Address to bind; empty for all interfaces.")
    String bind_address() default "";

    @AttributeDefinition(description = "Connections this listener accepts at once; -1 = the broker's max_connections.")
    int max_connections() default -1;

    @AttributeDefinition(description = "Protocol: mqtt (websockets is not supported yet).")
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

    @AttributeDefinition(description = "Where the listener came from (file:line), set by io.pigeon.config.")
    String config_source() default "";
}
