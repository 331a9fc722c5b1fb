package io.pigeon.console.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

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
import io.pigeon.broker.spi.ClientIdentity;
import io.pigeon.console.ConsoleContext;

/**
 * The recorded history ({@link Recording}) for the page (charts) and as a download. Both take {@code filter}
 * (repeatable, default {@code #}), {@code from} and {@code to} (milliseconds since 1970 or ISO-8601 instants,
 * inclusive), and show only topics the user may read.
 */
final class HistoryServlets {

    static final int DEFAULT_LIMIT = 5000;
    static final int MAX_LIMIT = 100_000;

    private HistoryServlets() {
    }

    /** What a request asks for. */
    record Query(Set<String> filters, long from, long to) {

        static Query of(HttpServletRequest request) throws ApiServlet.BadRequest {
            String[] given = request.getParameterValues("filter");
            Set<String> filters = new LinkedHashSet<>(given == null || given.length == 0 ? List.of("#")
                    : List.of(given));
            for (String f : filters) {
                String problem = TopicFilters.filterProblem(f);
                if (problem != null) {
                    throw new ApiServlet.BadRequest("filter \"" + f + "\" is not a valid topic filter: " + problem);
                }
            }
            return new Query(filters, time(request, "from", Long.MIN_VALUE), time(request, "to", Long.MAX_VALUE));
        }

        private static long time(HttpServletRequest request, String name, long absent) throws ApiServlet.BadRequest {
            String v = request.getParameter(name);
            if (v == null || v.isBlank()) {
                return absent;
            }
            try {
                return Long.parseLong(v.strip());
            } catch (NumberFormatException e) {
                try {
                    return Instant.parse(v.strip()).toEpochMilli();
                } catch (DateTimeParseException e2) {
                    throw new ApiServlet.BadRequest(name + " must be milliseconds since 1970 or an ISO-8601 instant "
                            + "such as 2026-01-31T12:00:00Z, not \"" + v + "\"");
                }
            }
        }

        Predicate<String> topics(BrokerGate gate, ClientIdentity who) {
            return topic -> filters.stream().anyMatch(f -> TopicFilters.matches(f, topic)) && gate.canReceive(who, topic);
        }
    }

    static Map<String, Object> json(Recording.Recorded r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", r.millis());
        m.put("topic", r.topic());
        m.put("qos", r.qos());
        m.put("size", r.payload().length);
        m.put("text", MessageJson.text(r.payload()));
        m.put("base64", Base64.getEncoder().encodeToString(r.payload()));
        return m;
    }

    /** {@code GET /api/history?filter=..&from=..&to=..&limit=N}: the newest N messages (default 5000), oldest first. */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/history")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class History extends ApiServlet {
        private static final long serialVersionUID = 1L;
        private final transient BrokerGate gate;
        private final transient Recording recording;

        @Activate
        public History(@Reference BrokerGate gate, @Reference Recording recording) {
            this.gate = gate;
            this.recording = recording;
        }

        @Override
        void get(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            Query q = Query.of(request);
            int limit = DEFAULT_LIMIT;
            String l = request.getParameter("limit");
            if (l != null && !l.isBlank()) {
                try {
                    limit = Integer.parseInt(l.strip());
                } catch (NumberFormatException e) {
                    limit = -1;
                }
                if (limit < 1 || limit > MAX_LIMIT) {
                    throw new BadRequest("limit must be 1.." + MAX_LIMIT + ", not \"" + l + "\"");
                }
            }
            List<Map<String, Object>> out = new ArrayList<>();
            for (Recording.Recorded r : recording.newest(q.topics(gate, identity(request)), q.from(), q.to(), limit)) {
                out.add(json(r));
            }
            Map<String, Object> stats = new LinkedHashMap<>();
            stats.put("filters", recording.limits().filters());
            stats.put("messages", recording.size());
            stats.put("bytes", recording.bytes());
            stats.put("maxMessages", recording.limits().maxMessages());
            stats.put("maxBytes", recording.limits().maxBytes());
            stats.put("dropped", recording.dropped());
            stats.put("tooLarge", recording.tooLarge());
            ok(response, Map.of("messages", out, "recording", stats));
        }
    }

    /**
     * {@code GET /api/history/export?format=json|csv&filter=..&from=..&to=..}: every matching message as a download.
     * JSON: an array of {time (ms), iso, topic, qos, size, text (null unless UTF-8), base64}. CSV (RFC 4180): columns
     * time, iso, topic, qos, size, encoding ("text" or "base64"), payload.
     */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/history/export")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Export extends ApiServlet {
        private static final long serialVersionUID = 1L;
        private final transient BrokerGate gate;
        private final transient Recording recording;

        @Activate
        public Export(@Reference BrokerGate gate, @Reference Recording recording) {
            this.gate = gate;
            this.recording = recording;
        }

        @Override
        void get(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            String format = request.getParameter("format") == null ? "json" : request.getParameter("format");
            if (!format.equals("json") && !format.equals("csv")) {
                throw new BadRequest("format must be json or csv, not \"" + format + "\"");
            }
            Query q = Query.of(request);
            response.setStatus(HttpServletResponse.SC_OK);
            response.setContentType(format.equals("csv") ? "text/csv;charset=utf-8" : "application/json;charset=utf-8");
            response.setHeader("Content-Disposition", "attachment; filename=\"pigeon-history." + format + "\"");
            OutputStream raw = response.getOutputStream();
            Writer out = new OutputStreamWriter(raw, StandardCharsets.UTF_8);
            write(recording, q.topics(gate, identity(request)), q.from(), q.to(), format, out);
            out.flush();
        }
    }

    /** Writes the export; also used by the tests without HTTP. */
    static void write(Recording recording, Predicate<String> topics, long from, long to, String format, Writer out)
            throws IOException {
        boolean csv = format.equals("csv");
        IOException[] failed = new IOException[1];
        boolean[] first = { true };
        out.write(csv ? "time,iso,topic,qos,size,encoding,payload\r\n" : "[");
        recording.forEach(topics, from, to, r -> {
            if (failed[0] != null) {
                return;
            }
            try {
                if (csv) {
                    String text = MessageJson.text(r.payload());
                    out.write(r.millis() + "," + Instant.ofEpochMilli(r.millis()) + "," + csvField(r.topic()) + ","
                            + r.qos() + "," + r.payload().length + "," + (text != null ? "text," + csvField(text)
                                    : "base64," + Base64.getEncoder().encodeToString(r.payload())) + "\r\n");
                } else {
                    Map<String, Object> m = json(r);
                    m.put("iso", Instant.ofEpochMilli(r.millis()).toString());
                    out.write((first[0] ? "\n" : ",\n") + Json.GSON.toJson(m));
                    first[0] = false;
                }
            } catch (IOException e) {
                failed[0] = e; // the browser went away
            }
        });
        if (failed[0] != null) {
            throw failed[0];
        }
        if (!csv) {
            out.write("\n]\n");
        }
    }

    /** RFC 4180: quoted when it holds a comma, quote or line break, quotes doubled. */
    static String csvField(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
