package io.pigeon.store.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.h2.store.fs.FileBase;
import org.h2.store.fs.FilePathWrapper;

/**
 * An H2 file system ({@value #SCHEME}:/path) over the disk whose writes and syncs fail with "No space left on device"
 * while {@link #full} is set: a full disk, on demand, without root or a small mount. It also counts the syncs, and a
 * sync can be held at a {@link #syncGate gate}, so that a test knows which changes the store's writer takes together.
 */
public final class FailingFileSystem extends FilePathWrapper {

    static final String SCHEME = "failing";
    static volatile boolean full;
    /** Syncs (force) of every file of this file system. */
    static final AtomicInteger syncs = new AtomicInteger();
    /** When set, a sync counts {@link #syncWaiting} down and waits for this latch before it syncs. */
    static volatile CountDownLatch syncGate;
    static volatile CountDownLatch syncWaiting;

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public FileChannel open(String mode) throws IOException {
        return new FailingChannel(getBase().open(mode));
    }

    private static void check() throws IOException {
        if (full) {
            throw new IOException("No space left on device");
        }
    }

    private static final class FailingChannel extends FileBase {
        private final FileChannel base;

        FailingChannel(FileChannel base) {
            this.base = base;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return base.read(dst);
        }

        @Override
        public synchronized int read(ByteBuffer dst, long position) throws IOException {
            return base.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            check();
            return base.write(src);
        }

        @Override
        public synchronized int write(ByteBuffer src, long position) throws IOException {
            check();
            return base.write(src, position);
        }

        @Override
        public long position() throws IOException {
            return base.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            base.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return base.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            check();
            base.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            CountDownLatch gate = syncGate;
            if (gate != null) {
                syncWaiting.countDown();
                try {
                    if (!gate.await(30, TimeUnit.SECONDS)) {
                        throw new IOException("the test never opened the sync gate");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted at the sync gate", e);
                }
            }
            check();
            base.force(metaData);
            syncs.incrementAndGet();
        }

        @Override
        public synchronized FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return base.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            base.close();
        }
    }
}
