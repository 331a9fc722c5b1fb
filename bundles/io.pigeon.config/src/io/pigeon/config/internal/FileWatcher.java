package io.pigeon.config.internal;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.osgi.service.log.Logger;

/**
 * Watches the configuration file, the include directories and the files the configuration names, and calls
 * {@code onChange} once a burst of changes has settled (editors write a file in several steps). Files are watched
 * through their directory, so a file replaced by a rename (as editors and {@code pigeon passwd} do) is still seen.
 * Runs its own daemon thread, "pigeon-config-watcher", until {@link #close()}.
 */
final class FileWatcher implements AutoCloseable {

    private final WatchService service;
    /** Directory watched -> the file names in it that matter, or null for every *.conf (an include_dir). */
    private final Map<Path, Set<String>> interest = new HashMap<>();
    private final Runnable onChange;
    private final long debounceMillis;
    private final Logger log;
    private final Thread thread;

    FileWatcher(Collection<Path> paths, Runnable onChange, long debounceMillis, Logger log) throws IOException {
        this.service = FileSystems.getDefault().newWatchService();
        this.onChange = onChange;
        this.debounceMillis = debounceMillis;
        this.log = log;
        for (Path path : paths) {
            if (Files.isDirectory(path)) {
                interest.put(path, null);
            } else if (path.getParent() != null) {
                interest.computeIfAbsent(path.getParent(), dir -> new LinkedHashSet<>()).add(path.getFileName().toString());
            }
        }
        for (Path dir : interest.keySet()) {
            if (Files.isDirectory(dir)) {
                dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE);
            }
        }
        this.thread = new Thread(this::run, "pigeon-config-watcher");
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
                        log.error("Reloading the configuration failed: {}", e.toString(), e);
                    }
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed: the component is deactivating
        }
    }

    private boolean matters(WatchKey key) {
        Path dir = (Path) key.watchable();
        Set<String> names = interest.get(dir);
        boolean matters = false;
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                matters = true;
            } else {
                String name = event.context().toString();
                matters |= names == null ? name.endsWith(".conf") : names.contains(name);
            }
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
            log.debug("Closing the file watcher: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
