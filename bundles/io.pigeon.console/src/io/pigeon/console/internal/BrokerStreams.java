package io.pigeon.console.internal;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import javax.servlet.http.HttpServletResponse;

/**
 * The event streams of one servlet that follows the broker (the live list, the GPIO page), and the broker's
 * {@link BrokerGate} they use. The servlet holds the gate as a dynamic reference and hands its binding here, so that
 * an update of the broker bundle ends these streams instead of waiting for them: a static reference would take the
 * servlet away with the broker, and the HTTP Whiteboard waits for a servlet's running requests before it lets it go,
 * which for a stream is until the browser closes it. The browser reconnects by itself and, while the broker is away,
 * is told to come back ({@link EventStreams#unavailable}).
 */
final class BrokerStreams {

    /** What a stream does with the broker's gate: subscribe, then {@link EventStreams.Stream#pump}. */
    interface Body {
        void run(BrokerGate gate, EventStreams.Stream stream) throws IOException, ApiServlet.BadRequest;
    }

    private final EventStreams streams;
    private final Set<EventStreams.Stream> open = ConcurrentHashMap.newKeySet();
    private volatile BrokerGate gate;

    BrokerStreams(EventStreams streams) {
        this.streams = streams;
    }

    void bind(BrokerGate g) {
        gate = g;
    }

    /** The gate goes (the broker's bundle stops): the open streams end, and the browsers come back for the new one. */
    void unbind(BrokerGate g) {
        if (gate == g) {
            gate = null;
        }
        open.forEach(EventStreams.Stream::end);
    }

    void forEachOpen(Consumer<EventStreams.Stream> action) {
        open.forEach(action);
    }

    /** Answers the request as a stream of this session running {@code body}, or as unavailable without a broker. */
    void serve(Sessions.Session session, HttpServletResponse response, Body body)
            throws IOException, ApiServlet.BadRequest {
        BrokerGate g = gate;
        if (g == null) {
            EventStreams.unavailable(response, "the broker is restarting");
            return;
        }
        try (EventStreams.Stream stream = streams.open(session)) {
            open.add(stream);
            if (gate != g) {
                stream.end(); // the broker went while this request started: the browser comes back for the new one
            }
            try {
                body.run(g, stream);
            } finally {
                open.remove(stream);
            }
        }
    }
}
