package io.pigeon.config.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.pigeon.config.ConfigProblem;

/** What {@link ConfParser} read: the settings per scope, the problems, and the paths to watch for changes. */
final class ParsedConfig {

    /** A {@code listener PORT [BIND_ADDRESS]} section. */
    record Listener(int port, String bindAddress, String source, Section settings) {
        /** The configuration name: the port, plus the address when bound to one, e.g. "8883-127.0.0.1". */
        String name() {
            return bindAddress == null ? Integer.toString(port)
                    : port + "-" + bindAddress.replaceAll("[^A-Za-z0-9._-]", "_");
        }
    }

    /** A {@code connection NAME} section. */
    record Bridge(String name, String source, Section settings) {
    }

    /**
     * Where one directive line went, for {@link ConfEditor}: the section its value landed in and the key it set;
     * {@code listener} and {@code connection} lines carry the section they start and no key, {@code include_dir}
     * lines neither.
     */
    record Placement(Path file, int line, String word, Section section, String key) {
    }

    /** A file read, and the main file's include_dir line that read it (0 for the main file). */
    record FileRead(Path file, int includeLine) {
    }

    final List<ConfigProblem> problems = new ArrayList<>();
    /** Every directive line that was placed, in the order read (include_dir files at their include_dir line). */
    final List<Placement> placements = new ArrayList<>();
    /** The files read, in the order read. */
    final List<FileRead> files = new ArrayList<>();
    final Section broker = new Section();
    final Section logging = new Section();
    /** Listener-scoped directives written before the first {@code listener} line. */
    final Section listenerDefaults = new Section();
    final List<Listener> listeners = new ArrayList<>();
    final List<Bridge> bridges = new ArrayList<>();
    /** Files and directories whose change means the configuration may have changed. */
    final List<Path> watched = new ArrayList<>();
    /** The main file's name as shown to users, or "(embedded defaults)". */
    String mainSource = "(embedded defaults)";
    boolean perListenerSettings;

    boolean hasErrors() {
        return problems.stream().anyMatch(ConfigProblem::isError);
    }

    List<ConfigProblem> errors() {
        return problems.stream().filter(ConfigProblem::isError).toList();
    }
}
