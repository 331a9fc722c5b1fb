package io.pigeon.console.internal;

/** How a configuration error names where the value came from. */
final class PidText {

    private PidText() {
    }

    static String key(String key, Object value) {
        return "PID " + ConsoleConfig.PID + " key " + key + " = \"" + value + "\"";
    }
}
