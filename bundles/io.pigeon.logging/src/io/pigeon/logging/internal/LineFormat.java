package io.pigeon.logging.internal;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import org.osgi.service.log.LogLevel;

/**
 * One log entry as one line: {@code 2026-11-25T12:00:00.123Z INFO  [io.pigeon.broker] message}, followed by the
 * exception's stack trace lines when there is one. Stateless and thread safe.
 */
final class LineFormat {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private LineFormat() {
    }

    static String format(long time, LogLevel level, String name, String message, Throwable exception,
            boolean timestamp) {
        StringBuilder line = new StringBuilder(128);
        if (timestamp) {
            TIME.formatTo(Instant.ofEpochMilli(time), line);
            line.append(' ');
        }
        String levelName = level == LogLevel.WARN ? "WARN" : level.name();
        line.append(levelName);
        for (int i = levelName.length(); i < 5; i++) {
            line.append(' ');
        }
        line.append(" [").append(name).append("] ").append(message);
        if (exception != null) {
            StringWriter trace = new StringWriter();
            exception.printStackTrace(new PrintWriter(trace));
            line.append(System.lineSeparator()).append(trace.toString().stripTrailing());
        }
        return line.toString();
    }

    /** Pigeon's level names (as in etc/pigeon.conf) to OSGi's. */
    static LogLevel level(String name) {
        switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "error":
                return LogLevel.ERROR;
            case "warning", "warn":
                return LogLevel.WARN;
            case "debug":
                return LogLevel.DEBUG;
            case "trace":
                return LogLevel.TRACE;
            case "audit":
                return LogLevel.AUDIT;
            default:
                return LogLevel.INFO;
        }
    }
}
