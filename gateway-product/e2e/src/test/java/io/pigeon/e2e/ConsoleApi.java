package io.pigeon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The console's JSON API from Java's HTTP client, logged in as admin, for tests that check what the gateway reports
 * (the bundle list) rather than what a page shows.
 */
final class ConsoleApi {

    static final String PASSWORD = "e2e console password";
    static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final Pattern CSRF = Pattern.compile("\"csrfToken\":\"([^\"]+)\"");
    /** One bundle of GET /api/bundles (the servlet writes these fields first, in this order). */
    private static final Pattern BUNDLE = Pattern.compile(
            "\\{\"id\":(\\d+),\"symbolicName\":\"([^\"]*)\",\"version\":\"([^\"]*)\",\"state\":\"([A-Z]+)\"([^{}]*)\\}");
    private static final Pattern PROBLEM = Pattern.compile("\"problem\":\"((?:[^\"\\\\]|\\\\.)*)\"");

    private static final Pattern RESTORABLE = Pattern.compile("\"restorableVersion\":\"([^\"]+)\"");

    record Bundle(long id, String symbolicName, String version, String state, String problem, String restorable) {
    }

    final String base;
    private final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager())
            .connectTimeout(TIMEOUT).build();
    private String csrf;

    private ConsoleApi(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    /**
     * Logs in as admin: with the first password from data/ (and then sets {@link #PASSWORD}) while that file exists,
     * else with {@link #PASSWORD}.
     */
    static ConsoleApi login(Product product, int port) throws IOException, InterruptedException {
        ConsoleApi api = new ConsoleApi(port);
        Path first = product.home.resolve("data/console/initial-admin-password");
        String password = Files.exists(first) ? Files.readString(first).strip() : PASSWORD;
        HttpResponse<String> r = api.http.send(HttpRequest.newBuilder(URI.create(api.base + "/api/login"))
                .header("Content-Type", "application/json").header("Origin", api.base).timeout(TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"admin\",\"password\":\"" + password + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), "login: " + r.body());
        api.csrf = csrf(r.body());
        if (!password.equals(PASSWORD)) {
            api.csrf = csrf(api.post("/api/password", "{\"current\":\"" + password + "\",\"next\":\"" + PASSWORD
                    + "\"}", 200));
        }
        return api;
    }

    private static String csrf(String body) {
        Matcher m = CSRF.matcher(body);
        if (!m.find()) {
            throw new AssertionError("no csrfToken in " + body);
        }
        return m.group(1);
    }

    String post(String path, String json, int expectedStatus) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json").header("X-CSRF-Token", csrf).timeout(Duration.ofSeconds(150))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(expectedStatus, r.statusCode(), "POST " + path + ": " + r.body());
        return r.body();
    }

    HttpResponse<String> upload(Path jar) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/api/bundles/upload"))
                .header("Content-Type", "application/java-archive").header("X-CSRF-Token", csrf)
                .timeout(Duration.ofSeconds(150)).POST(HttpRequest.BodyPublishers.ofFile(jar)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    List<Bundle> bundles() throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/bundles")).timeout(TIMEOUT)
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), "GET /api/bundles: " + r.body());
        List<Bundle> list = new ArrayList<>();
        Matcher m = BUNDLE.matcher(r.body());
        while (m.find()) {
            Matcher p = PROBLEM.matcher(m.group(5));
            Matcher rv = RESTORABLE.matcher(m.group(5));
            list.add(new Bundle(Long.parseLong(m.group(1)), m.group(2), m.group(3), m.group(4),
                    p.find() ? p.group(1) : null, rv.find() ? rv.group(1) : null));
        }
        if (list.isEmpty()) {
            throw new AssertionError("no bundle in " + r.body());
        }
        return list;
    }

    /** The bundles of this symbolic name: exactly one when hot deployment updates in place. */
    List<Bundle> bundles(String symbolicName) throws IOException, InterruptedException {
        return bundles().stream().filter(b -> b.symbolicName().equals(symbolicName)).toList();
    }

    /** Opens a Server-Sent Events route ({@code /api/events?...}, {@code /api/gpio/events}) of this session. */
    EventStream events(String path) throws IOException, InterruptedException {
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode(), "GET " + path);
        return new EventStream(r.body());
    }

    /** The lines of an open event stream, read by a thread of its own; {@link #END} once the server ended it. */
    static final class EventStream implements AutoCloseable {
        static final String END = "\u0000end of stream";
        private final InputStream body;
        private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final List<String> seen = new ArrayList<>();

        private EventStream(InputStream body) {
            this.body = body;
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null;) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // closed by the test, or the connection dropped: either way the stream is over
                }
                lines.add(END);
            }, "e2e-event-stream");
            reader.setDaemon(true);
            reader.start();
        }

        /** Waits for a line starting with {@code prefix}; false when the stream ended or {@code wait} passed first. */
        boolean await(String prefix, Duration wait) throws InterruptedException {
            long deadline = System.nanoTime() + wait.toNanos();
            for (long left; (left = deadline - System.nanoTime()) > 0;) {
                String line = lines.poll(left, TimeUnit.NANOSECONDS);
                if (line == null) {
                    return false;
                }
                seen.add(line);
                if (line.startsWith(prefix)) {
                    return true;
                }
                if (line.equals(END)) {
                    return false;
                }
            }
            return false;
        }

        /** What the stream said so far, for a failure message. */
        String seen() {
            return String.join("\n", seen);
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }
}
