package io.pigeon.config;

import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A change {@link ConfigurationFile} refused; the file is left as it was. The message says what to do.
 */
@ProviderType
public final class ConfigEditException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why a change was refused. */
    public enum Reason {
        /** The file changed on disk since its version was read: read the values again, then change them. */
        STALE,
        /** The file would have errors: {@link ConfigEditException#problems()} says which, with file, line and fix. */
        INVALID,
        /** The PID is not one the file makes, or the file cannot express the change (the message says why). */
        NOT_IN_FILE,
        /** The gateway runs without a configuration file (no {@code --config}). */
        NO_FILE,
        /** Reading or writing a file failed. */
        IO
    }

    private final Reason reason;
    private final transient List<ConfigProblem> problems;
    private final transient Map<String, ConfigProblem> byKey;

    /**
     * @param problems every error that refused the change, in file order
     * @param byKey    the errors about a line written for a configuration key, by key (e.g. {@code max.qos})
     */
    public ConfigEditException(Reason reason, String message, List<ConfigProblem> problems,
            Map<String, ConfigProblem> byKey) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.problems = List.copyOf(problems);
        this.byKey = Map.copyOf(byKey);
    }

    public ConfigEditException(Reason reason, String message) {
        this(reason, message, List.of(), Map.of());
    }

    public Reason reason() {
        return reason;
    }

    /** Every error that refused the change; empty unless {@link Reason#INVALID}. */
    public List<ConfigProblem> problems() {
        return problems;
    }

    /** The errors about the line of a configuration key, by key; the others are only in {@link #problems()}. */
    public Map<String, ConfigProblem> byKey() {
        return byKey;
    }
}
