package io.pigeon.config.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import io.pigeon.config.ConfigEdit;
import io.pigeon.config.ConfigEditException;
import io.pigeon.config.ConfigEditException.Reason;
import io.pigeon.config.ConfigProblem;
import io.pigeon.config.ConfigurationFile;

/**
 * Reads etc/pigeon.conf at activation and whenever it, an include_dir or a file it names (password_file, acl_file,
 * ...) changes, and keeps the generated Configuration Admin configurations in step with it. It is the gateway's one
 * file watcher: a changed named file reaches its component as a changed digest property, see
 * {@link GeneratedConfig#DIGEST_SUFFIX}.
 * <p>
 * A file with errors at start-up stops the gateway with exit code 78 (EX_CONFIG), after logging every error. A bad
 * edit while running is refused: the errors are logged and the previous settings stay in force.
 * <p>
 * Changes from {@link #update}, {@link #add} and {@link #remove} are planned and checked by {@link ConfEditor},
 * written atomically, and then applied by the same reload as a hand edit.
 * <p>
 * Threads: activation runs on SCR's thread, reloads on the watcher thread or the caller of {@link #reload()}, changes
 * on their caller's; all of them hold this component's lock, so they never overlap.
 */
@Component(service = ConfigurationFile.class, immediate = true)
public final class ConfigFileComponent implements ConfigurationFile {

    static final String CONFIG_PROPERTY = "pigeon.config";
    static final String HOME_PROPERTY = "pigeon.home";
    static final String EXIT_CODE_PROPERTY = "eclipse.exitcode";
    /** sysexits.h EX_CONFIG. */
    static final String EX_CONFIG = "78";
    private static final long DEBOUNCE_MILLIS = 300;

    private final BundleContext context;
    private final Logger log;
    private final ConfigWriter writer;
    private final Path file;
    private final Path home;
    private List<ConfigProblem> problems = List.of();
    private List<Path> watchedPaths = List.of();
    private FileWatcher watcher;
    private boolean closed;

    @Activate
    public ConfigFileComponent(BundleContext context, @Reference ConfigurationAdmin configAdmin,
            @Reference(service = LoggerFactory.class) Logger log) {
        this.context = context;
        this.log = log;
        this.writer = new ConfigWriter(configAdmin, log);
        String configured = context.getProperty(CONFIG_PROPERTY);
        this.file = configured == null || configured.isBlank() ? null : Path.of(configured).toAbsolutePath().normalize();
        String homeProperty = context.getProperty(HOME_PROPERTY);
        this.home = homeProperty == null || homeProperty.isBlank() ? null
                : Path.of(homeProperty).toAbsolutePath().normalize();

        boolean starting = frameworkStarting(context);
        if (file == null) {
            log.info("No configuration file (system property {} is not set): using the embedded defaults.",
                    CONFIG_PROPERTY);
        } else if (!file.toFile().exists()) {
            log.info("Configuration file {} not found: using the embedded defaults.", display(file));
        }
        if (!load(starting) && starting) {
            stopFramework();
        }
    }

    @Deactivate
    synchronized void deactivate() {
        closed = true;
        if (watcher != null) {
            watcher.close();
            watcher = null;
        }
    }

    @Override
    public Optional<Path> path() {
        return Optional.ofNullable(file);
    }

    @Override
    public synchronized List<ConfigProblem> problems() {
        return problems;
    }

    @Override
    public boolean reload() {
        return load(false);
    }

    @Override
    public synchronized String version() {
        return file == null ? "" : ConfEditor.read(file, this::display).version();
    }

    @Override
    public ConfigEdit update(String version, String pid, Map<String, List<String>> values)
            throws ConfigEditException {
        return change(version, editor -> editor.update(pid, values));
    }

    @Override
    public ConfigEdit add(String version, String factoryPid, Map<String, List<String>> values)
            throws ConfigEditException {
        return change(version, editor -> editor.add(factoryPid, values));
    }

    @Override
    public ConfigEdit remove(String version, String pid) throws ConfigEditException {
        return change(version, editor -> editor.remove(pid));
    }

    @FunctionalInterface
    private interface Plan {
        ConfEditor.Change apply(ConfEditor editor) throws ConfigEditException;
    }

    /**
     * Plans a change on the files as they are, refuses it when they changed since {@code version}, writes the files
     * it changes and applies them at once (the watcher's reload afterwards finds nothing new).
     */
    private synchronized ConfigEdit change(String version, Plan plan) throws ConfigEditException {
        if (closed) {
            throw new ConfigEditException(Reason.IO, "the configuration service is stopping; try again in a moment.");
        }
        if (file == null) {
            throw new ConfigEditException(Reason.NO_FILE, "Pigeon runs on its embedded defaults, without a"
                    + " configuration file (system property " + CONFIG_PROPERTY + " is not set): start it with"
                    + " --config etc/pigeon.conf to change these settings.");
        }
        ConfEditor editor = ConfEditor.read(file, this::display);
        String stale = display(file) + " changed on disk since these values were read (it was edited): reload"
                + " them to see the file as it is now, then make the change again. Nothing was saved.";
        if (!editor.version().equals(version)) {
            throw new ConfigEditException(Reason.STALE, stale);
        }
        ConfEditor.Change change = plan.apply(editor);
        if (!change.files().isEmpty()) {
            if (!ConfEditor.read(file, this::display).version().equals(version)) {
                throw new ConfigEditException(Reason.STALE, stale);
            }
            try {
                ConfEditor.write(change.files());
            } catch (IOException e) {
                throw new ConfigEditException(Reason.IO, "could not write " + String.join(", ", editor.names(change))
                        + " (" + e.getMessage() + "). Check that the gateway's user may write the file and its"
                        + " folder.");
            }
            log.info("Wrote {} ({}).", String.join(", ", editor.names(change)), change.pid() == null ? "removed a"
                    + " section" : change.pid());
            load(false);
        }
        return new ConfigEdit(change.pid(), editor.names(change), change.keys(), change.warnings());
    }

    /** @param startup whether the gateway is starting, when errors stop it instead of leaving old settings */
    private synchronized boolean load(boolean startup) {
        if (closed) {
            return false;
        }
        ParsedConfig parsed = ConfParser.parse(file, this::display);
        problems = List.copyOf(parsed.problems);
        watch(parsed.watched);
        if (parsed.hasErrors()) {
            for (ConfigProblem problem : parsed.problems) {
                if (problem.isError()) {
                    log.error("{}", problem);
                }
            }
            if (!startup) {
                log.error("{} has {} error(s); the previous settings stay in force. Fix the lines above; the file is"
                        + " read again when it is saved.", parsed.mainSource, parsed.errors().size());
            }
            return false;
        }
        for (ConfigProblem problem : parsed.problems) {
            log.warn("{}", problem);
        }
        try {
            int changes = writer.apply(ConfigMapper.map(parsed));
            if (changes > 0) {
                log.info("Applied {}: {} configuration(s) changed.", parsed.mainSource, changes);
            }
            return true;
        } catch (IOException | IllegalStateException e) {
            log.error("Could not store the configurations from {} in Configuration Admin: {}. Check that the"
                    + " gateway's data directory is writable.", parsed.mainSource, e.toString(), e);
            return false;
        }
    }

    /** Follows the set of watched paths, which changes when include_dir lines or the files named change. */
    private void watch(List<Path> paths) {
        if (paths.equals(watchedPaths) && watcher != null) {
            return;
        }
        if (watcher != null) {
            watcher.close();
            watcher = null;
        }
        watchedPaths = List.copyOf(paths);
        if (paths.isEmpty()) {
            return;
        }
        try {
            watcher = new FileWatcher(paths, this::reload, DEBOUNCE_MILLIS, log);
        } catch (IOException e) {
            log.warn("Cannot watch {} for changes ({}); edits take effect after a restart or a reload.", paths,
                    e.toString());
        }
    }

    private String display(Path path) {
        if (home != null && path.startsWith(home)) {
            return home.relativize(path).toString();
        }
        return path.toString();
    }

    /**
     * True while the framework is still raising its start level to the beginning level, i.e. during the gateway's
     * start-up. (The system bundle is already ACTIVE then: Equinox starts bundles after it.) A bundle update or a
     * ConfigAdmin restart later is not start-up, so a bad file then must not stop a running gateway.
     */
    static boolean frameworkStarting(BundleContext context) {
        Bundle system = context.getBundle(Constants.SYSTEM_BUNDLE_ID);
        if (system.getState() == Bundle.STARTING) {
            return true;
        }
        String beginning = context.getProperty(Constants.FRAMEWORK_BEGINNING_STARTLEVEL);
        if (beginning == null) {
            beginning = context.getProperty("osgi.startLevel");
        }
        try {
            // Equinox's EclipseStarter raises the level to 6 unless osgi.startLevel says otherwise.
            int target = beginning == null ? 6 : Integer.parseInt(beginning.trim());
            return system.adapt(FrameworkStartLevel.class).getStartLevel() < target;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * Stops the framework once the start-level change under way has finished: stopping it in the middle would race
     * Equinox's own start-up and log "bundle is not active" errors that say nothing useful to the user. Both calls
     * return at once (the work happens on the framework's threads), so this is safe inside an activation. The
     * launcher exits with eclipse.exitcode once the framework has stopped.
     */
    private void stopFramework() {
        System.setProperty(EXIT_CODE_PROPERTY, EX_CONFIG);
        log.error("Pigeon stops because {} has errors (exit code {}): fix the lines above and start it again.",
                display(file), EX_CONFIG);
        Bundle system = context.getBundle(Constants.SYSTEM_BUNDLE_ID);
        system.adapt(FrameworkStartLevel.class).setStartLevel(1, event -> {
            try {
                system.stop();
            } catch (BundleException | IllegalStateException e) {
                log.error("Could not stop the framework after configuration errors: {}", e.toString(), e);
            }
        });
    }
}
