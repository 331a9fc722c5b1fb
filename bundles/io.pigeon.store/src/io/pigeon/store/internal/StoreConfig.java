package io.pigeon.store.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The persistence settings of the global broker configuration (PID {@code io.pigeon.broker}), with Mosquitto's
 * names; DS maps '_' in a method name to '.' in the property key.
 */
@ObjectClassDefinition(name = "Pigeon durable store",
        description = "Where the broker keeps persistent sessions, their queued messages and retained messages.")
public @interface StoreConfig {

    String PID = "io.pigeon.broker";

    @AttributeDefinition(description = "Keep persistent sessions, their QoS 1/2 messages, pending wills and retained "
            + "messages on disk across restarts. Each QoS 1/2 message is on disk before it is acknowledged.")
    boolean persistence() default true;

    @AttributeDefinition(description = "Directory of the store file; empty = data/ in the Pigeon installation.")
    String persistence_location() default "";

    @AttributeDefinition(description = "Name of the store file in persistence_location.")
    String persistence_file() default "pigeon.db";

    @AttributeDefinition(description = "Where the settings came from (file:line), set by io.pigeon.config.")
    String config_source() default "";
}
