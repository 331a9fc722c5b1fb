package io.pigeon.console.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import com.google.gson.JsonParseException;

import io.pigeon.broker.spi.ClientIdentity;

/**
 * Base of the console's JSON routes. {@link ConsoleSecurity} has already checked the session and the CSRF token when
 * a method here runs, and left the session in a request attribute.
 */
abstract class ApiServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    /** Largest request body read; a publish payload is at most a little less. */
    static final int MAX_BODY = 1024 * 1024;

    /** Thrown for a request the user must fix; becomes 400 with the message. */
    static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        BadRequest(String message) {
            this(HttpServletResponse.SC_BAD_REQUEST, message);
        }

        BadRequest(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    static Sessions.Session session(HttpServletRequest request) {
        Object s = request.getAttribute(ConsoleSecurity.SESSION_ATTRIBUTE);
        if (!(s instanceof Sessions.Session)) {
            // only reachable if a servlet is registered outside the console's context: refuse rather than serve
            throw new IllegalStateException("no console session on this request");
        }
        return (Sessions.Session) s;
    }

    static String remoteAddress(HttpServletRequest request) {
        String host = request.getRemoteAddr();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + request.getRemotePort();
    }

    static ClientIdentity identity(HttpServletRequest request) {
        return BrokerGate.identity(session(request).user, remoteAddress(request));
    }

    static <T> T body(HttpServletRequest request, Class<T> type) throws IOException, BadRequest {
        String contentType = request.getContentType();
        if (contentType == null || !contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            throw new BadRequest(HttpServletResponse.SC_UNSUPPORTED_MEDIA_TYPE, "send a JSON body (Content-Type: "
                    + "application/json)");
        }
        byte[] bytes;
        try (InputStream in = request.getInputStream()) {
            bytes = in.readNBytes(MAX_BODY + 1);
        }
        if (bytes.length > MAX_BODY) {
            throw new BadRequest(HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE,
                    "the request is larger than " + MAX_BODY + " bytes");
        }
        try {
            T value = Json.GSON.fromJson(new String(bytes, StandardCharsets.UTF_8), type);
            if (value == null) {
                throw new BadRequest("the request body is empty; send a JSON object");
            }
            return value;
        } catch (JsonParseException e) {
            throw new BadRequest("the request body is not the expected JSON: " + e.getMessage());
        }
    }

    static void send(HttpServletResponse response, int status, Object value) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json;charset=utf-8");
        response.getOutputStream().write(Json.GSON.toJson(value).getBytes(StandardCharsets.UTF_8));
    }

    static void ok(HttpServletResponse response, Object value) throws IOException {
        send(response, HttpServletResponse.SC_OK, value);
    }

    static void fail(HttpServletResponse response, int status, String message) throws IOException {
        send(response, status, Map.of("error", message));
    }

    /** POST handled by {@link #post}, with {@link BadRequest} turned into its status. */
    @Override
    protected final void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
            post(request, response);
        } catch (BadRequest e) {
            fail(response, e.status, e.getMessage());
        }
    }

    @Override
    protected final void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
            get(request, response);
        } catch (BadRequest e) {
            fail(response, e.status, e.getMessage());
        }
    }

    void post(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
        fail(response, HttpServletResponse.SC_METHOD_NOT_ALLOWED, "use GET");
    }

    void get(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
        fail(response, HttpServletResponse.SC_METHOD_NOT_ALLOWED, "use POST");
    }
}
