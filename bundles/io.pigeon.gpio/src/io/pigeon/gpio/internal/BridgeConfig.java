package io.pigeon.gpio.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** PID {@code io.pigeon.gpio} (etc/io.pigeon.gpio.cfg): the topics and discovery shared by every pin and sensor. */
@ObjectClassDefinition(name = "Pigeon GPIO bridge", description = "Topics, Home Assistant discovery and the"
        + " built-in CPU temperature of the GPIO bridge. Pins and sensors are factory configurations"
        + " io.pigeon.gpio.pin and io.pigeon.gpio.sensor (etc/io.pigeon.gpio.pin-NAME.cfg).")
public @interface BridgeConfig {

    @AttributeDefinition(name = "gateway.id", required = false, description = "The <gateway-id> of"
            + " pigeon/<gateway-id>/...; empty: this machine's host name.")
    String gateway_id() default "";

    @AttributeDefinition(name = "topic.prefix", description = "First topic level of every pin and sensor topic.")
    String topic_prefix() default "pigeon";

    @AttributeDefinition(name = "qos", description = "QoS of the state messages, 0..2.")
    int qos() default 1;

    @AttributeDefinition(name = "discovery", description = "Publish Home Assistant MQTT discovery messages.")
    boolean discovery() default true;

    @AttributeDefinition(name = "discovery.prefix", description = "Home Assistant's discovery prefix.")
    String discovery_prefix() default "homeassistant";

    @AttributeDefinition(name = "cpu.temperature.interval", description = "Seconds between readings of the built-in"
            + " CPU temperature sensor (pigeon/<gateway-id>/sensor/cpu); 0 turns it off.")
    int cpu_temperature_interval() default 30;
}
