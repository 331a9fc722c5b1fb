package io.pigeon.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.http.runtime.HttpServiceRuntime;
import org.osgi.service.http.runtime.dto.FailedServletDTO;
import org.osgi.service.http.runtime.dto.RuntimeDTO;
import org.osgi.service.http.runtime.dto.ServletContextDTO;
import org.osgi.service.http.runtime.dto.ServletDTO;
import org.osgi.util.tracker.ServiceTracker;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.pigeon.broker.Broker;
import io.pigeon.broker.Message;
import io.pigeon.broker.Subscription;
import io.pigeon.broker.spi.Authorizer;
import io.pigeon.broker.spi.ClientIdentity;
import io.pigeon.console.ConsoleContext;

/**
 * The console inside Equinox, on the Equinox HTTP Whiteboard with Jetty, over real HTTP. The steps share one gateway
 * and run in order: first start, every route refused without a session, first login and password change, every
 * route refused without CSRF token, publish and live traffic, the topic tree, the user's rights, an operator refused
 * on every route that changes the gateway, logout, and the login rate limit last (it locks admin out of 127.0.0.1).
 * Routes are read from the HTTP runtime, so a route added later is checked too.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleOsgiTest {

    private static final BundleContext CONTEXT = FrameworkUtil.getBundle(UserStore.class).getBundleContext();
    private static final String NEW_PASSWORD = "correct horse battery staple";

    private static int port;
    private static Configuration config;
    private static String initialPassword;
    private static ConsoleClient session;

    @BeforeAll
    static void startConsoleOnAFreePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ConfigurationAdmin cm = service(ConfigurationAdmin.class, null);
        config = cm.getConfiguration(ConsoleConfig.PID, "?");
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("port", Integer.valueOf(port));
        p.put("bind.address", "127.0.0.1");
        config.update(p);
        ConsoleClient probe = new ConsoleClient(port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                if (probe.get("/api/session").statusCode() == 401 && !routes().isEmpty()) {
                    break;
                }
            } catch (RuntimeException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                fail("the console did not answer on 127.0.0.1:" + port + " within 30 s");
            }
            Thread.sleep(200);
        }
    }

    @AfterAll
    static void turnTheConsoleOff() throws IOException {
        // port 0 rather than no configuration, which would mean the default port 8080
        if (config != null) {
            Dictionary<String, Object> off = new Hashtable<>();
            off.put("port", Integer.valueOf(0));
            config.update(off);
        }
    }

    static Path dataFolder() {
        return CONTEXT.getDataFile("console").toPath();
    }

    @Test
    @Order(1)
    void firstStartCreatesAnAdminWithARandomPasswordReadableByTheOwnerOnly() throws Exception {
        Path folder = CONTEXT.getDataFile("console").toPath();
        Path passwordFile = folder.resolve(UserStore.INITIAL_PASSWORD_FILE);
        assertTrue(Files.exists(passwordFile), passwordFile + " written on first start");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile)));
        Path users = folder.resolve(UserStore.USERS_FILE);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(users)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(folder)));
        initialPassword = Files.readString(passwordFile).strip();
        assertTrue(initialPassword.length() >= 20, "a long random password");
        String stored = Files.readString(users);
        assertFalse(stored.contains(initialPassword), "only the hash is stored");
        assertTrue(stored.contains("pbkdf2-sha512$210000$"), stored);
    }

    @Test
    @Order(2)
    void everyRouteAnswers401WithoutASessionAndEveryResponseCarriesTheCsp() {
        assertEquals(Set.of("GET /login", "HEAD /login", "GET /static/login.js", "GET /static/console.css",
                "POST /api/login"), ConsoleSecurity.PUBLIC, "only the login page, its assets and the login call are open");
        ConsoleClient anonymous = new ConsoleClient(port);
        List<String> checked = new ArrayList<>();
        for (String path : concretePaths()) {
            for (String method : List.of("GET", "POST")) {
                if (ConsoleSecurity.PUBLIC.contains(method + " " + path)) {
                    continue;
                }
                HttpResponse<String> r = method.equals("GET") ? anonymous.get(path) : anonymous.post(path, "{}");
                assertEquals(401, r.statusCode(), method + " " + path + ": " + r.body());
                assertCsp(r);
                checked.add(method + " " + path);
            }
        }
        assertTrue(checked.size() >= 20, "checked " + checked);
        HttpResponse<String> page = anonymous.getPage("/");
        assertEquals(401, page.statusCode());
        assertEquals("0; url=/login", page.headers().firstValue("Refresh").orElse(""), "a browser is sent to log in");
        for (String open : List.of("/login", "/static/login.js", "/static/console.css")) {
            HttpResponse<String> r = anonymous.get(open);
            assertEquals(200, r.statusCode(), open);
            assertCsp(r);
        }
    }

    @Test
    @Order(3)
    void theFirstLoginMustChangeThePasswordFirst() {
        ConsoleClient c = new ConsoleClient(port);
        assertEquals(401, c.login("admin", "wrong password").statusCode());
        HttpResponse<String> login = c.login("admin", initialPassword);
        assertEquals(200, login.statusCode(), login.body());
        String setCookie = login.headers().allValues("Set-Cookie").stream()
                .filter(h -> h.startsWith(Sessions.COOKIE + "=")).findFirst().orElseThrow();
        assertTrue(setCookie.contains("; HttpOnly"), setCookie);
        assertTrue(setCookie.contains("; SameSite=Strict"), setCookie);
        assertTrue(ConsoleClient.json(login).get("mustChangePassword").getAsBoolean());

        HttpResponse<String> publish = c.post("/api/publish", "{\"topic\":\"t\",\"payload\":\"x\"}");
        assertEquals(403, publish.statusCode(), "nothing but the password change before it: " + publish.body());
        assertEquals(403, c.get("/api/topics").statusCode());
        assertEquals(200, c.get("/api/session").statusCode());

        HttpResponse<String> tooShort = c.post("/api/password",
                ConsoleClient.jsonOf(Map.of("current", initialPassword, "next", "short")));
        assertEquals(400, tooShort.statusCode());
        HttpResponse<String> changed = c.post("/api/password",
                ConsoleClient.jsonOf(Map.of("current", initialPassword, "next", NEW_PASSWORD)));
        assertEquals(200, changed.statusCode(), changed.body());
        assertFalse(ConsoleClient.json(changed).get("mustChangePassword").getAsBoolean());
        assertFalse(Files.exists(CONTEXT.getDataFile("console").toPath().resolve(UserStore.INITIAL_PASSWORD_FILE)),
                "the first password's file goes once it is changed");
        assertEquals(200, c.get("/api/topics").statusCode());
        assertEquals(401, new ConsoleClient(port).login("admin", initialPassword).statusCode());
        session = c;
    }

    @Test
    @Order(4)
    void everyRouteAnswers403ToAStateChangingRequestWithoutTheCsrfToken() {
        ConsoleClient c = loggedIn();
        String realToken = c.csrf;
        for (String path : concretePaths()) {
            if (ConsoleSecurity.PUBLIC.contains("POST " + path)) {
                continue;
            }
            for (String method : List.of("POST", "PUT", "DELETE")) {
                for (String token : new String[] {null, "forged", realToken.substring(1)}) {
                    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(c.base + path))
                            .timeout(ConsoleClient.TIMEOUT).header("Cookie", c.cookie)
                            .header("Content-Type", "application/json")
                            .method(method, HttpRequest.BodyPublishers.ofString("{\"topic\":\"csrf/probe\"}"));
                    if (token != null) {
                        b.header(ConsoleContext.CSRF_HEADER, token);
                    }
                    HttpResponse<String> r = c.send(b.build());
                    assertEquals(403, r.statusCode(), method + " " + path + " with token " + token + ": " + r.body());
                    assertCsp(r);
                }
            }
        }
        // the login, which has no session yet, accepts JSON from the console's own origin only
        HttpResponse<String> form = c.send(HttpRequest.newBuilder(URI.create(c.base + "/api/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("user=admin&password=x")).build());
        assertEquals(403, form.statusCode());
        HttpResponse<String> crossSite = c.send(HttpRequest.newBuilder(URI.create(c.base + "/api/login"))
                .header("Content-Type", "application/json").header("Origin", "http://evil.example")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
        assertEquals(403, crossSite.statusCode());
        assertEquals(200, c.get("/api/session").statusCode(), "the session survived the probes");
    }

    @Test
    @Order(5)
    void aPublishWithV5PropertiesReachesABrokerSubscriberAndTheLiveStream() throws Exception {
        ConsoleClient c = loggedIn();
        Broker broker = service(Broker.class, null);
        BlockingQueue<Message> inProcess = new ArrayBlockingQueue<>(10);
        BlockingQueue<String> events = new ArrayBlockingQueue<>(100);
        CompletableFuture<HttpResponse<Stream<String>>> stream;
        try (Subscription sub = broker.subscribe("console/test/#", 1, inProcess::add)) {
            stream = c.http.sendAsync(HttpRequest.newBuilder(URI.create(c.base
                    + "/api/events?filter=console/test/%23&filter=other/%2B")).header("Cookie", c.cookie).GET().build(),
                    HttpResponse.BodyHandlers.ofLines());
            HttpResponse<Stream<String>> response = stream.get(20, TimeUnit.SECONDS);
            assertEquals(200, response.statusCode());
            assertEquals("text/event-stream;charset=utf-8",
                    response.headers().firstValue("Content-Type").orElse("").replace(" ", "").toLowerCase());
            // offer: keep-alives that come after the test has read what it needs are dropped
            Thread reader = new Thread(() -> response.body().forEach(events::offer), "sse-reader");
            reader.setDaemon(true);
            reader.start();
            // first the reconnection delay for when the stream ends (the broker's update ends it), then the events
            assertEquals("retry: " + EventStreams.RETRY_MILLIS, events.poll(20, TimeUnit.SECONDS));
            assertEquals("", events.poll(20, TimeUnit.SECONDS));
            assertEquals("event: subscribed", events.poll(20, TimeUnit.SECONDS));

            String publish = ConsoleClient.jsonOf(Map.of("topic", "console/test/a", "payload", "{\"t\":21.5}",
                    "qos", 1, "contentType", "application/json", "responseTopic", "console/reply",
                    "messageExpirySeconds", 60, "userProperties", List.of(List.of("k", "v"), List.of("k", "w"))));
            HttpResponse<String> r = c.post("/api/publish", publish);
            assertEquals(200, r.statusCode(), r.body());

            Message m = inProcess.poll(20, TimeUnit.SECONDS);
            assertNotNull(m, "the broker delivered the console's publish");
            assertEquals("{\"t\":21.5}", new String(m.payload(), StandardCharsets.UTF_8));
            assertEquals(1, m.qos());
            assertEquals("application/json", m.properties().contentType());
            assertEquals("console/reply", m.properties().responseTopic());
            assertEquals(2, m.properties().userProperties().size());
            assertNotNull(m.properties().messageExpirySeconds());

            JsonObject event = nextMessageEvent(events);
            assertEquals("console/test/a", event.get("topic").getAsString());
            assertEquals("{\"t\":21.5}", event.get("text").getAsString());
            JsonObject props = event.getAsJsonObject("properties");
            assertEquals("application/json", props.get("contentType").getAsString());
            assertEquals("console/reply", props.get("responseTopic").getAsString());
            assertEquals("[[\"k\",\"v\"],[\"k\",\"w\"]]", props.get("userProperties").toString());

            // a message from another publisher on the second filter arrives too; one outside both does not
            broker.publish(new Message("elsewhere/x", new byte[] {1}, 0, false)).toCompletableFuture().get(20,
                    TimeUnit.SECONDS);
            broker.publish(new Message("other/b", new byte[] {(byte) 0xff, 0}, 0, false)).toCompletableFuture()
                    .get(20, TimeUnit.SECONDS);
            JsonObject binary = nextMessageEvent(events);
            assertEquals("other/b", binary.get("topic").getAsString());
            assertTrue(binary.get("text").isJsonNull(), "not UTF-8: no text");
            assertEquals("/wA=", binary.get("base64").getAsString());
        }
        assertEquals(400, c.post("/api/publish", "{\"topic\":\"a/+\"}").statusCode(), "wildcards refused");
        assertEquals(400, c.post("/api/publish", "{\"topic\":\"a\",\"qos\":3}").statusCode());
        assertEquals(400, c.post("/api/publish", "not json").statusCode());
        assertEquals(400, c.get("/api/events?filter=a/%23/b").statusCode(), "an invalid filter is refused");
    }

    @Test
    @Order(6)
    void theTopicTreeCountsMessagesShowsTheLastValueAndDeletesARetainedTopic() throws Exception {
        ConsoleClient c = loggedIn();
        // the tree counts what arrives while a page shows it: this request is that page
        assertEquals(200, c.get("/api/topics").statusCode());
        for (String v : List.of("1", "2", "3")) {
            assertEquals(200, c.post("/api/publish", ConsoleClient.jsonOf(Map.of("topic", "tree/temp", "payload", v,
                    "retain", Boolean.TRUE))).statusCode());
        }
        JsonObject temp = waitForTopic(c, "tree/temp", t -> t.get("count").getAsLong() >= 3);
        assertEquals(3, temp.get("count").getAsLong());
        assertEquals("3", temp.get("text").getAsString());
        assertTrue(temp.get("retained").getAsBoolean());

        HttpResponse<String> deleted = c.post("/api/retained/delete", "{\"topic\":\"tree/temp\"}");
        assertEquals(200, deleted.statusCode(), deleted.body());
        assertFalse(waitForTopic(c, "tree/temp", t -> !t.get("retained").getAsBoolean())
                .get("retained").getAsBoolean());
        BlockingQueue<Message> late = new ArrayBlockingQueue<>(10);
        try (Subscription sub = service(Broker.class, null).subscribe("tree/temp", 0, late::add)) {
            assertEquals(null, late.poll(1, TimeUnit.SECONDS), "the broker no longer holds a retained message");
        }
    }

    @Test
    @Order(6)
    void theGatewayAndTrafficRoutesShowClientsTrafficBridgesAndTheLog() throws Exception {
        new GatewayRoutesCheck(loggedIn(), service(Broker.class, null), service(ConfigurationAdmin.class, null),
                service(org.osgi.service.log.LoggerFactory.class, null)).run();
    }

    @Test
    @Order(7)
    void theConsoleUserHasTheRightsTheBrokersAuthorizerGivesTheMqttUserOfTheSameName() throws Exception {
        ConsoleClient c = loggedIn();
        List<ClientIdentity> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        Authorizer noSecrets = new Authorizer() {
            @Override
            public boolean canPublish(ClientIdentity client, String topic) {
                asked.add(client);
                return !topic.startsWith("secret/");
            }

            @Override
            public boolean canSubscribe(ClientIdentity client, String topicFilter) {
                asked.add(client);
                return !topicFilter.startsWith("secret/");
            }

            @Override
            public boolean canReceive(ClientIdentity client, String topic) {
                return !topic.startsWith("secret/");
            }
        };
        service(Broker.class, null).publish(new Message("secret/key", "s3cret".getBytes(StandardCharsets.UTF_8), 0,
                true)).toCompletableFuture().get(20, TimeUnit.SECONDS);
        waitForTopic(c, "secret/key", t -> true);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(Constants.SERVICE_RANKING, Integer.valueOf(1000));
        ServiceRegistration<Authorizer> reg = CONTEXT.registerService(Authorizer.class, noSecrets, props);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            HttpResponse<String> r;
            do {
                r = c.post("/api/publish", "{\"topic\":\"secret/x\",\"payload\":\"p\"}");
            } while (r.statusCode() != 403 && System.nanoTime() < deadline);
            assertEquals(403, r.statusCode(), r.body());
            assertEquals(200, c.post("/api/publish", "{\"topic\":\"public/x\",\"payload\":\"p\"}").statusCode());
            assertEquals(403, c.get("/api/events?filter=secret/%23").statusCode());
            assertFalse(c.get("/api/topics").body().contains("secret/key"), "the tree hides what the user may not read");
            ClientIdentity who = asked.get(0);
            assertEquals("admin", who.username());
            assertEquals("pigeon-console/admin", who.clientId());
            assertTrue(who.remoteAddress().startsWith("127.0.0.1:"), who.remoteAddress());
        } finally {
            reg.unregister();
        }
        assertTrue(c.get("/api/topics").body().contains("secret/key"));
        c.post("/api/retained/delete", "{\"topic\":\"secret/key\"}");
    }

    @Test
    @Order(8)
    void anOperatorSeesEveryPageButEveryRouteThatChangesTheGatewayAnswers403() {
        ConsoleClient admin = loggedIn();
        String first = "olga's first password";
        assertEquals(200, admin.post("/api/users/add", ConsoleClient.jsonOf(Map.of("name", "olga", "role", "operator",
                "password", first))).statusCode());
        ConsoleClient olga = new ConsoleClient(port);
        assertEquals(200, olga.login("olga", first).statusCode());
        assertEquals(403, olga.get("/api/topics").statusCode(), "a new user chooses a password before anything else");
        HttpResponse<String> own = olga.post("/api/password", ConsoleClient.jsonOf(Map.of("current", first, "next",
                "olga's own password")));
        assertEquals(200, own.statusCode(), own.body());
        JsonObject session = ConsoleClient.json(olga.get("/api/session"));
        assertEquals("operator", session.get("role").getAsString());
        assertFalse(session.get("admin").getAsBoolean());

        // every state-changing route the HTTP runtime serves, but the operator's few, is an administrator's
        List<String> refused = new ArrayList<>();
        for (String path : concretePaths()) {
            if (ConsoleSecurity.PUBLIC.contains("POST " + path) || ConsoleSecurity.OPERATOR_ACTIONS.contains(path)) {
                continue;
            }
            HttpResponse<String> r = olga.post(path, "{\"id\":1,\"clientId\":\"x\",\"name\":\"admin\"}");
            assertEquals(403, r.statusCode(), "POST " + path + " as an operator: " + r.body());
            assertTrue(r.body().contains("an administrator must do this"), r.body());
            refused.add(path);
        }
        assertTrue(refused.containsAll(List.of("/api/settings/save", "/api/settings/delete", "/api/gateway/disconnect",
                "/api/bundles/start", "/api/bundles/stop", "/api/bundles/uninstall", "/api/bundles/upload",
                "/api/bundles/restore", "/api/users/add", "/api/users/password", "/api/users/role",
                "/api/users/delete")), "checked " + refused);
        for (String path : concretePaths()) {
            if (path.endsWith("/events")) {
                continue; // event streams stay open; the explorer and GPIO tests read them
            }
            HttpResponse<String> r = olga.get(path);
            if (ConsoleSecurity.ADMIN_READS.contains(path)) {
                assertEquals(403, r.statusCode(), "GET " + path + " as an operator");
            } else {
                assertTrue(r.statusCode() != 401 && r.statusCode() != 403, "an operator sees GET " + path + ": "
                        + r.statusCode() + " " + r.body());
            }
        }
        assertEquals(200, olga.post("/api/publish", "{\"topic\":\"olga/x\",\"payload\":\"p\"}").statusCode(),
                "an operator publishes with the MQTT rights of user olga");

        assertEquals(200, admin.post("/api/users/role", "{\"name\":\"olga\",\"role\":\"administrator\"}")
                .statusCode());
        assertEquals(404, olga.post("/api/gateway/disconnect", "{\"clientId\":\"nobody\"}").statusCode(),
                "an administrator from her next request on");
        assertEquals(200, admin.post("/api/users/role", "{\"name\":\"olga\",\"role\":\"operator\"}")
                .statusCode());
        assertEquals(403, olga.post("/api/gateway/disconnect", "{\"clientId\":\"nobody\"}").statusCode());

        assertEquals(200, admin.post("/api/users/password", "{\"name\":\"olga\",\"password\":\"reset by the"
                + " admin\"}").statusCode());
        assertEquals(401, olga.get("/api/session").statusCode(), "a reset ends the user's sessions");
        ConsoleClient again = new ConsoleClient(port);
        HttpResponse<String> reset = again.login("olga", "reset by the admin");
        assertEquals(200, reset.statusCode());
        assertTrue(ConsoleClient.json(reset).get("mustChangePassword").getAsBoolean());
        HttpResponse<String> list = admin.get("/api/users");
        assertEquals(200, list.statusCode(), "an administrator reads the list");
        assertTrue(list.body().contains("\"name\":\"olga\",\"role\":\"operator\",\"mustChangePassword\":true"),
                list.body());

        assertEquals(409, admin.post("/api/users/delete", "{\"name\":\"admin\"}").statusCode(), "not oneself");
        assertEquals(409, admin.post("/api/users/role", "{\"name\":\"admin\",\"role\":\"operator\"}")
                .statusCode());
        assertEquals(200, admin.post("/api/users/delete", "{\"name\":\"olga\"}").statusCode());
        assertEquals(401, again.get("/api/session").statusCode(), "a deleted user's sessions end");
        assertEquals(401, new ConsoleClient(port).login("olga", "reset by the admin").statusCode());
    }

    @Test
    @Order(8)
    void theBundlesThatRunTheConsoleCannotBeStoppedFromIt() {
        ConsoleClient admin = loggedIn();
        for (String name : List.of("org.apache.felix.scr", "org.apache.felix.configadmin", "org.eclipse.equinox.http.servlet",
                "io.pigeon.deploy", "com.google.gson")) {
            Bundle b = java.util.Arrays.stream(CONTEXT.getBundles()).filter(x -> name.equals(x.getSymbolicName()))
                    .findFirst().orElseThrow(() -> new AssertionError(name + " is not installed"));
            for (String action : List.of("stop", "uninstall")) {
                HttpResponse<String> r = admin.post("/api/bundles/" + action, "{\"id\":" + b.getBundleId() + "}");
                assertEquals(409, r.statusCode(), action + " " + name + ": " + r.body());
                assertTrue(r.body().contains("Gogo shell"), r.body());
            }
            assertEquals(Bundle.ACTIVE, b.getState(), name + " must still run");
        }
    }

    @Test
    @Order(9)
    void afterLogoutEveryRouteIsRefused() {
        ConsoleClient c = new ConsoleClient(port);
        assertEquals(200, c.login("admin", NEW_PASSWORD).statusCode());
        c.get("/api/session");
        HttpResponse<String> out = c.post("/api/logout", "{}");
        assertEquals(200, out.statusCode(), out.body());
        assertTrue(out.headers().allValues("Set-Cookie").stream().anyMatch(h -> h.contains("Max-Age=0")));
        for (String path : concretePaths()) {
            for (String method : List.of("GET", "POST")) {
                if (ConsoleSecurity.PUBLIC.contains(method + " " + path)) {
                    continue;
                }
                HttpResponse<String> r = method.equals("GET") ? c.get(path) : c.post(path, "{}");
                assertEquals(401, r.statusCode(), "after logout " + method + " " + path);
            }
        }
    }

    @Test
    @Order(10)
    void failedLoginsAreRateLimitedPerAddressAndDoNotLockTheUserOutElsewhere() throws IOException {
        ConsoleClient c = new ConsoleClient(port);
        int refused = 0;
        for (int i = 0; i < LoginThrottle.FREE_FAILURES; i++) {
            refused += c.login("admin", "guess " + i).statusCode() == 401 ? 1 : 0;
        }
        assertEquals(LoginThrottle.FREE_FAILURES, refused);
        HttpResponse<String> locked = c.login("admin", NEW_PASSWORD);
        assertEquals(429, locked.statusCode(), "from the guessing address even the right password waits: "
                + locked.body());
        assertTrue(locked.headers().firstValue("Retry-After").isPresent());
        assertEquals(401, loginFrom("127.0.0.1", "nobody", "guess"), "another name from that address is still tried");
        assertEquals(200, loginFrom("127.0.0.2", "admin", NEW_PASSWORD), "the administrator logs in from another"
                + " address at once: guessing elsewhere does not lock admin out");
    }

    /** POST /api/login over a socket bound to {@code source} (a loopback address), as a second machine would. */
    private static int loginFrom(String source, String user, String password) throws IOException {
        byte[] body = ConsoleClient.jsonOf(Map.of("user", user, "password", password)).getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(source, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /api/login HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            assertNotNull(status, "no answer to the login from " + source);
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    // --- helpers

    private static ConsoleClient loggedIn() {
        assertNotNull(session, "the login step ran first");
        return session;
    }

    private static JsonObject nextMessageEvent(BlockingQueue<String> lines) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        boolean isMessage = false;
        List<String> seen = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(1, TimeUnit.SECONDS);
            if (line == null) {
                continue;
            }
            seen.add(line);
            if (line.equals("event: message")) {
                isMessage = true;
            } else if (isMessage && line.startsWith("data: ")) {
                return JsonParser.parseString(line.substring(6)).getAsJsonObject();
            }
        }
        throw new AssertionError("no message event within 20 s; the stream sent " + seen);
    }

    private static JsonObject waitForTopic(ConsoleClient c, String topic,
            java.util.function.Predicate<JsonObject> until) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        JsonObject last = null;
        while (System.nanoTime() < deadline) {
            JsonArray topics = ConsoleClient.json(c.get("/api/topics")).getAsJsonArray("topics");
            for (JsonElement e : topics) {
                JsonObject t = e.getAsJsonObject();
                if (t.get("topic").getAsString().equals(topic)) {
                    last = t;
                    if (until.test(t)) {
                        return t;
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("topic " + topic + " did not reach the expected state; last " + last);
    }

    private static void assertCsp(HttpResponse<String> r) {
        String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
        assertEquals(ConsoleSecurity.CSP, csp, r.uri().toString());
        assertFalse(csp.contains("unsafe-inline"));
        assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""));
    }

    /** Every servlet pattern the console's HTTP runtime serves in the console context, as paths to request. */
    private static Set<String> concretePaths() {
        Set<String> paths = new LinkedHashSet<>();
        for (String pattern : routes()) {
            if (pattern.equals("/")) {
                paths.add("/");
                paths.add("/no/such/page");
            } else if (pattern.endsWith("/*")) {
                paths.add(pattern.substring(0, pattern.length() - 1) + "console.js");
                paths.add(pattern.substring(0, pattern.length() - 1) + "x");
            } else {
                paths.add(pattern);
            }
        }
        return paths;
    }

    private static List<String> routes() {
        HttpServiceRuntime runtime = service(HttpServiceRuntime.class, ConsoleContext.TARGET);
        RuntimeDTO dto = runtime.getRuntimeDTO();
        List<String> patterns = new ArrayList<>();
        long consoleBundle = CONTEXT.getBundle().getBundleId();
        for (FailedServletDTO failed : dto.failedServletDTOs) {
            fail("servlet " + failed.name + " " + List.of(failed.patterns) + " failed: reason " + failed.failureReason);
        }
        for (ServletContextDTO context : dto.servletContextDTOs) {
            for (ServletDTO servlet : context.servletDTOs) {
                boolean ours = serviceBundle(servlet.serviceId) == consoleBundle;
                if (context.name.equals(ConsoleContext.NAME)) {
                    patterns.addAll(List.of(servlet.patterns));
                } else {
                    assertFalse(ours, "console servlet " + List.of(servlet.patterns) + " outside the secured context "
                            + context.name);
                }
            }
        }
        return patterns;
    }

    private static long serviceBundle(long serviceId) {
        try {
            ServiceReference<?>[] refs = CONTEXT.getAllServiceReferences(null,
                    "(" + Constants.SERVICE_ID + "=" + serviceId + ")");
            return refs == null ? -1 : refs[0].getBundle().getBundleId();
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new AssertionError(e);
        }
    }

    static <T> T service(Class<T> type, String filter) {
        try {
            ServiceTracker<T, T> tracker = new ServiceTracker<>(CONTEXT, filter == null
                    ? CONTEXT.createFilter("(objectClass=" + type.getName() + ")")
                    : CONTEXT.createFilter("(&(objectClass=" + type.getName() + ")" + filter + ")"), null);
            tracker.open();
            T s = tracker.waitForService(20_000);
            assertNotNull(s, type.getName() + " " + (filter == null ? "" : filter) + " within 20 s");
            return s;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
