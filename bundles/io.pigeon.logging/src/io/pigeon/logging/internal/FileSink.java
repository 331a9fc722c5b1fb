package io.pigeon.logging.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A size-bounded, rotated log file in the layout logrotate and Mosquitto users expect: the current file is
 * {@code NAME} (so {@code tail -f logs/pigeon.log} works), older ones {@code NAME.1} ... {@code NAME.(count-1)}.
 * A line that would take the file past {@code limit} bytes first rotates it, so no file exceeds the limit by more
 * than one line. Thread safe: writers from every thread serialize on this object.
 */
final class FileSink implements AutoCloseable {

    private final Path file;
    private final long limit;
    private final int count;
    private OutputStream out;
    private long size;

    FileSink(Path file, long limit, int count) throws IOException {
        this.file = file.toAbsolutePath();
        this.limit = Math.max(1024, limit);
        this.count = Math.max(1, count);
        Files.createDirectories(this.file.getParent());
        open();
    }

    boolean sameAs(Path otherFile, long otherLimit, int otherCount) {
        return file.equals(otherFile.toAbsolutePath()) && limit == Math.max(1024, otherLimit)
                && count == Math.max(1, otherCount);
    }

    synchronized void write(String line) {
        byte[] bytes = (line + System.lineSeparator()).getBytes(StandardCharsets.UTF_8);
        try {
            if (size > 0 && size + bytes.length > limit) {
                rotate();
            }
            out.write(bytes);
            out.flush();
            size += bytes.length;
        } catch (IOException e) {
            // A full or read-only disk must not stop the gateway; stdout still carries the log.
            size = 0;
        }
    }

    private void open() throws IOException {
        out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        size = Files.size(file);
    }

    private void rotate() throws IOException {
        out.close();
        if (count == 1) {
            Files.deleteIfExists(file);
        } else {
            Files.deleteIfExists(numbered(count - 1));
            for (int n = count - 2; n >= 1; n--) {
                if (Files.exists(numbered(n))) {
                    Files.move(numbered(n), numbered(n + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(file, numbered(1), StandardCopyOption.REPLACE_EXISTING);
        }
        open();
    }

    private Path numbered(int n) {
        return file.resolveSibling(file.getFileName() + "." + n);
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            // Nothing left to write to; the stream is gone either way.
        }
    }
}
