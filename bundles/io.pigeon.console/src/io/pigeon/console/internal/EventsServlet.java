package io.pigeon.console.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardTarget;

import io.pigeon.broker.Message;
import io.pigeon.broker.Subscription;
import io.pigeon.broker.spi.ClientIdentity;
import io.pigeon.console.ConsoleContext;

/**
 * {@code GET /api/events?filter=a/%23&filter=b/+}: live traffic as Server-Sent Events ({@code EventSource} in the
 * page). Each filter becomes an in-process broker subscription with the user's rights (see {@link BrokerGate}) that
 * lives as long as the stream. Events: {@code subscribed} (the filters, once they are in place), {@code message}
 * (see {@link MessageJson}), {@code dropped} (how many messages the stream could not keep up with).
 * <p>
 * Threads: broker event loops only put messages into a bounded queue (never block: a full queue drops and counts);
 * the request's thread writes them out, and a comment line every {@value #KEEPALIVE_SECONDS} s notices a closed
 * browser. A stream ends when the browser goes, the session ends, or the component stops. Streams are limited per
 * session and in total, since each holds a server thread.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/api/events")
@HttpWhiteboardContextSelect(ConsoleContext.SELECT)
@HttpWhiteboardTarget(ConsoleContext.TARGET)
public final class EventsServlet extends ApiServlet {

    private static final long serialVersionUID = 1L;
    static final int QUEUE = 1000;
    static final int MAX_FILTERS = 16;
    static final int MAX_STREAMS_PER_SESSION = 4;
    static final int MAX_STREAMS = 16;
    static final int KEEPALIVE_SECONDS = 15;
    /** Seen by a stream's loop as "stop now". */
    private static final Map<String, Object> STOP = Map.of();

    private final transient BrokerGate gate;
    private final transient Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private final transient Clock clock = Clock.systemUTC();
    private volatile boolean stopped;

    private final class Stream {
        final Sessions.Session session;
        final BlockingQueue<Map<String, Object>> queue = new ArrayBlockingQueue<>(QUEUE);
        final AtomicLong dropped = new AtomicLong();

        Stream(Sessions.Session session) {
            this.session = session;
        }

        void offer(Message m) {
            if (!queue.offer(MessageJson.of(m, clock.millis()))) {
                dropped.incrementAndGet();
            }
        }

        void stop() {
            queue.clear();
            queue.offer(STOP);
        }
    }

    @Activate
    public EventsServlet(@Reference BrokerGate gate) {
        this.gate = gate;
    }

    @Deactivate
    void deactivate() {
        stopped = true;
        streams.forEach(Stream::stop);
    }

    @Override
    void get(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
        String[] requested = request.getParameterValues("filter");
        if (requested == null || requested.length == 0) {
            throw new BadRequest("give at least one topic filter: /api/events?filter=sensors/%23");
        }
        Set<String> filters = new LinkedHashSet<>(List.of(requested));
        if (filters.size() > MAX_FILTERS) {
            throw new BadRequest("at most " + MAX_FILTERS + " filters per stream");
        }
        Sessions.Session session = session(request);
        Stream stream = new Stream(session);
        synchronized (streams) {
            if (streams.size() >= MAX_STREAMS) {
                throw new BadRequest(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "the console already serves "
                        + MAX_STREAMS + " live streams; close another tab or window");
            }
            if (streams.stream().filter(s -> s.session == session).count() >= MAX_STREAMS_PER_SESSION) {
                throw new BadRequest(429, "this session already has " + MAX_STREAMS_PER_SESSION
                        + " live streams; close another tab");
            }
            streams.add(stream);
        }
        ClientIdentity who = identity(request);
        List<Subscription> subscriptions = new ArrayList<>();
        try {
            for (String filter : filters) {
                try {
                    subscriptions.add(gate.subscribe(who, filter, stream::offer));
                } catch (BrokerGate.Refused e) {
                    throw new BadRequest(HttpServletResponse.SC_FORBIDDEN, e.getMessage());
                } catch (IllegalArgumentException e) {
                    throw new BadRequest(e.getMessage());
                }
            }
            response.setStatus(HttpServletResponse.SC_OK);
            response.setContentType("text/event-stream;charset=utf-8");
            OutputStream out = response.getOutputStream();
            write(out, "subscribed", Map.of("filters", filters));
            pump(stream, out);
        } finally {
            subscriptions.forEach(Subscription::close);
            streams.remove(stream);
        }
    }

    private void pump(Stream stream, OutputStream out) throws IOException {
        try {
            int idleSeconds = 0;
            while (!stopped && !stream.session.ended) {
                // wake every second, so that a logout ends the stream within a second
                Map<String, Object> event = stream.queue.poll(1, TimeUnit.SECONDS);
                if (event == STOP) {
                    return;
                }
                long dropped = stream.dropped.getAndSet(0);
                if (dropped > 0) {
                    write(out, "dropped", Map.of("count", dropped));
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
                    write(out, "message", event);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the browser went away: end the stream quietly
        }
    }

    private static void write(OutputStream out, String event, Object data) throws IOException {
        // JSON has no raw newlines, so one data line per event
        out.write(("event: " + event + "\ndata: " + Json.GSON.toJson(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
