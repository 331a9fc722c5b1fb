package io.pigeon.gpio.internal;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

import io.pigeon.gpio.Board;
import io.pigeon.gpio.Pull;

/** A checked pin configuration. */
public record PinSettings(String name, Mode mode, int bcm, Pull pull, int debounceMillis, boolean invert,
        Duration interval, boolean initial, boolean shutdown, int frequencyHz, String topic, String deviceClass) {

    public static final String FACTORY_PID = "io.pigeon.gpio.pin";

    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /**
     * Checks every value.
     *
     * @param defaultName the name when the configuration gives none (from the file name)
     * @throws ConfigException for the first value that cannot work, naming the key and what is allowed
     */
    public static PinSettings parse(PinConfig c, String defaultName) throws ConfigException {
        String name = c.name().isBlank() ? defaultName : c.name().strip();
        if (!NAME.matcher(name).matches()) {
            throw new ConfigException("name", name, "use 1 to 64 letters, digits, '-' or '_' (it becomes a topic"
                    + " level); name the file etc/io.pigeon.gpio.pin-NAME.cfg or set name");
        }
        Mode mode = switch (text(c.mode(), "mode")) {
            case "input", "in" -> Mode.INPUT;
            case "output", "out" -> Mode.OUTPUT;
            case "pwm" -> Mode.PWM;
            default -> throw new ConfigException("mode", c.mode(), "use input, output or pwm");
        };
        int bcm = integer(c.pin(), "pin", 0, Board.MAX_BCM,
                "use a BCM GPIO number from 0 to " + Board.MAX_BCM + " (BCM numbers, not physical pin numbers)");
        Pull pull = switch (text(c.pull(), "pull")) {
            case "up" -> Pull.UP;
            case "down" -> Pull.DOWN;
            case "off", "none", "" -> Pull.OFF;
            default -> throw new ConfigException("pull", c.pull(), "use up, down or off");
        };
        int debounce = integer(c.debounce(), "debounce", 0, 10_000, "use milliseconds from 0 to 10000");
        boolean invert = bool(c.invert(), "invert");
        int interval = integer(c.interval(), "interval", 0, 86_400, "use seconds from 0 (on change only) to 86400");
        boolean initial = onOff(c.initial(), "initial");
        boolean shutdown = onOff(c.shutdown(), "shutdown");
        int frequency = integer(c.frequency(), "frequency", 1, 50_000_000, "use Hz from 1 to 50000000");
        String topic = c.topic().strip();
        if (!topic.isEmpty() && (topic.contains("+") || topic.contains("#") || topic.startsWith("$"))) {
            throw new ConfigException("topic", topic, "a state topic has no wildcards (+, #) and does not start"
                    + " with $");
        }
        return new PinSettings(name, mode, bcm, pull, debounce, invert, Duration.ofSeconds(interval), initial,
                shutdown, frequency, topic, c.device_class().strip());
    }

    private static String text(String value, String key) throws ConfigException {
        if (value == null) {
            throw new ConfigException(key + " is missing; add it to the configuration");
        }
        return value.strip().toLowerCase(Locale.ROOT);
    }

    private static int integer(String value, String key, int min, int max, String fix) throws ConfigException {
        try {
            int v = Integer.parseInt(text(value, key));
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigException(key, value, fix);
    }

    private static boolean bool(String value, String key) throws ConfigException {
        return switch (text(value, key)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0", "" -> false;
            default -> throw new ConfigException(key, value, "use true or false");
        };
    }

    private static boolean onOff(String value, String key) throws ConfigException {
        try {
            return Payloads.level(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, value, "use ON or OFF");
        }
    }
}
