package io.pigeon.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The gateway's configuration file as the running system sees it, and the way to change it from a program (the
 * console's forms) without losing a user's layout.
 * <p>
 * A change rewrites only the lines concerned: a changed value rewrites its own line and keeps a trailing comment, a
 * new setting goes at the end of its section (the top of the file for broker-wide ones, its {@code listener} or
 * {@code connection} section otherwise), a removed value removes its line; comments, blank lines, order and
 * include_dir files stay as they were, and a line in an include_dir file is changed in that file. The new text is
 * checked by the same parser that reads the file, and written (a temporary file in the same folder, synced, renamed
 * over the old one, with its mode) only when it has no errors; the file is then applied as after a hand edit.
 * <p>
 * Implementations are thread safe: every method may be called from any thread, also while the file watcher
 * reloads.
 */
@ProviderType
public interface ConfigurationFile {

    /** The singleton PIDs the file makes. */
    Set<String> PIDS = Set.of("io.pigeon.broker", "io.pigeon.logging");

    /** The factory PIDs the file makes: one configuration per {@code listener} and per {@code connection} section. */
    Set<String> FACTORY_PIDS = Set.of("io.pigeon.listener", "io.pigeon.bridge");

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

    /**
     * The content of the file and its include_dir files as they are on disk now, as an opaque text: read it with
     * the values a change starts from, and pass it to the change, which is refused if the files changed meanwhile.
     */
    String version();

    /**
     * Changes the settings of one configuration the file makes.
     *
     * @param version what {@link #version()} returned when the values the change starts from were read
     * @param pid     {@code io.pigeon.broker}, {@code io.pigeon.logging}, {@code io.pigeon.listener~NAME} or
     *                {@code io.pigeon.bridge~NAME}
     * @param values  configuration key (e.g. {@code max.qos}) to its new values as text; an empty list removes the
     *                setting; keys not given are left alone
     * @return what was written and the PID the configuration has now
     * @throws ConfigEditException when the change is refused; the file is left as it was
     */
    ConfigEdit update(String version, String pid, Map<String, List<String>> values) throws ConfigEditException;

    /**
     * Adds a {@code listener} section ({@code io.pigeon.listener}, the values need a {@code port}) or a
     * {@code connection} section ({@code io.pigeon.bridge}, the values need a {@code name}) at the end of the file.
     *
     * @see #update
     */
    ConfigEdit add(String version, String factoryPid, Map<String, List<String>> values) throws ConfigEditException;

    /**
     * Removes a {@code listener} or {@code connection} section: its first line and the lines of its settings, in
     * whichever file they are; comments and blank lines stay.
     *
     * @see #update
     */
    ConfigEdit remove(String version, String pid) throws ConfigEditException;
}
