package io.pigeon.broker.internal.message;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the acknowledgement of one QoS 1/2 PUBLISH waits for: each of its deliveries to a persistent session, until
 * that session's client has acknowledged it or the store has it on disk. Either way the message can no longer be
 * lost, so the publisher may be told it was received. A delivery whose write failed fails the receipt, and the
 * publisher is refused instead (MQTT 5: 0x97).
 * <p>
 * The publisher's thread creates it, holds one delivery per persistent session while routing, and {@link #seal}s
 * it when routing is done; sessions settle their deliveries from their own event loops, the store's callbacks from
 * its writer thread. Lock-free.
 */
public final class PublishReceipt {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    /** Deliveries not yet safe, plus one for the router until {@link #seal}. */
    private final AtomicInteger open = new AtomicInteger(1);
    private final CompletableFuture<Void> safe = new CompletableFuture<>();
    private volatile Throwable failure;

    /** One more delivery to a persistent session (publisher's thread, during routing). */
    public void hold() {
        open.incrementAndGet();
    }

    /** A delivery is safe: acknowledged by its client, on disk, or no longer owed (dropped, session ended). */
    public void settle() {
        if (open.decrementAndGet() == 0) {
            finish();
        }
    }

    /** A delivery could not be written: the receipt fails once every delivery has settled. */
    public void fail(Throwable cause) {
        failure = cause;
        settle();
    }

    /**
     * Routing is done. @return a future that completes when every delivery is safe, or fails when a write failed;
     * already complete when no persistent session got the message or all of them already settled
     */
    public CompletableFuture<Void> seal() {
        if (open.decrementAndGet() == 0) {
            Throwable f = failure;
            return f == null ? DONE : CompletableFuture.failedFuture(f);
        }
        return safe;
    }

    private void finish() {
        Throwable f = failure;
        if (f == null) {
            safe.complete(null);
        } else {
            safe.completeExceptionally(f);
        }
    }
}
