package io.pigeon.logging.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.log.admin.LoggerAdmin;

/** Inside Equinox: entries reach the file, the file rotates, and level changes take effect. */
class LogWriterOsgiTest {

    @TempDir
    Path dir;
    BundleContext context;
    Configuration configuration;
    Logger logger;
    Path file;

    @BeforeEach
    void configure() throws IOException {
        context = FrameworkUtil.getBundle(LogWriterComponent.class).getBundleContext();
        configuration = service(ConfigurationAdmin.class).getConfiguration("io.pigeon.logging", "?");
        logger = service(LoggerFactory.class).getLogger("io.pigeon.test");
        file = dir.resolve("pigeon.log");
    }

    @AfterEach
    void restore() throws IOException {
        configuration.delete();
    }

    private void apply(String level, long maxBytes, int count) throws IOException {
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("log.level", level);
        properties.put("log.levels", new String[] {"io.pigeon.quiet=error"});
        properties.put("log.dest", new String[] {"file"});
        properties.put("log.file", file.toString());
        properties.put("log.file.max.bytes", maxBytes);
        properties.put("log.file.count", count);
        configuration.update(properties);
    }

    @Test
    void entryAppearsInTheFile() throws Exception {
        apply("info", 1_000_000, 2);
        String marker = mark(LogLevel.INFO);
        String text = logText();
        assertTrue(text.matches("(?s).*\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO  \\[io.pigeon.test\\] "
                + marker + ".*"), text);
    }

    @Test
    void rotationBoundsTheSize() throws Exception {
        apply("info", 4096, 2);
        mark(LogLevel.INFO);
        String filler = "y".repeat(200);
        for (int i = 0; i < 300; i++) {
            logger.info("{} {}", i, filler);
        }
        mark(LogLevel.INFO);
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> logs = files.filter(p -> p.getFileName().toString().matches("pigeon\\.log(\\.\\d)?")).toList();
            assertEquals(2, logs.size(), logs.toString());
            for (Path log : logs) {
                assertTrue(Files.size(log) <= 4096 + 400, log + " has " + Files.size(log) + " bytes");
            }
        }
    }

    @Test
    void levelChangeTakesEffect() throws Exception {
        apply("warning", 1_000_000, 2);
        waitFor(() -> service(LoggerAdmin.class).getLoggerContext(null).getEffectiveLogLevel("io.pigeon.test")
                == LogLevel.WARN, "root level WARN");
        assertFalse(logger.isInfoEnabled(), "a disabled level costs only this check");
        logger.info("hidden-info");
        mark(LogLevel.WARN);
        assertFalse(logText().contains("hidden-info"));

        apply("debug", 1_000_000, 2);
        waitFor(() -> logger.isDebugEnabled(), "debug enabled");
        String marker = mark(LogLevel.DEBUG);
        assertTrue(logText().contains("DEBUG [io.pigeon.test] " + marker));
        Logger quiet = service(LoggerFactory.class).getLogger("io.pigeon.quiet.child");
        assertFalse(quiet.isWarnEnabled(), "a logger's own level applies to its children");
    }

    @Test
    void javaUtilLoggingIsBridged() throws Exception {
        apply("info", 1_000_000, 2);
        mark(LogLevel.INFO);
        String text = "jul-" + UUID.randomUUID();
        java.util.logging.Logger.getLogger("io.netty.test").warning(text);
        waitFor(() -> logText().contains("WARN  [io.netty.test] " + text), "the JUL record in the file");
    }

    /** Logs a unique marker until it shows up in the file (configuration changes apply asynchronously). */
    private String mark(LogLevel level) throws InterruptedException {
        String marker = "marker-" + UUID.randomUUID();
        waitFor(() -> {
            switch (level) {
                case WARN -> logger.warn(marker);
                case DEBUG -> logger.debug(marker);
                default -> logger.info(marker);
            }
            return logText().contains(marker);
        }, "the marker in the log file");
        return marker;
    }

    private String logText() {
        try (Stream<Path> files = Files.list(dir)) {
            StringBuilder text = new StringBuilder();
            for (Path log : files.filter(p -> p.getFileName().toString().startsWith("pigeon.log")
                    && !p.toString().endsWith(".lck")).sorted().toList()) {
                text.append(Files.readString(log));
            }
            return text.toString();
        } catch (IOException e) {
            return "";
        }
    }

    private <T> T service(Class<T> type) {
        ServiceReference<T> reference = context.getServiceReference(type);
        assertNotNull(reference, type.getName() + " is registered");
        return context.getService(reference);
    }

    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < end) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what);
    }
}
