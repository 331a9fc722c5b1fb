package io.pigeon.config.internal;

/**
 * One row of the directive table: what a directive is called, where it may appear, what its value looks like and
 * whether Pigeon acts on it.
 *
 * @param name       the directive as written in the file (Mosquitto's name where Mosquitto has one)
 * @param scope      where the setting lands, see {@link Scope}
 * @param support    whether Pigeon implements it
 * @param repeatable true when the directive may be given several times in one scope (values become a String[])
 * @param key        the configuration property key ({@code name} with '_' replaced by '.', unless an alias)
 * @param type       parses and checks the value; null for directives that are not read ({@link Support#UNSUPPORTED})
 * @param instead    for unsupported directives: what Pigeon does instead, as a sentence
 */
record Directive(String name, Scope scope, Support support, boolean repeatable, String key, ValueType type, String instead) {

    /** Where a directive's value goes. */
    enum Scope {
        /** Broker-wide: PID io.pigeon.broker, wherever the line is. */
        GLOBAL,
        /** PID io.pigeon.logging. */
        LOGGING,
        /** The current listener; before the first {@code listener} line: every listener (and PID io.pigeon.broker). */
        LISTENER,
        /** Global, or per listener when {@code per_listener_settings true} (Mosquitto's security options). */
        SECURITY,
        /** The current {@code connection} section. */
        BRIDGE,
        /** Directives that shape the file itself: listener, connection, include_dir, per_listener_settings. */
        STRUCTURE
    }

    /** Whether Pigeon acts on a directive. */
    enum Support {
        /** Read, checked and acted on. */
        IMPLEMENTED,
        /** Read, checked and passed on in the configurations; the component that acts on it is not there yet. */
        PENDING,
        /** A Mosquitto directive Pigeon does not have: a warning says what Pigeon does instead. */
        UNSUPPORTED
    }

    static String keyOf(String name) {
        return name.replace('_', '.');
    }
}
