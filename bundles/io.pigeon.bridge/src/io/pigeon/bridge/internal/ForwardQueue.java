package io.pigeon.bridge.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Iterator;
import java.util.function.Consumer;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.osgi.service.log.Logger;

/**
 * The store-and-forward queue of one bridge: outgoing QoS 1/2 messages in an H2 MVStore file, keyed by an
 * increasing sequence number, so they go upstream in the order they arrived and survive a restart. Bounded in
 * bytes: when a new message does not fit, the oldest give way, and the count is reported.
 * <p>
 * Thread safe: broker threads append, the bridge's own thread reads, removes and commits.
 */
final class ForwardQueue implements AutoCloseable {

    private static final String MAP = "outgoing";

    private final MVStore store;
    private final MVMap<Long, byte[]> messages;
    private final long maxBytes;
    private long nextKey;
    private long bytes;
    private long droppedSinceReport;
    private boolean dirty;

    private ForwardQueue(MVStore store, long maxBytes) {
        this.store = store;
        this.maxBytes = maxBytes;
        this.messages = store.openMap(MAP);
        Long last = messages.lastKey();
        this.nextKey = last == null ? 1 : last + 1;
        for (Iterator<byte[]> it = messages.values().iterator(); it.hasNext();) {
            bytes += it.next().length;
        }
    }

    /**
     * Opens (or creates) the queue file. A file MVStore cannot read is moved aside as {@code FILE.corrupt-TIME}, with
     * a log line saying so, and an empty queue takes its place: the bridge must run even when its disk queue broke.
     */
    static ForwardQueue open(Path file, long maxBytes, String bridge, Logger log) throws IOException {
        Files.createDirectories(file.getParent());
        try {
            return new ForwardQueue(openStore(file), maxBytes);
        } catch (MVStoreException | IllegalStateException e) {
            Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" + Instant.now().toEpochMilli());
            Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            log.error("Bridge {}: the queue file {} cannot be read ({}); the messages it held are lost. It was moved"
                    + " to {} and an empty queue started. Delete that file once you no longer need it.", bridge, file,
                    e.getMessage(), aside);
            return new ForwardQueue(openStore(file), maxBytes);
        }
    }

    private static MVStore openStore(Path file) {
        return new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().open();
    }

    /**
     * Appends a message (already encoded). Makes room by dropping the oldest messages when the bound is reached.
     *
     * @return false when the message alone is larger than the bound and was not kept
     */
    synchronized boolean append(byte[] entry) {
        if (entry.length > maxBytes) {
            droppedSinceReport++;
            return false;
        }
        while (bytes + entry.length > maxBytes) {
            Long oldest = messages.firstKey();
            if (oldest == null) {
                break;
            }
            bytes -= messages.remove(oldest).length;
            droppedSinceReport++;
        }
        messages.put(nextKey++, entry);
        bytes += entry.length;
        dirty = true;
        return true;
    }

    /** The first key after {@code key} (0 for the head), or null at the end. */
    synchronized Long next(long key) {
        return messages.higherKey(key);
    }

    /** The message under {@code key}, or null when it was removed (acknowledged or dropped). */
    synchronized byte[] get(long key) {
        return messages.get(key);
    }

    synchronized void remove(long key) {
        byte[] old = messages.remove(key);
        if (old != null) {
            bytes -= old.length;
            dirty = true;
        }
    }

    /** Hands every message, oldest first, to {@code action}, under the queue's lock (it must be quick). */
    synchronized void forEach(Consumer<byte[]> action) {
        for (Iterator<byte[]> it = messages.values().iterator(); it.hasNext();) {
            action.accept(it.next());
        }
    }

    synchronized long size() {
        return messages.sizeAsLong();
    }

    synchronized long bytes() {
        return bytes;
    }

    /** How many messages gave way to the bound since the last call. */
    synchronized long takeDropped() {
        long n = droppedSinceReport;
        droppedSinceReport = 0;
        return n;
    }

    /** Writes what changed since the last commit to the file and forces it to the disk: one sync per batch. */
    void commit() {
        synchronized (this) {
            if (!dirty) {
                return;
            }
            dirty = false;
            store.commit();
        }
        store.sync();
    }

    @Override
    public synchronized void close() {
        if (!store.isClosed()) {
            store.commit();
            store.close();
        }
    }
}
