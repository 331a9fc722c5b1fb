package io.pigeon.gpio.internal;

import java.time.Duration;
import java.util.Locale;

/** A checked sensor configuration. */
public record SensorSettings(String name, Type type, Duration interval, String device, int bus, int address,
        String topic) {

    public static final String FACTORY_PID = "io.pigeon.gpio.sensor";

    public enum Type {
        CPU, DS18B20, BME280
    }

    /** @throws ConfigException for the first value that cannot work */
    public static SensorSettings parse(SensorConfig c, String defaultName) throws ConfigException {
        String name = c.name().isBlank() ? defaultName : c.name().strip();
        if (!PinSettings.NAME.matcher(name).matches()) {
            throw new ConfigException("name", name, "use 1 to 64 letters, digits, '-' or '_'; name the file"
                    + " etc/io.pigeon.gpio.sensor-NAME.cfg or set name");
        }
        if (c.type() == null) {
            throw new ConfigException("type is missing; add type = cpu, ds18b20 or bme280");
        }
        Type type = switch (c.type().strip().toLowerCase(Locale.ROOT)) {
            case "cpu" -> Type.CPU;
            case "ds18b20" -> Type.DS18B20;
            case "bme280" -> Type.BME280;
            default -> throw new ConfigException("type", c.type(), "use cpu, ds18b20 or bme280");
        };
        int interval = number(c.interval(), "interval", 1, 86_400, "use seconds from 1 to 86400");
        int bus = number(c.bus(), "bus", 0, 255, "use the N of /dev/i2c-N, usually 1");
        int address = number(c.address(), "address", 0x03, 0x77, "use the 7-bit address, 0x76 or 0x77 for a BME280");
        String topic = c.topic().strip();
        if (topic.contains("+") || topic.contains("#") || topic.startsWith("$")) {
            throw new ConfigException("topic", topic, "a topic has no wildcards (+, #) and does not start with $");
        }
        return new SensorSettings(name, type, Duration.ofSeconds(interval), c.device().strip(), bus, address, topic);
    }

    private static int number(String value, String key, int min, int max, String fix) throws ConfigException {
        String text = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        try {
            int v = text.startsWith("0x") ? Integer.parseInt(text.substring(2), 16) : Integer.parseInt(text);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigException(key, value, fix);
    }
}
