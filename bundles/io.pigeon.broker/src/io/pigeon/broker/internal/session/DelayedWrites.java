package io.pigeon.broker.internal.session;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * One timer per event loop for the messages its persistent sessions hold back from the store (see
 * {@code Session.keepSafe}): when it fires, each waiting session writes what its client has not acknowledged in time.
 * One timer for the loop rather than one per session, so that a message fanned out to thousands of persistent
 * sessions costs one timer, not thousands.
 * <p>
 * Threading: only on its loop. A session that moved to another loop meanwhile has written everything it held when its
 * client left, and is dropped here.
 */
final class DelayedWrites {

    private final EventExecutor loop;
    private final Sessions sessions;
    private final ArrayDeque<Session> waiting = new ArrayDeque<>();
    private ScheduledFuture<?> timer;

    DelayedWrites(EventExecutor loop, Sessions sessions) {
        this.loop = loop;
        this.sessions = sessions;
    }

    /** {@code session} holds a message back now (it was not waiting here). */
    void add(Session session) {
        waiting.addLast(session);
        if (timer == null) {
            schedule(sessions.writeDelayNanos());
        }
    }

    private void schedule(long inNanos) {
        timer = loop.schedule(this::fire, Math.max(0, inNanos), TimeUnit.NANOSECONDS);
    }

    private void fire() {
        timer = null;
        long next = Long.MAX_VALUE;
        for (int n = waiting.size(); n > 0; n--) {
            Session s = waiting.pollFirst();
            long due = s.writeOverdue(this);
            if (due >= 0) {
                waiting.addLast(s);
                next = Math.min(next, due);
            }
        }
        if (!waiting.isEmpty()) {
            schedule(next);
        }
    }
}
