package io.pigeon.gpio.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/** Factory PID {@code io.pigeon.gpio.sensor}: one sensor, usually the file etc/io.pigeon.gpio.sensor-NAME.cfg. */
@ObjectClassDefinition(name = "Pigeon sensor", description = "A sensor read every interval and published on"
        + " pigeon/<gateway-id>/sensor/<name> (a BME280 on .../<name>/temperature, /humidity and /pressure).")
public @interface SensorConfig {

    @AttributeDefinition(name = "name", required = false, description = "Topic level and Home Assistant name;"
            + " empty: the NAME of etc/io.pigeon.gpio.sensor-NAME.cfg.")
    String name() default "";

    @AttributeDefinition(name = "type", options = { @Option(value = "cpu"), @Option(value = "ds18b20"),
            @Option(value = "bme280") }, description = "cpu: SoC temperature; ds18b20: 1-Wire thermometer;"
                    + " bme280: temperature, humidity and pressure on I2C.")
    String type();

    @AttributeDefinition(name = "interval", required = false, description = "Seconds between readings.")
    String interval() default "30";

    @AttributeDefinition(name = "device", required = false, description = "ds18b20: the 28-xxxxxxxxxxxx id under"
            + " /sys/bus/w1/devices, empty when there is only one (or a full path); cpu: the thermal zone folder.")
    String device() default "";

    @AttributeDefinition(name = "bus", required = false, description = "bme280: I2C bus (/dev/i2c-N).")
    String bus() default "1";

    @AttributeDefinition(name = "address", required = false, description = "bme280: I2C address, 0x76 or 0x77.")
    String address() default "0x76";

    @AttributeDefinition(name = "topic", required = false, description = "The whole topic instead of"
            + " pigeon/<gateway-id>/sensor/<name>.")
    String topic() default "";
}
