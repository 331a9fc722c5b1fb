package io.pigeon.console.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.servlet.http.HttpServletResponse;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The console's Server-Sent Events streams (live traffic, GPIO state), limited per session and in total because each
 * holds a server thread for as long as it is open.
 * <p>
 * Threads: broker event loops and other notifiers only {@link Stream#offer} events into a bounded queue (never block:
 * a full queue drops and counts); the request's thread writes them out in {@link Stream#pump}, and a comment line every
 * {@value #KEEPALIVE_SECONDS} s notices a closed browser. A stream ends when the browser goes, the session ends, or the
 * console stops. The HTTP Whiteboard waits for a servlet's running requests before it lets the servlet go, so the
 * streams end as soon as the gateway or the console bundle starts to stop, before the servlets are taken away:
 * otherwise an open page would hold up the shutdown.
 */
@Component(service = EventStreams.class)
public final class EventStreams {

    static final int QUEUE = 1000;
    static final int MAX_STREAMS_PER_SESSION = 4;
    static final int MAX_STREAMS = 16;
    static final int KEEPALIVE_SECONDS = 15;
    /** How soon a browser opens an ended stream again (EventSource's default is about 3 s). */
    static final int RETRY_MILLIS = 2000;
    private static final byte[] RETRY = ("retry: " + RETRY_MILLIS + "\n\n").getBytes(StandardCharsets.UTF_8);

    /** One event: its SSE name and its data, written as one JSON line. */
    record Event(String name, Object data) {
    }

    /** Seen by a stream's loop as "stop now". */
    private static final Event STOP = new Event("", Map.of());

    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private final BundleContext context;
    private final SynchronousBundleListener stopping;
    private volatile boolean stopped;

    /** One open stream. */
    final class Stream implements AutoCloseable {
        final Sessions.Session session;
        private final BlockingQueue<Event> queue = new ArrayBlockingQueue<>(QUEUE);
        private final AtomicLong dropped = new AtomicLong();

        private Stream(Sessions.Session session) {
            this.session = session;
        }

        /** Queues an event; never blocks (a full queue drops it and counts). */
        void offer(String name, Object data) {
            if (!queue.offer(new Event(name, data))) {
                dropped.incrementAndGet();
            }
        }

        /** Ends the stream: its request returns, and the browser reconnects after {@value #RETRY_MILLIS} ms. */
        void end() {
            queue.clear();
            queue.offer(STOP);
        }

        /**
         * Answers the request as an event stream: {@code first} at once, then the queued events until the browser
         * goes, the session ends or the console stops. A {@code dropped} event says how many events the stream could
         * not keep up with.
         */
        void pump(HttpServletResponse response, Event first) throws IOException {
            response.setStatus(HttpServletResponse.SC_OK);
            response.setContentType("text/event-stream;charset=utf-8");
            OutputStream out = response.getOutputStream();
            out.write(RETRY);
            write(out, first.name(), first.data());
            try {
                int idleSeconds = 0;
                while (!stopped && !session.ended) {
                    // wake every second, so that a logout ends the stream within a second
                    Event event = queue.poll(1, TimeUnit.SECONDS);
                    if (event == STOP) {
                        return;
                    }
                    long lost = dropped.getAndSet(0);
                    if (lost > 0) {
                        write(out, "dropped", Map.of("count", lost));
                    }
                    if (event == null) {
                        if (++idleSeconds < KEEPALIVE_SECONDS) {
                            continue;
                        }
                        idleSeconds = 0;
                        out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    } else {
                        idleSeconds = 0;
                        write(out, event.name(), event.data());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // the browser went away: end the stream quietly
            }
        }

        @Override
        public void close() {
            streams.remove(this);
        }
    }

    /**
     * A new stream for this session, to be closed when the request ends.
     *
     * @throws ApiServlet.BadRequest 503 when the console serves {@value #MAX_STREAMS} streams, 429 when the session has
     *                               {@value #MAX_STREAMS_PER_SESSION}
     */
    Stream open(Sessions.Session session) throws ApiServlet.BadRequest {
        Stream stream = new Stream(session);
        synchronized (streams) {
            if (stopped) {
                throw new ApiServlet.BadRequest(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "the console is stopping");
            }
            if (streams.size() >= MAX_STREAMS) {
                throw new ApiServlet.BadRequest(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "the console already "
                        + "serves " + MAX_STREAMS + " live streams; close another tab or window");
            }
            if (streams.stream().filter(s -> s.session == session).count() >= MAX_STREAMS_PER_SESSION) {
                throw new ApiServlet.BadRequest(429, "this session already has " + MAX_STREAMS_PER_SESSION
                        + " live streams; close another tab");
            }
            streams.add(stream);
        }
        return stream;
    }

    @Activate
    public EventStreams(BundleContext context) {
        this.context = context;
        Bundle console = context.getBundle();
        this.stopping = event -> {
            if (event.getType() == BundleEvent.STOPPING && (event.getBundle().getBundleId() == 0
                    || event.getBundle().equals(console))) {
                stopAll();
            }
        };
        context.addBundleListener(stopping);
    }

    @Deactivate
    void deactivate() {
        try {
            context.removeBundleListener(stopping);
        } catch (IllegalStateException e) {
            // the bundle is stopping already
        }
        stopAll();
    }

    private void stopAll() {
        stopped = true;
        streams.forEach(Stream::end);
    }

    /**
     * Answers a stream request while what it needs is away (the broker during its bundle's update): an
     * {@code unavailable} event and the end of the stream, after which the browser tries again in
     * {@value #RETRY_MILLIS} ms. An error status instead would make EventSource give up for good.
     */
    static void unavailable(HttpServletResponse response, String why) throws IOException {
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType("text/event-stream;charset=utf-8");
        OutputStream out = response.getOutputStream();
        out.write(RETRY);
        write(out, "unavailable", Map.of("reason", why));
    }

    private static void write(OutputStream out, String event, Object data) throws IOException {
        // JSON has no raw newlines, so one data line per event
        out.write(("event: " + event + "\ndata: " + Json.GSON.toJson(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
