package io.pigeon.config.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import io.pigeon.config.ConfigProblem;
import io.pigeon.config.ConfigurationFile;

/**
 * Reads etc/pigeon.conf at activation and whenever it (or an include_dir) changes, and keeps the generated
 * Configuration Admin configurations in step with it.
 * <p>
 * A file with errors at start-up stops the gateway with exit code 78 (EX_CONFIG), after logging every error. A bad
 * edit while running is refused: the errors are logged and the previous settings stay in force.
 * <p>
 * Threads: activation runs on SCR's thread, reloads on the watcher thread or the caller of {@link #reload()};
 * {@code reload} is synchronized so they never overlap.
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

        boolean starting = context.getBundle(Constants.SYSTEM_BUNDLE_ID).getState() == Bundle.STARTING;
        if (file == null) {
            log.info("No configuration file (system property {} is not set): using the embedded defaults.",
                    CONFIG_PROPERTY);
        } else if (!file.toFile().exists()) {
            log.info("Configuration file {} not found: using the embedded defaults.", display(file));
        }
        if (!reload() && starting) {
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
    public synchronized boolean reload() {
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
            log.error("{} has {} error(s); the previous settings stay in force. Fix the lines above; the file is read"
                    + " again when it is saved.", parsed.mainSource, parsed.errors().size());
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

    /** Follows the set of watched paths, which changes when include_dir lines change. */
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
     * Stops the framework from another thread: stopping the system bundle from inside an activation would wait for
     * this very activation. The launcher exits with eclipse.exitcode once the framework has stopped.
     */
    private void stopFramework() {
        System.setProperty(EXIT_CODE_PROPERTY, EX_CONFIG);
        log.error("Pigeon stops because {} has errors (exit code {}).", display(file), EX_CONFIG);
        Thread stopper = new Thread(() -> {
            try {
                context.getBundle(Constants.SYSTEM_BUNDLE_ID).stop();
            } catch (BundleException | IllegalStateException e) {
                log.error("Could not stop the framework after configuration errors: {}", e.toString(), e);
            }
        }, "pigeon-config-exit");
        stopper.setDaemon(false);
        stopper.start();
    }
}
