package io.pigeon.console.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardTarget;

import io.pigeon.broker.Message;
import io.pigeon.broker.MessageProperties;
import io.pigeon.broker.spi.ClientIdentity;
import io.pigeon.console.ConsoleContext;

/** MQTT.FX in the browser: publish, the topic tree, and deleting a retained message. Live traffic: {@link EventsServlet}. */
final class MqttServlets {

    /** How long a publish may take to be queued for every subscriber before the page is told it failed. */
    static final long PUBLISH_TIMEOUT_SECONDS = 10;

    private MqttServlets() {
    }

    /**
     * {@code POST /api/publish} {"topic", "payload" (text) or "base64", "qos", "retain", "contentType",
     * "responseTopic", "messageExpirySeconds", "userProperties": [[name, value], ...]}.
     */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/publish")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Publish extends ApiServlet {
        private static final long serialVersionUID = 1L;


        private final transient BrokerGate gate;
        private final transient PublishHistory history;

        @Activate
        public Publish(@Reference BrokerGate gate, @Reference PublishHistory history) {
            this.gate = gate;
            this.history = history;
        }

        @Override
        void post(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            PublishRequest r = body(request, PublishRequest.class);
            if (r.topic == null) {
                throw new BadRequest("topic is missing");
            }
            if (r.qos < 0 || r.qos > 2) {
                throw new BadRequest("qos must be 0, 1 or 2, not " + r.qos);
            }
            if (r.payload != null && r.base64 != null) {
                throw new BadRequest("send the payload as \"payload\" (text) or as \"base64\", not both");
            }
            byte[] payload;
            try {
                payload = r.base64 != null ? Base64.getDecoder().decode(r.base64)
                        : r.payload == null ? new byte[0] : r.payload.getBytes(StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new BadRequest("base64 is not valid Base64: " + e.getMessage());
            }
            if (r.messageExpirySeconds != null && (r.messageExpirySeconds < 0 || r.messageExpirySeconds > 0xFFFFFFFFL)) {
                throw new BadRequest("messageExpirySeconds must be 0..4294967295");
            }
            List<MessageProperties.UserProperty> user = new ArrayList<>();
            if (r.userProperties != null) {
                for (List<String> pair : r.userProperties) {
                    if (pair == null || pair.size() != 2 || pair.get(0) == null || pair.get(1) == null) {
                        throw new BadRequest("userProperties must be a list of [name, value] pairs");
                    }
                    user.add(new MessageProperties.UserProperty(pair.get(0), pair.get(1)));
                }
            }
            MessageProperties props = new MessageProperties(r.base64 == null && r.payload != null ? Boolean.TRUE : null,
                    r.messageExpirySeconds, blankToNull(r.contentType), blankToNull(r.responseTopic), null, user);
            if (props.responseTopic() != null && !io.pigeon.broker.TopicFilters.isValidTopicName(props.responseTopic())) {
                throw new BadRequest("responseTopic \"" + props.responseTopic() + "\" is not a valid topic name");
            }
            publish(gate, identity(request), new Message(r.topic, payload, r.qos, r.retain, props));
            history.add(session(request).user, r);
            ok(response, Map.of("published", Boolean.TRUE, "topic", r.topic, "size", payload.length));
        }
    }

    /** {@code GET /api/publish/history}: what this user published from the page, newest first (see PublishHistory). */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/publish/history")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class PublishHistoryServlet extends ApiServlet {
        private static final long serialVersionUID = 1L;
        private final transient PublishHistory history;

        @Activate
        public PublishHistoryServlet(@Reference PublishHistory history) {
            this.history = history;
        }

        @Override
        void get(HttpServletRequest request, HttpServletResponse response) throws IOException {
            ok(response, Map.of("published", history.of(session(request).user)));
        }
    }

    static void publish(BrokerGate gate, ClientIdentity who, Message message) throws ApiServlet.BadRequest {
        try {
            gate.publish(who, message).toCompletableFuture().get(PUBLISH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (BrokerGate.Refused e) {
            throw new ApiServlet.BadRequest(HttpServletResponse.SC_FORBIDDEN, e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ApiServlet.BadRequest(e.getMessage());
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof IllegalArgumentException) {
                throw new ApiServlet.BadRequest(cause.getMessage());
            }
            throw new ApiServlet.BadRequest(HttpServletResponse.SC_SERVICE_UNAVAILABLE,
                    "the broker did not take the message: " + cause);
        } catch (TimeoutException e) {
            throw new ApiServlet.BadRequest(HttpServletResponse.SC_SERVICE_UNAVAILABLE,
                    "the broker did not take the message within " + PUBLISH_TIMEOUT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiServlet.BadRequest(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "interrupted");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /**
     * {@code GET /api/topics?viewer=ID&epoch=E&since=V}: the topic tree ({@link TopicTree}) as the user may read it.
     * {@code viewer} names the page (letters, digits and dashes; without it, one viewer per session), and the request
     * says that the page still shows the tree: the tree runs while some page asks. With {@code epoch} and
     * {@code since} from the page's last answer, only the topics changed since; otherwise all of them
     * ({@code "full": true}). Each topic: count, retained, time and size of the last message, its payload as text
     * (null unless UTF-8) and Base64, and the same of the previous payload.
     */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/topics")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Topics extends ApiServlet {
        private static final long serialVersionUID = 1L;
        private final transient BrokerGate gate;
        private final transient TopicTree tree;

        @Activate
        public Topics(@Reference BrokerGate gate, @Reference TopicTree tree) {
            this.gate = gate;
            this.tree = tree;
        }

        @Override
        void get(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            ClientIdentity who = identity(request);
            TopicTree.Changes changes = tree.view(viewer(request, request.getParameter("viewer")),
                    GatewayServlets.number(request, "epoch", 0, Long.MAX_VALUE, 0),
                    GatewayServlets.number(request, "since", 0, Long.MAX_VALUE, 0), t -> gate.canReceive(who, t));
            List<Map<String, Object>> out = new ArrayList<>();
            for (TopicTree.Entry e : changes.entries()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("topic", e.topic());
                m.put("count", e.count());
                m.put("retained", e.retained());
                m.put("time", e.lastMillis());
                m.put("size", e.lastSize());
                m.put("text", MessageJson.text(e.lastValue()));
                m.put("base64", Base64.getEncoder().encodeToString(e.lastValue()));
                m.put("previousText", e.previousValue() == null ? null : MessageJson.text(e.previousValue()));
                m.put("previousBase64", e.previousValue() == null ? null
                        : Base64.getEncoder().encodeToString(e.previousValue()));
                out.add(m);
            }
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("epoch", changes.epoch());
            answer.put("version", changes.version());
            answer.put("full", changes.full());
            answer.put("topics", out);
            answer.put("dropped", changes.dropped());
            ok(response, answer);
        }
    }

    /** {@code POST /api/topics/close} {"viewer"}: the page no longer shows the tree (it is being left or closed). */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/topics/close")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class CloseTopics extends ApiServlet {
        private static final long serialVersionUID = 1L;

        private static final class Request {
            String viewer;
        }

        private final transient TopicTree tree;

        @Activate
        public CloseTopics(@Reference TopicTree tree) {
            this.tree = tree;
        }

        @Override
        void post(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            tree.leave(viewer(request, body(request, Request.class).viewer));
            ok(response, Map.of("closed", Boolean.TRUE));
        }
    }

    /** The tree's key for a page: its id within the session, so a session can only close its own pages. */
    static String viewer(HttpServletRequest request, String id) throws ApiServlet.BadRequest {
        String page = id == null ? "" : id;
        if (page.length() > 64 || !page.matches("[A-Za-z0-9-]*")) {
            throw new ApiServlet.BadRequest("viewer must be at most 64 letters, digits or dashes");
        }
        return ApiServlet.session(request).token + "/" + page;
    }

    /** {@code POST /api/retained/delete} {"topic"}: publishes the empty retained message that deletes it. */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/retained/delete")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class DeleteRetained extends ApiServlet {
        private static final long serialVersionUID = 1L;

        private static final class Request {
            String topic;
        }

        private final transient BrokerGate gate;

        @Activate
        public DeleteRetained(@Reference BrokerGate gate) {
            this.gate = gate;
        }

        @Override
        void post(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            Request r = body(request, Request.class);
            if (r.topic == null) {
                throw new BadRequest("topic is missing");
            }
            publish(gate, identity(request), new Message(r.topic, new byte[0], 1, true));
            ok(response, Map.of("deleted", r.topic));
        }
    }
}
