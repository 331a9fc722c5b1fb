package io.pigeon.console.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * A browser stand-in over real HTTP (java.net.http): keeps the session cookie it was given and, once it has read
 * {@code /api/session}, sends the CSRF token as the page does.
 */
final class ConsoleClient {

    static final Duration TIMEOUT = Duration.ofSeconds(20);

    final String base;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    String cookie;
    String csrf;

    ConsoleClient(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    HttpResponse<String> get(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT).GET();
        withCookie(b);
        return send(b.build());
    }

    HttpResponse<String> getPage(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT)
                .header("Accept", "text/html").GET();
        withCookie(b);
        return send(b.build());
    }

    /** POST with a JSON body, the cookie, and the CSRF token when {@code withCsrf}. */
    HttpResponse<String> post(String path, String json, boolean withCsrf) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        withCookie(b);
        if (withCsrf && csrf != null) {
            b.header("X-CSRF-Token", csrf);
        }
        return send(b.build());
    }

    HttpResponse<String> post(String path, String json) {
        return post(path, json, true);
    }

    /** Logs in; keeps the cookie and the CSRF token. Returns the login response. */
    HttpResponse<String> login(String user, String password) {
        JsonObject body = new JsonObject();
        body.addProperty("user", user);
        body.addProperty("password", password);
        HttpResponse<String> r = post("/api/login", body.toString(), false);
        if (r.statusCode() == 200) {
            cookie = sessionCookie(r);
            csrf = json(r).get("csrfToken").getAsString();
        }
        return r;
    }

    static String sessionCookie(HttpResponse<String> r) {
        List<String> cookies = r.headers().allValues("Set-Cookie");
        for (String c : cookies) {
            if (c.startsWith(Sessions.COOKIE + "=")) {
                return c.substring(0, c.indexOf(';'));
            }
        }
        throw new AssertionError("no session cookie in " + cookies);
    }

    static JsonObject json(HttpResponse<String> r) {
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    private void withCookie(HttpRequest.Builder b) {
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    static String jsonOf(Map<String, ?> fields) {
        return Json.GSON.toJson(fields);
    }
}
