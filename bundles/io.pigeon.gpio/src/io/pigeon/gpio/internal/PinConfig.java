package io.pigeon.gpio.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * Factory PID {@code io.pigeon.gpio.pin}: one GPIO pin, usually the file {@code etc/io.pigeon.gpio.pin-NAME.cfg}.
 * Values are read as text and checked by {@link PinSettings}, so a wrong one is reported with its key.
 */
@ObjectClassDefinition(name = "Pigeon GPIO pin", description = "One GPIO pin as an MQTT topic:"
        + " pigeon/<gateway-id>/<mode>/<name>.")
public @interface PinConfig {

    @AttributeDefinition(name = "name", required = false, description = "Last topic level and Home Assistant"
            + " name; empty: the NAME of etc/io.pigeon.gpio.pin-NAME.cfg.")
    String name() default "";

    @AttributeDefinition(name = "mode", options = { @Option(value = "input"), @Option(value = "output"),
            @Option(value = "pwm") }, description = "input: publishes ON/OFF; output: follows <topic>/set; pwm: duty"
                    + " cycle 0-100 from <topic>/set.")
    String mode();

    @AttributeDefinition(name = "pin", description = "BCM GPIO number, 0 to 27 (not the physical pin number).")
    String pin();

    @AttributeDefinition(name = "pull", required = false, options = { @Option(value = "up"),
            @Option(value = "down"), @Option(value = "off") }, description = "Input bias resistor.")
    String pull() default "off";

    @AttributeDefinition(name = "debounce", required = false, description = "Input debounce time in ms.")
    String debounce() default "10";

    @AttributeDefinition(name = "invert", required = false, description = "Input: publish ON for a low level"
            + " (a button to ground with pull = up).")
    String invert() default "false";

    @AttributeDefinition(name = "interval", required = false, description = "Input: seconds between repeated"
            + " publications of the state besides every change; 0: on change only.")
    String interval() default "60";

    @AttributeDefinition(name = "initial", required = false, description = "Output: ON or OFF when the pin opens.")
    String initial() default "OFF";

    @AttributeDefinition(name = "shutdown", required = false, description = "Output: ON or OFF when the pin closes"
            + " (the gateway stops or the configuration is removed).")
    String shutdown() default "OFF";

    @AttributeDefinition(name = "frequency", required = false, description = "PWM frequency in Hz.")
    String frequency() default "1000";

    @AttributeDefinition(name = "topic", required = false, description = "The whole state topic instead of"
            + " pigeon/<gateway-id>/<mode>/<name>; commands go to <topic>/set.")
    String topic() default "";

    @AttributeDefinition(name = "device.class", required = false, description = "Input: Home Assistant"
            + " binary_sensor device class (door, window, motion, ...); empty for none.")
    String device_class() default "";
}
