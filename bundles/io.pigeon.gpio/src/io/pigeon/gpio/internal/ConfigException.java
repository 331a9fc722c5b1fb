package io.pigeon.gpio.internal;

/** A GPIO configuration value that cannot work; the message names the key, the value and what is allowed. */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    public ConfigException(String key, Object value, String fix) {
        super(key + " = '" + value + "': " + fix);
    }

    public ConfigException(String message) {
        super(message);
    }
}
