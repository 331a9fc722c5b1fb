package io.pigeon.auth.internal;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;

import org.osgi.service.log.Logger;

/**
 * Watches one file (through its directory, so a file replaced by a rename, as editors and {@code pigeon passwd} do,
 * is still seen) and calls {@code onChange} once a burst of changes has settled. Runs its own daemon thread, named
 * after the file, until {@link #close()}.
 */
final class FileWatcher implements AutoCloseable {

    private final WatchService service;
    private final String name;
    private final Runnable onChange;
    private final long debounceMillis;
    private final Logger log;
    private final Thread thread;

    FileWatcher(Path file, Runnable onChange, long debounceMillis, Logger log) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        this.name = file.getFileName().toString();
        this.onChange = onChange;
        this.debounceMillis = debounceMillis;
        this.log = log;
        this.service = FileSystems.getDefault().newWatchService();
        try {
            dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException | RuntimeException e) {
            service.close();
            throw e;
        }
        this.thread = new Thread(this::run, "pigeon-auth-watcher-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        long due = 0;
        try {
            while (!Thread.currentThread().isInterrupted()) {
                WatchKey key = due == 0 ? service.take()
                        : service.poll(Math.max(1, due - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
                if (key != null) {
                    if (matters(key)) {
                        due = System.currentTimeMillis() + debounceMillis;
                    }
                    key.reset();
                } else if (due != 0 && System.currentTimeMillis() >= due) {
                    due = 0;
                    try {
                        onChange.run();
                    } catch (RuntimeException e) {
                        log.error("Reloading {} failed: {}", name, e.toString(), e);
                    }
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed: the component is deactivating or its settings changed
        }
    }

    private boolean matters(WatchKey key) {
        boolean matters = false;
        for (WatchEvent<?> event : key.pollEvents()) {
            matters |= event.kind() == StandardWatchEventKinds.OVERFLOW || name.equals(String.valueOf(event.context()));
        }
        return matters;
    }

    @Override
    public void close() {
        thread.interrupt();
        try {
            service.close();
            thread.join(2000);
        } catch (IOException e) {
            log.debug("Closing the watcher of {}: {}", name, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
