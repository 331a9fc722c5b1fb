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

    @AttributeDefinition(description = "Where the listener came from (file:line), set by io.pigeon.config.")
    String config_source() default "";
}
