package io.pigeon.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The gateway's configuration file as the running system sees it.
 * <p>
 * Implementations are thread safe: {@link #reload()} may be called from any thread, also while the file watcher
 * reloads.
 */
@ProviderType
public interface ConfigurationFile {

    /**
     * The file that is read (system property {@code pigeon.config}), or empty when the gateway runs on embedded
     * defaults because the property is not set.
     */
    Optional<Path> path();

    /**
     * The problems found by the last read, errors and warnings, in file order. After a refused reload these are the
     * errors that refused it; the settings of the last good read stay in force.
     */
    List<ConfigProblem> problems();

    /**
     * Reads the file again and applies it when it has no errors. Configurations whose properties did not change are
     * left alone, so their components keep running.
     *
     * @return true when the file was applied, false when it has errors and was refused (see {@link #problems()})
     */
    boolean reload();
}
