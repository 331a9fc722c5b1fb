package io.pigeon.config;

import java.util.Objects;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One finding in the configuration file.
 *
 * @param severity  ERROR refuses the file, WARNING is reported and the file is applied
 * @param file      the file as shown to the user (relative to {@code pigeon.home} when inside it)
 * @param line      1-based line number, 0 when the problem concerns the file as a whole
 * @param directive the directive, empty when the problem concerns the file as a whole
 * @param value     the directive's value as written, possibly empty
 * @param message   what is wrong and what to do, e.g. "must be 0, 1 or 2. Fix the value or remove the line."
 */
@ProviderType
public record ConfigProblem(Severity severity, String file, int line, String directive, String value, String message) {

    /** How bad a problem is. */
    public enum Severity {
        ERROR, WARNING
    }

    public ConfigProblem {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(file, "file");
        directive = directive == null ? "" : directive;
        value = value == null ? "" : value;
        Objects.requireNonNull(message, "message");
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** "file:line" or just "file" when the line is unknown. */
    public String location() {
        return line > 0 ? file + ":" + line : file;
    }

    /** The line a user reads, e.g. {@code etc/pigeon.conf:12: max_qos 3: must be 0, 1 or 2. Fix the value or remove the line.} */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(location()).append(": ");
        if (!directive.isEmpty()) {
            text.append(directive);
            if (!value.isEmpty()) {
                text.append(' ').append(value);
            }
            text.append(": ");
        }
        return text.append(message).toString();
    }
}
