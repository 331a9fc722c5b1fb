package io.pigeon.console.internal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.framework.FrameworkUtil;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardTarget;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import io.pigeon.bridge.Bridge;
import io.pigeon.broker.Broker;
import io.pigeon.broker.BrokerStats;
import io.pigeon.console.ConsoleContext;

/**
 * The gateway page (what Kura's web UI shows): the broker's {@code $SYS} figures, the connected clients with a
 * disconnect button, the bridges, and the latest log lines. The page polls these routes and draws the graphs itself.
 */
final class GatewayServlets {

    private GatewayServlets() {
    }

    /**
     * {@code GET /api/gateway/stats}: the numbers Mosquitto publishes under {@code $SYS/broker}, from
     * {@link Broker#stats()} (the same counters, without a subscription), plus the JVM heap. Counters are totals; the
     * page turns them into rates between two polls.
     */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/gateway/stats")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Stats extends ApiServlet {
        private static final long serialVersionUID = 1L;

        private final transient Broker broker;

        @Activate
        public Stats(@Reference Broker broker) {
            this.broker = broker;
        }

        @Override
        void get(HttpServletRequest request, HttpServletResponse response) throws IOException {
            BrokerStats s = broker.stats();
            MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("time", System.currentTimeMillis());
            // the broker bundle's version: the service's class is its (Broker.class is io.pigeon.broker.api's)
            out.put("version", FrameworkUtil.getBundle(broker.getClass()).getVersion().toString());
            out.put("uptimeSeconds", s.uptimeSeconds());
            out.put("clientsConnected", s.clientsConnected());
            out.put("clientsDisconnected", s.clientsDisconnected());
            out.put("clientsTotal", s.clientsTotal());
            out.put("clientsMaximum", s.clientsMaximum());
            out.put("clientsExpired", s.clientsExpired());
            out.put("messagesReceived", s.messagesReceived());
            out.put("messagesSent", s.messagesSent());
            out.put("publishReceived", s.publishReceived());
            out.put("publishSent", s.publishSent());
            out.put("publishDropped", s.publishDropped());
            out.put("bytesReceived", s.bytesReceived());
            out.put("bytesSent", s.bytesSent());
            out.put("subscriptions", s.subscriptions());
            out.put("retainedMessages", s.retainedMessages());
            out.put("storedMessages", s.storedMessages());
            out.put("heapUsed", heap.getUsed());
            out.put("heapMax", heap.getMax());
            out.put("jvmUptimeSeconds", ManagementFactory.getRuntimeMXBean().getUptime() / 1000);
            ok(response, out);
        }
    }

    /** {@code GET /api/gateway/clients}: every session the broker holds, from {@link Broker#clients()}. */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/gateway/clients")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Clients extends ApiServlet {
        private static final long serialVersionUID = 1L;

        private final transient Broker broker;

        @Activate
        public Clients(@Reference Broker broker) {
            this.broker = broker;
        }

        @Override
        void get(HttpServletRequest request, HttpServletResponse response) throws IOException {
            ok(response, Map.of("clients", broker.clients()));
        }
    }

    /**
     * {@code POST /api/gateway/disconnect} {"clientId"}: ends that client's connection as an administrative action
     * ({@link Broker#disconnect}). The broker has no per-user right for this (an ACL grants topics only), so every
     * console user may do it, as every console user may see the client list; the log names who did it.
     */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/gateway/disconnect")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Disconnect extends ApiServlet {
        private static final long serialVersionUID = 1L;

        private static final class Request {
            String clientId;
        }

        private final transient Broker broker;
        private final transient Logger log;

        @Activate
        public Disconnect(@Reference Broker broker, @Reference(service = LoggerFactory.class) Logger log) {
            this.broker = broker;
            this.log = log;
        }

        @Override
        void post(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            Request r = body(request, Request.class);
            if (r.clientId == null) {
                throw new BadRequest("clientId is missing");
            }
            if (!broker.disconnect(r.clientId)) {
                throw new BadRequest(HttpServletResponse.SC_NOT_FOUND, "no client with id \"" + r.clientId
                        + "\" is connected; reload the client list");
            }
            log.info("Console user {} disconnected client {}", session(request).user, r.clientId);
            ok(response, Map.of("disconnected", r.clientId));
        }
    }

    /** {@code GET /api/gateway/bridges}: every running bridge (io.pigeon.bridge) with its state. */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/gateway/bridges")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Bridges extends ApiServlet {
        private static final long serialVersionUID = 1L;

        record Row(String name, boolean connected, List<String> upstream, long queuedMessages, long queuedBytes) {
        }

        @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
                policyOption = ReferencePolicyOption.GREEDY)
        private transient volatile List<Bridge> bridges;

        @Override
        void get(HttpServletRequest request, HttpServletResponse response) throws IOException {
            List<Row> rows = new ArrayList<>();
            List<Bridge> now = bridges;
            if (now != null) {
                for (Bridge b : now) {
                    rows.add(new Row(b.name(), b.connected(), b.upstreamAddresses(), b.queuedMessages(),
                            b.queuedBytes()));
                }
            }
            rows.sort(Comparator.comparing(Row::name));
            ok(response, Map.of("bridges", rows));
        }
    }

    /**
     * {@code GET /api/gateway/log?after=SEQ&level=INFO&limit=500}: the log lines after sequence number SEQ (0 for all
     * kept) at LEVEL or more severe, from {@link LogRing}.
     */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/gateway/log")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Log extends ApiServlet {
        private static final long serialVersionUID = 1L;

        static final int MAX_LIMIT = 2000;

        private final transient LogRing ring;

        @Activate
        public Log(@Reference LogRing ring) {
            this.ring = ring;
        }

        @Override
        void get(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            long after = number(request, "after", 0, Long.MAX_VALUE, 0);
            int limit = (int) number(request, "limit", 1, MAX_LIMIT, 500);
            String levelText = request.getParameter("level");
            LogLevel level;
            try {
                level = levelText == null ? LogLevel.TRACE : LogLevel.valueOf(levelText.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new BadRequest("level must be one of ERROR, WARN, INFO, DEBUG, TRACE (or AUDIT), not \""
                        + levelText + "\"");
            }
            ok(response, ring.after(after, level, limit));
        }
    }

    static long number(HttpServletRequest request, String name, long min, long max, long absent) throws ApiServlet.BadRequest {
        String text = request.getParameter(name);
        if (text == null || text.isEmpty()) {
            return absent;
        }
        try {
            long v = Long.parseLong(text);
            if (v < min || v > max) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ApiServlet.BadRequest(name + " must be a whole number from " + min + " to " + max + ", not \"" + text
                    + "\"");
        }
    }
}
