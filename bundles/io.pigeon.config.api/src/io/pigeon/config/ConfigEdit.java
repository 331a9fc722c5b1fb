package io.pigeon.config;

import java.util.List;
import java.util.Objects;

import org.osgi.annotation.versioning.ProviderType;

/**
 * What a change made through {@link ConfigurationFile} did.
 *
 * @param pid      the configuration's PID after the change ({@code io.pigeon.listener~8883} when the port became
 *                 8883), or null after a removal
 * @param files    the files written, as shown to users (relative to {@code pigeon.home} when inside it); empty when the
 *                 values were already those in the file, which is then left alone
 * @param keys     the configuration keys whose lines were written or removed, in the order changed
 * @param warnings the parser's warnings about the lines written, e.g. a directive Mosquitto reads differently
 */
@ProviderType
public record ConfigEdit(String pid, List<String> files, List<String> keys, List<ConfigProblem> warnings) {

    public ConfigEdit {
        files = List.copyOf(Objects.requireNonNull(files, "files"));
        keys = List.copyOf(Objects.requireNonNull(keys, "keys"));
        warnings = List.copyOf(Objects.requireNonNull(warnings, "warnings"));
    }

    /** True when a file was written. */
    public boolean changed() {
        return !files.isEmpty();
    }
}
