package io.pigeon.console.internal;

import java.io.IOException;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardTarget;

import io.pigeon.broker.TopicFilters;
import io.pigeon.console.ConsoleContext;

/**
 * {@code GET /api/traffic?prefix=a/b&limit=50}: messages/s and bytes/s per topic level below {@code prefix} (the top
 * level without it) and per client, over the last {@link TrafficMonitor#WINDOW_SECONDS} s, highest first. The first
 * call starts the counting ({@link TrafficMonitor}); the rates fill in over the next seconds.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/api/traffic")
@HttpWhiteboardContextSelect(ConsoleContext.SELECT)
@HttpWhiteboardTarget(ConsoleContext.TARGET)
public final class TrafficServlet extends ApiServlet {

    private static final long serialVersionUID = 1L;

    private final transient TrafficMonitor monitor;

    @Activate
    public TrafficServlet(@Reference TrafficMonitor monitor) {
        this.monitor = monitor;
    }

    @Override
    void get(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
        String prefix = request.getParameter("prefix");
        prefix = prefix == null ? "" : prefix;
        if (!prefix.isEmpty() && !TopicFilters.isValidTopicName(prefix)) {
            throw new BadRequest("prefix must be a topic name (no + or #), not \"" + prefix + "\"");
        }
        int limit = (int) GatewayServlets.number(request, "limit", 1, 500, 50);
        ok(response, monitor.report(prefix, limit));
    }
}
