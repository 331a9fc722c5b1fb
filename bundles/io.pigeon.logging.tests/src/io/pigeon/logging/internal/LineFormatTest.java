package io.pigeon.logging.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.log.LogLevel;

/** The line format and the file rotation without OSGi. */
class LineFormatTest {

    @TempDir
    Path dir;

    @Test
    void oneLineWithTimeLevelAndName() {
        long time = java.time.Instant.parse("2026-11-25T12:00:00.123Z").toEpochMilli();
        assertEquals("2026-11-25T12:00:00.123Z INFO  [io.pigeon.broker] started",
                LineFormat.format(time, LogLevel.INFO, "io.pigeon.broker", "started", null, true));
        assertEquals("WARN  [x] m", LineFormat.format(time, LogLevel.WARN, "x", "m", null, false));
        assertEquals("ERROR [x] m", LineFormat.format(time, LogLevel.ERROR, "x", "m", null, false));
    }

    @Test
    void stackTraceFollowsTheLine() {
        String text = LineFormat.format(0, LogLevel.ERROR, "x", "failed", new IllegalStateException("boom"), false);
        List<String> lines = text.lines().toList();
        assertEquals("ERROR [x] failed", lines.get(0));
        assertEquals("java.lang.IllegalStateException: boom", lines.get(1));
        assertTrue(lines.get(2).trim().startsWith("at "), text);
    }

    @Test
    void levelsFromTheConfigurationFile() {
        assertEquals(LogLevel.WARN, LineFormat.level("warning"));
        assertEquals(LogLevel.TRACE, LineFormat.level("TRACE"));
        assertEquals(LogLevel.ERROR, LineFormat.level("error"));
    }

    @Test
    void rotationBoundsTheSize() throws IOException {
        Path file = dir.resolve("pigeon.log");
        String line = "x".repeat(99);
        try (FileSink sink = new FileSink(file, 4096, 3)) {
            for (int i = 0; i < 1000; i++) {
                sink.write(line);
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> logs = files.filter(p -> p.getFileName().toString().matches("pigeon\\.log(\\.\\d)?")).toList();
            assertEquals(3, logs.size(), logs.toString());
            assertTrue(logs.contains(file), "the current file keeps its plain name: " + logs);
            for (Path log : logs) {
                assertTrue(Files.size(log) <= 4096, log + " is " + Files.size(log) + " bytes");
            }
        }
    }
}
