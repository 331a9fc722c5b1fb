package io.pigeon.console.internal;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardTarget;

import io.pigeon.broker.Subscription;
import io.pigeon.broker.spi.ClientIdentity;
import io.pigeon.console.ConsoleContext;

/**
 * {@code GET /api/events?filter=a/%23&filter=b/+}: live traffic as Server-Sent Events ({@code EventSource} in the
 * page). Each filter becomes an in-process broker subscription with the user's rights (see {@link BrokerGate}) that
 * lives as long as the stream. Events: {@code subscribed} (the filters, once they are in place), {@code message}
 * (see {@link MessageJson}), {@code dropped} (how many messages the stream could not keep up with). The stream's
 * queue, keep-alive and limits are {@link EventStreams}'.
 * The broker is a dynamic reference: see {@link BrokerStreams}.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/api/events")
@HttpWhiteboardContextSelect(ConsoleContext.SELECT)
@HttpWhiteboardTarget(ConsoleContext.TARGET)
public final class EventsServlet extends ApiServlet {

    private static final long serialVersionUID = 1L;
    static final int MAX_FILTERS = 16;

    private final transient BrokerStreams streams;
    private final transient Clock clock = Clock.systemUTC();

    @Activate
    public EventsServlet(@Reference EventStreams streams) {
        this.streams = new BrokerStreams(streams);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindGate(BrokerGate g) {
        streams.bind(g);
    }

    void unbindGate(BrokerGate g) {
        streams.unbind(g);
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
        ClientIdentity who = identity(request);
        streams.serve(session(request), response, (gate, stream) -> {
            List<Subscription> subscriptions = new ArrayList<>();
            try {
                for (String filter : filters) {
                    try {
                        subscriptions.add(gate.subscribe(who, filter,
                                m -> stream.offer("message", MessageJson.of(m, clock.millis()))));
                    } catch (BrokerGate.Refused e) {
                        throw new BadRequest(HttpServletResponse.SC_FORBIDDEN, e.getMessage());
                    } catch (IllegalArgumentException e) {
                        throw new BadRequest(e.getMessage());
                    }
                }
                stream.pump(response, new EventStreams.Event("subscribed", Map.of("filters", filters)));
            } finally {
                subscriptions.forEach(Subscription::close);
            }
        });
    }
}
