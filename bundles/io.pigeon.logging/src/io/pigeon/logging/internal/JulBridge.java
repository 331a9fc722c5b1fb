package io.pigeon.logging.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

import org.osgi.service.log.LogLevel;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * Forwards java.util.logging records (Netty logs through JUL when SLF4J is absent) to the OSGi Log Service under the
 * JUL logger's name. While installed it replaces JUL's default console handler, so a record is printed once, and it
 * sets JUL levels from Pigeon's, so a disabled level is refused by JUL before any message is built.
 * Records arrive on whichever thread logs them.
 */
final class JulBridge extends Handler {

    private final LoggerFactory loggers;
    private final Map<String, Logger> byName = new ConcurrentHashMap<>();
    private final SimpleFormatter messages = new SimpleFormatter();
    private final java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
    private final List<Handler> removed = new ArrayList<>();
    private Level previousRootLevel;
    /** JUL keeps loggers weakly: the ones given a level are held here so the level stays. */
    private final List<java.util.logging.Logger> configured = new ArrayList<>();
    private final List<Level> configuredPrevious = new ArrayList<>();

    JulBridge(LoggerFactory loggers) {
        this.loggers = loggers;
        setLevel(Level.ALL);
    }

    synchronized void install() {
        previousRootLevel = root.getLevel();
        for (Handler handler : root.getHandlers()) {
            if (handler instanceof ConsoleHandler) {
                root.removeHandler(handler);
                removed.add(handler);
            }
        }
        root.addHandler(this);
    }

    synchronized void uninstall() {
        root.removeHandler(this);
        for (Handler handler : removed) {
            root.addHandler(handler);
        }
        removed.clear();
        root.setLevel(previousRootLevel);
        resetConfigured();
    }

    /** Applies Pigeon's levels to JUL: the root and each named logger. */
    synchronized void levels(LogLevel rootLevel, Map<String, LogLevel> named) {
        root.setLevel(jul(rootLevel));
        resetConfigured();
        named.forEach((name, level) -> {
            java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
            configuredPrevious.add(logger.getLevel());
            configured.add(logger);
            logger.setLevel(jul(level));
        });
    }

    private void resetConfigured() {
        for (int i = 0; i < configured.size(); i++) {
            configured.get(i).setLevel(configuredPrevious.get(i));
        }
        configured.clear();
        configuredPrevious.clear();
    }

    static Level jul(LogLevel level) {
        switch (level) {
            case AUDIT:
            case ERROR:
                return Level.SEVERE;
            case WARN:
                return Level.WARNING;
            case INFO:
                return Level.INFO;
            case DEBUG:
                return Level.FINE;
            default:
                return Level.FINEST;
        }
    }

    @Override
    public void publish(LogRecord record) {
        if (record == null) {
            return;
        }
        String name = record.getLoggerName() == null || record.getLoggerName().isEmpty() ? "jul"
                : record.getLoggerName();
        Logger logger = byName.computeIfAbsent(name, loggers::getLogger);
        String message = messages.formatMessage(record);
        Throwable thrown = record.getThrown();
        int value = record.getLevel().intValue();
        // "{}" keeps braces in the JUL message from being read as OSGi placeholders.
        if (value >= Level.SEVERE.intValue()) {
            logger.error("{}", message, thrown);
        } else if (value >= Level.WARNING.intValue()) {
            logger.warn("{}", message, thrown);
        } else if (value >= Level.CONFIG.intValue()) {
            logger.info("{}", message, thrown);
        } else if (value >= Level.FINE.intValue()) {
            logger.debug("{}", message, thrown);
        } else {
            logger.trace("{}", message, thrown);
        }
    }

    @Override
    public void flush() {
        // nothing buffered
    }

    @Override
    public void close() {
        // the log service outlives the handler
    }
}
