package io.pigeon.logging.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.log.admin.LoggerAdmin;
import org.osgi.service.log.admin.LoggerContext;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The gateway's one log output: every OSGi Log Service entry (and, through {@link JulBridge}, every
 * java.util.logging record) becomes one line on stdout and/or in the rotated log file. Levels from PID
 * io.pigeon.logging go to the LoggerAdmin, so a disabled level costs a level check only.
 * <p>
 * Entries arrive on the Log Service's delivery thread; configuration changes on SCR's thread; {@link #write} is
 * synchronized so lines never interleave. {@code @Modified} keeps the file open and the backlog written once across
 * level changes.
 */
// Not a service: it only listens; registering a LogListener would invite a second delivery path.
@Component(service = {}, immediate = true, configurationPid = "io.pigeon.logging",
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = LoggingConfig.class)
public final class LogWriterComponent implements LogListener {

    static final String LOGS_PROPERTY = "pigeon.logs";
    static final String FILE_NAME = "pigeon.log";
    static final String EVENTS_LOGGER = "Events";
    /** Logger names under which Log Service 1.3 callers and framework events arrive; the bundle says more. */
    private static final Set<String> GENERIC_NAMES = Set.of("LogService", "Events.Framework", "Events.Bundle",
            "Events.Service");

    private final LogReaderService reader;
    private final LoggerContext context;
    private final Map<String, LogLevel> previousLevels;
    private final JulBridge jul;
    private final String logsDir;
    private final Logger log;
    /** stdout is this bundle's job; every other bundle logs through the Log Service. */
    private final PrintStream stdout = System.out;
    private boolean toStdout;
    private boolean timestamp;
    private FileSink file;

    @Activate
    public LogWriterComponent(BundleContext bundleContext, LoggingConfig config,
            @Reference LogReaderService reader, @Reference LoggerAdmin loggerAdmin,
            @Reference LoggerFactory loggerFactory) {
        this.reader = reader;
        this.context = loggerAdmin.getLoggerContext(null);
        this.previousLevels = context.getLogLevels();
        this.logsDir = bundleContext.getProperty(LOGS_PROPERTY);
        this.log = loggerFactory.getLogger(LogWriterComponent.class);
        this.jul = new JulBridge(loggerFactory);
        configure(config);
        writeBacklog();
        reader.addLogListener(this);
        jul.install();
    }

    @Modified
    void modified(LoggingConfig config) {
        configure(config);
    }

    @Deactivate
    void deactivate() {
        jul.uninstall();
        reader.removeLogListener(this);
        context.setLogLevels(previousLevels);
        synchronized (this) {
            if (file != null) {
                file.close();
                file = null;
            }
        }
    }

    private void configure(LoggingConfig config) {
        LogLevel rootLevel = LineFormat.level(config.log_level());
        Map<String, LogLevel> named = new HashMap<>();
        List<String> bad = new ArrayList<>();
        for (String entry : config.log_levels()) {
            int equals = entry.indexOf('=');
            if (equals <= 0) {
                bad.add(entry);
            } else {
                named.put(entry.substring(0, equals).trim(), LineFormat.level(entry.substring(equals + 1)));
            }
        }
        Map<String, LogLevel> levels = new HashMap<>(named);
        levels.put(org.osgi.service.log.Logger.ROOT_LOGGER_NAME, rootLevel);
        // Equinox logs every bundle and service event at info under "Events.*": too much for the console.
        levels.putIfAbsent(EVENTS_LOGGER, LogLevel.WARN);
        context.setLogLevels(levels);
        jul.levels(rootLevel, named);

        List<String> dest = List.of(config.log_dest());
        Path path = null;
        if (dest.contains("file")) {
            if (!config.log_file().isBlank()) {
                path = Path.of(config.log_file());
            } else if (logsDir != null && !logsDir.isBlank()) {
                path = Path.of(logsDir, FILE_NAME);
            }
        }
        String fileProblem = null;
        synchronized (this) {
            toStdout = dest.contains("stdout") || path == null && !dest.contains("file");
            timestamp = config.log_timestamp();
            if (file != null && (path == null || !file.sameAs(path, config.log_file_max_bytes(),
                    config.log_file_count()))) {
                file.close();
                file = null;
            }
            if (path != null && file == null) {
                try {
                    file = new FileSink(path, config.log_file_max_bytes(), config.log_file_count());
                } catch (IOException | RuntimeException e) {
                    toStdout = true;
                    fileProblem = path + " (" + e + ")";
                }
            }
        }
        if (fileProblem != null) {
            log.error("Cannot write the log file {}; logging to stdout only. Check that the directory exists and is"
                    + " writable by the gateway's user.", fileProblem);
        }
        for (String entry : bad) {
            log.warn("Ignoring log level '{}': write LOGGER=LEVEL.", entry);
        }
    }

    private void writeBacklog() {
        List<LogEntry> backlog = new ArrayList<>();
        for (Enumeration<LogEntry> entries = reader.getLog(); entries.hasMoreElements();) {
            backlog.add(entries.nextElement());
        }
        Collections.reverse(backlog); // getLog() returns the newest first
        backlog.forEach(this::logged);
    }

    @Override
    public void logged(LogEntry entry) {
        String name = nameOf(entry);
        if (!context.getEffectiveLogLevel(name).implies(entry.getLogLevel())) {
            return;
        }
        write(entry, name);
    }

    private synchronized void write(LogEntry entry, String name) {
        String line = LineFormat.format(entry.getTime(), entry.getLogLevel(), name, entry.getMessage(),
                entry.getException(), timestamp);
        if (toStdout) {
            stdout.println(line);
        }
        if (file != null) {
            file.write(line);
        }
    }

    static String nameOf(LogEntry entry) {
        String name = entry.getLoggerName();
        if (name == null || name.isEmpty() || GENERIC_NAMES.contains(name)) {
            return entry.getBundle() == null ? "framework" : entry.getBundle().getSymbolicName();
        }
        return name;
    }
}
