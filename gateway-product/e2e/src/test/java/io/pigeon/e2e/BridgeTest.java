package io.pigeon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bridges (issue 4): the product bridged to a real Mosquitto started here as the upstream, on free loopback ports.
 * Each test starts its own upstream and its own Pigeon and stops both.
 */
@PigeonOnly("Pigeon's bridge to an upstream Mosquitto")
class BridgeTest {

    static final Duration WAIT = Duration.ofSeconds(20);
    /**
     * The bridge's state on Pigeon: {@code $SYS/broker/connection/REMOTE_CLIENTID/state}, as in Mosquitto (each test
     * runs one bridge).
     */
    static final String STATE = "$SYS/broker/connection/+/state";

    /** Messages in the order {@code MSG|topic|qos|retain|payload}, waiting until {@code n} arrived. */
    private static List<String> await(Proc sub, int n) {
        List<String> got = Tools.awaitMessages(sub, n, WAIT);
        assertTrue(got.size() >= n, "expected " + n + " messages, got " + got + " from " + sub.command);
        return got;
    }

    private static Broker pigeon(Upstream up, String... bridgeLines) {
        List<String> conf = new ArrayList<>(List.of("connection up", "address 127.0.0.1:" + up.port,
                "restart_timeout 1 2"));
        conf.addAll(List.of(bridgeLines));
        return Broker.start(conf, List.of(), List.of(), "");
    }

    /** Subscribes on Pigeon to the bridge's state topic and waits for "1" (after a retained "0" if it was early). */
    private static Proc awaitConnected(Broker b, String stateTopic) {
        Proc state = Tools.sub(b, "-t", stateTopic, "-q", "1", "-F", Tools.FORMAT);
        Sleep.until(WAIT, () -> statesSinceConnected(state).size() > 0);
        assertFalse(statesSinceConnected(state).isEmpty(), "the bridge did not report connected on " + stateTopic
                + ": " + Tools.messages(state) + "\n--- pigeon ---\n" + b.outputTail());
        return state;
    }

    /** The state payloads from the first "1" on: whether it started before or after the subscription is timing. */
    private static List<String> statesSinceConnected(Proc state) {
        List<String> payloads = Tools.messages(state).stream().map(l -> l.substring(l.lastIndexOf('|') + 1)).toList();
        int first = payloads.indexOf("1");
        return first < 0 ? List.of() : payloads.subList(first, payloads.size());
    }

    @ParameterizedTest(name = "bridge_protocol_version {0}")
    @ValueSource(strings = {"mqttv31", "mqttv311", "mqttv50"})
    void outInBothAndPrefixesWithoutLoops(String version) throws Exception {
        try (Upstream up = new Upstream(List.of("allow_anonymous true"))) {
            Broker b = pigeon(up, "bridge_protocol_version " + version, "cleansession true",
                    "notification_topic gw1/bridge/state",
                    "topic out/# out 1 local/ remote/",
                    "topic in/# in 1 local/ remote/",
                    "topic both/# both 1",
                    "topic \"\" out 1 gw/status site/gw1/status",
                    "topic # in 0 \"\" fleet/gw1/");
            try (Proc state = awaitConnected(b, "gw1/bridge/state");
                    Proc upSub = up.sub("-t", "remote/#", "-t", "site/#", "-t", "both/#", "-t", "local/#");
                    Proc localSub = Tools.sub(b, "-q", "1", "-F", Tools.FORMAT, "-t", "local/#", "-t", "both/#",
                            "-t", "cmd", "-t", "remote/#")) {
                Tools.pub(b, "-t", "local/out/t1", "-m", "o1", "-q", "1");
                await(upSub, 1);
                up.pub("-t", "remote/in/t2", "-m", "i1", "-q", "1");
                await(localSub, 2);
                Tools.pub(b, "-t", "gw/status", "-m", "online", "-q", "1");
                await(upSub, 3);
                up.pub("-t", "fleet/gw1/cmd", "-m", "reboot", "-q", "1");
                await(localSub, 3);
                Tools.pub(b, "-t", "both/p", "-m", "fromPigeon", "-q", "1");
                await(upSub, 4);
                up.pub("-t", "both/u", "-m", "fromUp", "-q", "1");
                await(localSub, 5);
                // An echo would arrive within a few milliseconds; give it ample time to show.
                Sleep.millis(1500);
                assertEquals(List.of(
                        "MSG|remote/out/t1|1|0|o1",
                        "MSG|remote/in/t2|1|0|i1",
                        "MSG|site/gw1/status|1|0|online",
                        "MSG|both/p|1|0|fromPigeon",
                        "MSG|both/u|1|0|fromUp"), Tools.messages(upSub), "upstream, once each, prefixes swapped");
                assertEquals(List.of(
                        "MSG|local/out/t1|1|0|o1",
                        "MSG|local/in/t2|1|0|i1",
                        "MSG|cmd|0|0|reboot",
                        "MSG|both/p|1|0|fromPigeon",
                        "MSG|both/u|1|0|fromUp"), Tools.messages(localSub), "Pigeon, once each, prefixes swapped");
                assertEquals(List.of("1"), statesSinceConnected(state), "connected once, and never dropped");
            } finally {
                b.stop(Broker.STOP_TIMEOUT);
            }
            String log = b.output();
            assertTrue(log.contains("Bridge up: connected to the upstream."), log);
        }
    }

    /**
     * Retained messages cross the bridge retained, both ways, as with a Mosquitto bridge: those present when the bridge
     * connects (published on either side while the upstream was away, on a QoS 0 line as well as a QoS 1 line), live
     * ones (seen by Retain As Published subscribers with the flag, and by late subscribers as retained), the deletion
     * of one, and a message published without the flag stays without it.
     */
    @ParameterizedTest(name = "bridge_protocol_version {0}")
    @ValueSource(strings = {"mqttv311", "mqttv50"})
    void retainedMessagesCrossRetainedBothWays(String version) throws Exception {
        try (Upstream up = new Upstream(List.of("allow_anonymous true", "persistence true",
                "persistence_location " + "PERSISTENCE/"))) {
            up.pub("-t", "site/gw1/cmd/mode", "-m", "eco", "-r", "-q", "1");
            up.stop();
            Broker b = pigeon(up, "bridge_protocol_version " + version, "cleansession true",
                    "topic sensors/# out 1 \"\" site/gw1/",
                    "topic status out 0 \"\" site/gw1/",
                    "topic cmd/# in 1 \"\" site/gw1/");
            try {
                // the upstream is away: these wait on Pigeon, retained
                Tools.pub(b, "-t", "sensors/t", "-m", "21", "-r", "-q", "1");
                Tools.pub(b, "-t", "status", "-m", "online", "-r", "-q", "0");
                up.start();
                awaitConnected(b, STATE).close();
                Sleep.until(WAIT, () -> retainedAt(up.port, "site/#", 3).size() >= 3);
                assertEquals(List.of(
                        "MSG|site/gw1/cmd/mode|1|1|eco",
                        "MSG|site/gw1/sensors/t|1|1|21",
                        "MSG|site/gw1/status|0|1|online"), sorted(retainedAt(up.port, "site/#", 3)),
                        "what Pigeon retained while the upstream was away is retained there once it connects");
                Sleep.until(WAIT, () -> retainedAt(b.port, "cmd/#", 1).size() >= 1);
                assertEquals(List.of("MSG|cmd/mode|1|1|eco"), retainedAt(b.port, "cmd/#", 1),
                        "what the upstream retained before the bridge connected is retained on Pigeon");

                try (Proc upLive = up.sub("-V", "5", "--retain-as-published", "-t", "site/gw1/sensors/#",
                        "-t", "site/gw1/status");
                        Proc localLive = Tools.sub(b, "-V", "5", "--retain-as-published", "-q", "1", "-F",
                                Tools.FORMAT, "-t", "cmd/#")) {
                    await(upLive, 2);
                    await(localLive, 1);
                    Tools.pub(b, "-t", "sensors/h", "-m", "55", "-r", "-q", "1");
                    Tools.pub(b, "-t", "status", "-m", "busy", "-r", "-q", "0");
                    Tools.pub(b, "-t", "sensors/live", "-m", "not retained", "-q", "1");
                    up.pub("-t", "site/gw1/cmd/fan", "-m", "on", "-r", "-q", "1");
                    up.pub("-t", "site/gw1/cmd/once", "-m", "not retained", "-q", "1");
                    await(upLive, 5);
                    await(localLive, 3);
                    // QoS 0 goes up at once, QoS 1 through the bridge's queue: their order is not kept
                    assertEquals(List.of(
                            "MSG|site/gw1/sensors/h|1|1|55",
                            "MSG|site/gw1/sensors/live|1|0|not retained",
                            "MSG|site/gw1/status|0|1|busy"),
                            sorted(Tools.messages(upLive).subList(2, 5)), "live, with the retain flag as published"
                                    + " locally: " + Tools.messages(upLive));
                    assertEquals(List.of(
                            "MSG|cmd/fan|1|1|on",
                            "MSG|cmd/once|1|0|not retained"), sorted(Tools.messages(localLive).subList(1, 3)),
                            "live, with the retain flag as published upstream: " + Tools.messages(localLive));
                }
                assertEquals(List.of(
                        "MSG|site/gw1/cmd/fan|1|1|on",
                        "MSG|site/gw1/cmd/mode|1|1|eco",
                        "MSG|site/gw1/sensors/h|1|1|55",
                        "MSG|site/gw1/sensors/t|1|1|21",
                        "MSG|site/gw1/status|0|1|busy"), sorted(retainedAt(up.port, "site/gw1/#", 5)),
                        "a late subscriber upstream gets them retained");
                assertEquals(List.of("MSG|cmd/fan|1|1|on", "MSG|cmd/mode|1|1|eco"),
                        sorted(retainedAt(b.port, "cmd/#", 2)), "and on Pigeon");

                Tools.pub(b, "-t", "sensors/h", "-r", "-n", "-q", "1");
                Sleep.until(WAIT, () -> retainedAt(up.port, "site/gw1/sensors/#", 2).size() < 2);
                assertEquals(List.of("MSG|site/gw1/sensors/t|1|1|21"),
                        retainedAt(up.port, "site/gw1/sensors/#", 2), "deleting a retained message deletes it upstream");
            } finally {
                b.stop(Broker.STOP_TIMEOUT);
            }
        }
    }

    /**
     * The retained messages a fresh subscriber to {@code filter} gets from the broker on {@code port}: mosquitto_sub
     * until {@code atMost} arrived or 3 s passed.
     */
    private static List<String> retainedAt(int port, String filter, int atMost) {
        List<String> cmd = List.of("mosquitto_sub", "-h", Env.LOOPBACK, "-p", String.valueOf(port), "-q", "1",
                "-t", filter, "-F", Tools.FORMAT, "--retained-only", "-C", String.valueOf(atMost), "-W", "3");
        return Proc.run(Duration.ofSeconds(10), cmd, null, Map.of()).lines().stream()
                .filter(l -> l.startsWith("MSG|")).toList();
    }

    private static List<String> sorted(List<String> lines) {
        return lines.stream().sorted().toList();
    }

    /**
     * The upstream stops (SIGTERM) while a sensor publishes 300 QoS 1 messages to Pigeon, and starts again on the same
     * port: every message reaches the upstream's persistent subscriber, in the order published, and the state topic
     * says 1, 0, 1.
     */
    @Test
    void upstreamRestartedMidStreamLosesNothing() throws Exception {
        int total = 300;
        try (Upstream up = new Upstream(List.of("allow_anonymous true", "persistence true",
                "persistence_location " + "PERSISTENCE/"))) {
            Broker b = pigeon(up, "cleansession false", "remote_clientid gw1-bridge", "topic data/# out 1");
            List<String> received = new ArrayList<>();
            AtomicInteger published = new AtomicInteger();
            AtomicReference<Throwable> publishFailure = new AtomicReference<>();
            try (Proc state = awaitConnected(b, STATE);
                    Paho.V3 sensor = new Paho.V3(b, "sensor")) {
                Proc collector = up.sub("-c", "-i", "collector", "-t", "data/#");
                Thread publisher = new Thread(() -> {
                    try {
                        for (int i = 0; i < total; i++) {
                            sensor.publish("data/" + i, String.valueOf(i), 1, false);
                            published.incrementAndGet();
                            Sleep.millis(10);
                        }
                    } catch (Throwable e) {
                        publishFailure.set(e);
                    }
                }, "sensor");
                publisher.start();
                Sleep.until(WAIT, () -> Tools.messages(collector).size() >= 100);
                up.stop();
                int atStop = published.get();
                collector.close();
                received.addAll(Tools.messages(collector));
                Sleep.until(WAIT, () -> statesSinceConnected(state).size() >= 2);
                assertEquals(List.of("1", "0"), statesSinceConnected(state),
                        "the state topic says 0 once the upstream is gone");
                publisher.join(TimeUnit.SECONDS.toMillis(30));
                assertFalse(publisher.isAlive(), "the sensor did not finish publishing");
                assertEquals(null, publishFailure.get(), "Pigeon refused a publish while the upstream was away");
                assertTrue(atStop < total - 50, "the upstream stopped too late to test the queue: " + atStop);
                up.start();
                try (Proc again = up.sub("-c", "-i", "collector", "-t", "data/#")) {
                    Sleep.until(Duration.ofSeconds(40), () -> distinct(received, Tools.messages(again)).size() >= total);
                    received.addAll(Tools.messages(again));
                }
                Sleep.until(WAIT, () -> statesSinceConnected(state).size() >= 3);
                assertEquals(List.of("1", "0", "1"), statesSinceConnected(state), "and 1 again once it is back");
            } finally {
                b.stop(Broker.STOP_TIMEOUT);
            }
            List<String> payloads = distinct(received, List.of());
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                expected.add(String.valueOf(i));
            }
            assertEquals(expected, payloads, "every message, in order (first arrivals; QoS 1 may repeat some)");
            assertTrue(b.output().contains("queued message(s) in order"), "the bridge did not report its queue");
        }
    }

    /** Messages queued while the upstream is away stay on disk through a restart of Pigeon and then go up in order. */
    @Test
    void queuedMessagesSurviveAPigeonRestart() throws Exception {
        int total = 50;
        try (Upstream up = new Upstream(List.of("allow_anonymous true", "persistence true",
                "persistence_location " + "PERSISTENCE/"))) {
            up.sub("-c", "-i", "collector", "-t", "data/#").close();
            up.stop();
            Broker b = pigeon(up, "cleansession false", "remote_clientid gw1-bridge", "topic data/# out 1");
            for (int i = 0; i < total; i++) {
                Tools.pub(b, "-t", "data/" + i, "-m", String.valueOf(i), "-q", "1");
            }
            b.stop(Broker.STOP_TIMEOUT);
            assertTrue(b.output().contains("Bridge up: stopped; " + total + " message(s) stay queued on disk."),
                    b.outputTail());
            assertTrue(Files.size(b.product.home.resolve("data/bridges/up.mv.db")) > 0, "no queue file");
            up.start();
            try (Proc again = b.product.start(List.of("--config", b.config.toString()), "")) {
                again.awaitLine(Broker.PIGEON_STARTED, Broker.START_TIMEOUT);
                again.awaitLine(Pattern.compile("Bridge up: " + total + " message\\(s\\) \\(\\d+ bytes\\) are queued"
                        + " from before"), WAIT);
                try (Proc collector = up.sub("-c", "-i", "collector", "-t", "data/#")) {
                    Sleep.until(WAIT, () -> distinct(Tools.messages(collector), List.of()).size() >= total);
                    List<String> expected = new ArrayList<>();
                    for (int i = 0; i < total; i++) {
                        expected.add(String.valueOf(i));
                    }
                    assertEquals(expected, distinct(Tools.messages(collector), List.of()), "all, in order");
                }
                again.process.destroy();
                assertTrue(again.process.waitFor(10, TimeUnit.SECONDS), "Pigeon did not stop on SIGTERM");
            }
        }
    }

    /**
     * A TLS upstream that requires a client certificate: bridge_cafile, bridge_certfile and bridge_keyfile. Its server
     * certificate names another host, so the bridge connects only with bridge_insecure true, and says why otherwise.
     */
    @Test
    void tlsUpstreamWithClientCertificate() throws Exception {
        Path certs = Product.newRunDir();
        openssl(certs, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
                "-days", "2", "-subj", "/CN=Bridge Test CA");
        Files.writeString(certs.resolve("server.ext"), "subjectAltName=DNS:elsewhere.example\n");
        for (String who : List.of("server", "client")) {
            openssl(certs, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", who + ".key", "-out", who + ".csr",
                    "-subj", "/CN=" + who);
            List<String> sign = new ArrayList<>(List.of("x509", "-req", "-in", who + ".csr", "-CA", "ca.pem",
                    "-CAkey", "ca.key", "-CAcreateserial", "-out", who + ".pem", "-days", "2"));
            if (who.equals("server")) {
                sign.addAll(List.of("-extfile", "server.ext"));
            }
            openssl(certs, sign.toArray(new String[0]));
        }
        try (Upstream up = new Upstream(List.of("allow_anonymous true", "cafile " + certs.resolve("ca.pem"),
                "certfile " + certs.resolve("server.pem"), "keyfile " + certs.resolve("server.key"),
                "require_certificate true"))) {
            String[] tls = {"bridge_cafile " + certs.resolve("ca.pem"), "bridge_certfile " + certs.resolve("client.pem"),
                "bridge_keyfile " + certs.resolve("client.key"), "topic tls/# out 1"};
            Broker strict = pigeon(up, tls);
            try {
                Matcher refused = strict.proc.awaitLine(Pattern.compile("Bridge up: not connected to the upstream"
                        + " \\[mqtts://127\\.0\\.0\\.1:" + up.port + "\\]: (.*)"), WAIT);
                assertTrue(refused.group(1).matches("(?i).*(certificate|hostname|host name|subject alternative|"
                        + "No subject alternative|handshake).*"), "the reason must point at the certificate: "
                        + refused.group(0));
            } finally {
                strict.stop(Broker.STOP_TIMEOUT);
            }
            List<String> insecure = new ArrayList<>(List.of(tls));
            insecure.add("bridge_insecure true");
            Broker b = pigeon(up, insecure.toArray(new String[0]));
            try (Proc state = awaitConnected(b, STATE);
                    Proc upSub = up.sub("--cafile", certs.resolve("ca.pem").toString(), "--cert",
                            certs.resolve("client.pem").toString(), "--key", certs.resolve("client.key").toString(),
                            "--insecure", "-t", "tls/#")) {
                Tools.pub(b, "-t", "tls/x", "-m", "over TLS", "-q", "1");
                assertEquals(List.of("MSG|tls/x|1|0|over TLS"), await(upSub, 1));
            } finally {
                b.stop(Broker.STOP_TIMEOUT);
            }
        }
    }

    private static void openssl(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Proc.run(Duration.ofSeconds(30), cmd, dir, Map.of()).assertExit(0);
    }

    /** The payloads in order of first arrival. */
    private static List<String> distinct(List<String> first, List<String> then) {
        Set<String> seen = new LinkedHashSet<>();
        for (List<String> lines : List.of(first, then)) {
            for (String line : lines) {
                seen.add(line.substring(line.lastIndexOf('|') + 1));
            }
        }
        return new ArrayList<>(seen);
    }

    @Test
    void wrongUpstreamPasswordIsReportedClearly() throws Exception {
        try (Upstream up = new Upstream(List.of("allow_anonymous false", "password_file PASSWD"))) {
            Proc.run(Duration.ofSeconds(10), "mosquitto_passwd", "-b", up.dir.resolve("passwd").toString(), "gw1",
                    "s3cret").assertExit(0);
            up.restart();
            Broker b = pigeon(up, "remote_username gw1", "remote_password not-the-password", "topic x/# out 1");
            try {
                Pattern refused = Pattern.compile("Bridge up: not connected to the upstream \\[mqtt://127\\.0\\.0\\.1:"
                        + up.port + "\\]: (.*)");
                Matcher m = b.proc.awaitLine(refused, WAIT);
                String line = m.group(0);
                assertTrue(line.matches("(?i).*(not authori[sz]ed|bad user name or password|0x05|0x86|0x87).*"),
                        "the reason must say the upstream refused the credentials: " + line);
                assertTrue(line.contains("remote_username/remote_password"), "the line must say what to check: " + line);
                assertFalse(b.output().contains("not-the-password"), "the password must never be logged");
                Sleep.millis(3000);
                assertEquals(1, b.proc.count(l -> refused.matcher(l).find() && l.contains("WARN")),
                        "repeated refusals are logged once at warning level:\n" + b.outputTail());
            } finally {
                b.stop(Broker.STOP_TIMEOUT);
            }
        }
    }

    // ---- Mosquitto's bridge behaviour and directives, each against a real Mosquitto upstream ----

    /**
     * The gateway end of a bridge: Pigeon (the product), or Debian's Mosquitto with the same directives, to compare
     * with what Mosquitto's own bridge does. Stop and start keep the port, the configuration and the data.
     */
    private interface Gateway extends AutoCloseable {
        int port();

        void pub(String... args);

        void stop() throws InterruptedException;

        void start();

        String output();

        @Override
        void close() throws InterruptedException;
    }

    /** Pigeon with {@code directives} (global ones first, then the connection section). */
    private static Gateway pigeonGateway(List<String> directives) {
        Broker first = Broker.start(directives, List.of(), List.of(), "");
        return new Gateway() {
            private Proc again;
            private boolean running = true;

            public int port() {
                return first.port;
            }

            public void pub(String... args) {
                Tools.pub(first, args);
            }

            public void stop() throws InterruptedException {
                if (!running) {
                    return;
                }
                running = false;
                if (again == null) {
                    first.stop(Broker.STOP_TIMEOUT);
                    return;
                }
                again.process.destroy();
                assertTrue(again.process.waitFor(10, TimeUnit.SECONDS), "Pigeon did not stop on SIGTERM");
                again.close();
            }

            public void start() {
                again = first.product.start(List.of("--config", first.config.toString()), "");
                again.awaitLine(Broker.PIGEON_STARTED, Broker.START_TIMEOUT);
                running = true;
                Sleep.until(WAIT, () -> accepts(first.port));
            }

            public String output() {
                return again == null ? first.output() : again.output();
            }

            public void close() throws InterruptedException {
                stop();
            }
        };
    }

    /** Mosquitto with the same {@code directives}, for comparison; its log has everything (log_type all). */
    private static Gateway mosquittoGateway(List<String> directives) {
        List<String> conf = new ArrayList<>(List.of("allow_anonymous true"));
        conf.addAll(directives);
        Upstream m = new Upstream(conf);
        return new Gateway() {
            public int port() {
                return m.port;
            }

            public void pub(String... args) {
                m.pub(args);
            }

            public void stop() throws InterruptedException {
                m.stop();
            }

            public void start() {
                m.start();
            }

            public String output() {
                return m.output();
            }

            public void close() {
                m.close();
            }
        };
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(Env.LOOPBACK, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The section of a bridge named up to {@code up}, then {@code lines}. */
    private static List<String> connection(Upstream up, String... lines) {
        List<String> conf = new ArrayList<>(List.of("connection up", "address 127.0.0.1:" + up.port,
                "restart_timeout 1 2"));
        conf.addAll(List.of(lines));
        return conf;
    }

    private static final Pattern SENT_TO_GW1 = Pattern.compile("Sending PUBLISH to gw1 \\(d\\d, (q\\d), (r\\d), m\\d+,"
            + " '([^']+)'");
    private static final Pattern RECEIVED_FROM_GW1 = Pattern.compile("Received PUBLISH from gw1 \\(d\\d, (q\\d),"
            + " (r\\d), m\\d+, '([^']+)', \\.\\.\\. \\((\\d+) bytes\\)\\)");

    /** The PUBLISH packets a Mosquitto log shows, as "topic qN rN" (plus " N bytes" where logged), in order. */
    private static List<String> publishes(String log, Pattern pattern, String topicPrefix) {
        List<String> out = new ArrayList<>();
        Matcher m = pattern.matcher(log);
        while (m.find()) {
            if (m.group(3).startsWith(topicPrefix)) {
                out.add(m.group(3) + " " + m.group(1) + " " + m.group(2));
            }
        }
        return out;
    }

    /**
     * Subscribing on every connect (issue 4): with {@code cleansession false} the upstream keeps the bridge's session,
     * but a session keeps only QoS 1/2 messages for an absent client, so a retained change on a QoS 0 in line made
     * while the bridge was away would be missed if the bridge did not subscribe again. Mosquitto's bridge subscribes
     * on every connect, whatever the session, and so does Pigeon's. Two absences, on a QoS 0 and a QoS 1 line: the
     * gateway restarted (while it was down the upstream also stopped and started again), and the upstream restarted
     * while the gateway ran; each time the upstream's retained values changed before the bridge was back, and each
     * time the gateway ends with them.
     * <p>
     * The same run with Mosquitto as the gateway: the upstream sends both bridges the same packets after each
     * absence (the QoS 1 value twice: once from the kept session, once as retained for the new SUBSCRIBE), no more.
     */
    @Test
    void retainedChangesUpstreamWhileTheBridgeWasAwayArriveAfterItReconnects() throws Exception {
        List<String> pigeon = retainedChangesAfterReconnect("Pigeon", true);
        List<String> mosquitto = retainedChangesAfterReconnect("Mosquitto", false);
        List<String> each = List.of("site/gw1/cfg/rate q1 r1", "site/gw1/cfg/rate q1 r1", "site/gw1/cmd/mode q0 r1");
        assertEquals(List.of("gateway restarted " + each, "upstream restarted " + each), mosquitto,
                "what the upstream sent Mosquitto's bridge after each absence");
        assertEquals(mosquitto, pigeon, "what it sent Pigeon's bridge: the same, no more");
    }

    /** @return per absence, what the upstream sent the bridge after it, as "topic qN rN", sorted */
    private static List<String> retainedChangesAfterReconnect(String name, boolean isPigeon) throws Exception {
        try (Upstream up = new Upstream(List.of("allow_anonymous true", "persistence true",
                "persistence_location PERSISTENCE/"))) {
            up.pub("-t", "site/gw1/cmd/mode", "-m", "eco", "-r", "-q", "0");
            up.pub("-t", "site/gw1/cfg/rate", "-m", "10", "-r", "-q", "1");
            List<String> conf = new ArrayList<>(List.of("persistence true"));
            if (!isPigeon) {
                conf.add("persistence_location PERSISTENCE/");
            }
            // 5 s before a new attempt: time to change the upstream's values while the bridge is away
            conf.addAll(List.of("connection up", "address 127.0.0.1:" + up.port, "restart_timeout 5",
                    "cleansession false", "remote_clientid gw1", "topic cmd/# in 0 \"\" site/gw1/",
                    "topic cfg/# in 1 \"\" site/gw1/"));
            List<String> sent = new ArrayList<>();
            try (Gateway gw = isPigeon ? pigeonGateway(conf) : mosquittoGateway(conf)) {
                awaitRetained(gw, name + ": the first connect", "10", "eco");

                gw.stop();
                up.stop();
                up.start();
                up.pub("-t", "site/gw1/cmd/mode", "-m", "away", "-r", "-q", "0");
                up.pub("-t", "site/gw1/cfg/rate", "-m", "20", "-r", "-q", "1");
                int mark = up.output().length();
                gw.start();
                awaitRetained(gw, name + ": after the gateway restarted", "20", "away");
                // more copies would come within milliseconds
                Sleep.millis(1500);
                sent.add("gateway restarted " + sorted(publishes(up.output().substring(mark), SENT_TO_GW1, "site/")));

                up.stop();
                up.start();
                up.pub("-t", "site/gw1/cmd/mode", "-m", "night", "-r", "-q", "0");
                up.pub("-t", "site/gw1/cfg/rate", "-m", "30", "-r", "-q", "1");
                mark = up.output().length();
                awaitRetained(gw, name + ": after the upstream restarted", "30", "night");
                Sleep.millis(1500);
                sent.add("upstream restarted " + sorted(publishes(up.output().substring(mark), SENT_TO_GW1, "site/")));
                return sent;
            }
        }
    }

    /** Waits until the gateway's retained cfg/rate and cmd/mode are {@code rate} and {@code mode}. */
    private static void awaitRetained(Gateway gw, String when, String rate, String mode) {
        List<String> expected = List.of("MSG|cfg/rate|1|1|" + rate, "MSG|cmd/mode|0|1|" + mode);
        Sleep.until(WAIT, () -> sorted(retainedAt(gw.port(), "+/+", 2)).equals(expected));
        assertEquals(expected, sorted(retainedAt(gw.port(), "+/+", 2)), when + ": the values the upstream retains,"
                + " on the QoS 0 line too\n" + Proc.tail(gw.output(), 60));
    }

    /**
     * A retained QoS 1 message published on the gateway while the upstream was away waits in the bridge's queue; the
     * retained messages the bridge sends on connect must not send it a second time. A retained value changed at QoS 0
     * after an older one was queued still ends as the upstream's retained value: it goes behind the queued one.
     * <p>
     * The same with Mosquitto as the gateway, where Pigeon differs: Mosquitto 2.0.11 queues its retained messages for
     * the bridge each time it starts to connect and again on CONNACK, and its check for a message already queued for
     * a client skips retained ones, so the upstream gets the queued retained message two or more times (one more for
     * each failed attempt while the upstream was away). The changed value ends the same, in the same order.
     */
    @Test
    void aRetainedMessageQueuedForTheUpstreamGoesUpOnce() throws Exception {
        List<String> pigeon = retainedQueuedWhileAway(true);
        List<String> mosquitto = retainedQueuedWhileAway(false);
        assertEquals(List.of(
                "site/gw1/sensors/t q1 r1",
                "site/gw1/sensors/h q1 r1",
                "site/gw1/sensors/h q0 r1"), pigeon, "what Pigeon's bridge sent, in order: each once");
        assertTrue(mosquitto.stream().filter("site/gw1/sensors/t q1 r1"::equals).count() >= 2,
                "Mosquitto's bridge repeats the queued retained message: " + mosquitto);
        assertEquals(pigeon.subList(1, 3), mosquitto.stream().filter(l -> l.startsWith("site/gw1/sensors/h")).toList(),
                "the changed value, as from Mosquitto's bridge");
    }

    /** @return what the upstream received from the bridge, as "topic qN rN", in order */
    private static List<String> retainedQueuedWhileAway(boolean isPigeon) throws Exception {
        try (Upstream up = new Upstream(List.of("allow_anonymous true"))) {
            up.stop();
            List<String> conf = connection(up, "cleansession false", "remote_clientid gw1",
                    "topic sensors/# out 1 \"\" site/gw1/");
            try (Gateway gw = isPigeon ? pigeonGateway(conf) : mosquittoGateway(conf)) {
                gw.pub("-t", "sensors/t", "-m", "21", "-r", "-q", "1");
                gw.pub("-t", "sensors/h", "-m", "40", "-r", "-q", "1");
                gw.pub("-t", "sensors/h", "-m", "41", "-r", "-q", "0");
                up.start();
                List<String> expected = List.of("MSG|site/gw1/sensors/h|0|1|41", "MSG|site/gw1/sensors/t|1|1|21");
                Sleep.until(WAIT, () -> sorted(retainedAt(up.port, "site/gw1/#", 2)).equals(expected));
                assertEquals(expected, sorted(retainedAt(up.port, "site/gw1/#", 2)), (isPigeon ? "Pigeon" : "Mosquitto")
                        + ": the upstream ends with the newest values\n" + Proc.tail(gw.output(), 60));
                Sleep.millis(1500);
                return publishes(up.output(), RECEIVED_FROM_GW1, "site/");
            }
        }
    }

    /** Whether a message published on Pigeon to {@code topic} reaches a subscriber on {@code up} within 2 s. */
    private static boolean reaches(Broker b, Upstream up, String topic) {
        try (Proc sub = up.sub("-t", topic)) {
            Tools.pub(b, "-t", topic, "-m", "probe", "-q", "1");
            return Sleep.until(Duration.ofSeconds(2), () -> !Tools.messages(sub).isEmpty());
        }
    }

    /**
     * round_robin false (the default): the first address is the main one; while connected to the second, the bridge
     * checks the first every 5 s and moves back as soon as it accepts connections, and the second publishes the
     * bridge's will (state 0). round_robin true: the addresses are equals; when the one it is on fails, the bridge
     * goes on to the next (the third here, where round_robin false would start again at the first), and stays there.
     */
    @Test
    void roundRobinFalseMovesBackToTheFirstAddressTrueGoesOnAndStays() throws Exception {
        try (Upstream first = new Upstream(List.of("allow_anonymous true"));
                Upstream second = new Upstream(List.of("allow_anonymous true"));
                Upstream third = new Upstream(List.of("allow_anonymous true"))) {
            first.stop();
            List<String> section = List.of("connection up", "address 127.0.0.1:" + first.port + " 127.0.0.1:"
                    + second.port + " 127.0.0.1:" + third.port, "restart_timeout 1 2", "remote_clientid gw1",
                    "topic data/# out 1");
            Broker b = Broker.start(section, List.of(), List.of(), "");
            try {
                awaitConnected(b, STATE).close();
                assertTrue(reaches(b, second, "data/x"), "on the second address while the first is down");
                first.start();
                assertTrue(Sleep.until(Duration.ofSeconds(20), () -> reaches(b, first, "data/x")),
                        "back on the first within the 5 s check\n" + b.outputTail());
                assertTrue(b.output().contains("accepts connections again; moving back to it"), b.outputTail());
                Sleep.until(WAIT, () -> retainedAt(second.port, "$SYS/broker/connection/gw1/state", 1).equals(
                        List.of("MSG|$SYS/broker/connection/gw1/state|1|1|0")));
                assertEquals(List.of("MSG|$SYS/broker/connection/gw1/state|1|1|0"),
                        retainedAt(second.port, "$SYS/broker/connection/gw1/state", 1), "the second says 0");
            } finally {
                b.stop(Broker.STOP_TIMEOUT);
            }

            first.stop();
            List<String> roundRobin = new ArrayList<>(section);
            roundRobin.add("round_robin true");
            Broker rr = Broker.start(roundRobin, List.of(), List.of(), "");
            try {
                awaitConnected(rr, STATE).close();
                assertTrue(reaches(rr, second, "data/x"), "on the second address while the first is down");
                first.start();
                second.stop();
                assertTrue(Sleep.until(WAIT, () -> reaches(rr, third, "data/x")), "on the third once the second"
                        + " failed, not back at the first\n" + rr.outputTail());
                second.start();
                // round_robin false would be back on the first within about 5 s (above)
                Sleep.millis(8000);
                assertFalse(reaches(rr, first, "data/x"), "round_robin true: not back on the first");
                assertTrue(reaches(rr, third, "data/x"), "still on the third");
            } finally {
                rr.stop(Broker.STOP_TIMEOUT);
            }
        }
    }

    /**
     * start_type lazy: the bridge connects only when threshold messages wait for the upstream (QoS 0 ones count and
     * are kept, as in Mosquitto), sends them in order, and disconnects after idle_timeout seconds without traffic,
     * saying 0 on the state topics; then it waits for the threshold again.
     */
    @Test
    void lazyConnectsAtTheThresholdAndDisconnectsWhenIdle() throws Exception {
        try (Upstream up = new Upstream(List.of("allow_anonymous true"))) {
            Broker b = pigeon(up, "remote_clientid gw1", "start_type lazy", "threshold 3", "idle_timeout 3",
                    "topic data/# out 1");
            try (Proc upSub = up.sub("-t", "data/#", "-t", "$SYS/broker/connection/gw1/state");
                    Proc state = Tools.sub(b, "-t", STATE, "-q", "1", "-F", Tools.FORMAT)) {
                Tools.pub(b, "-t", "data/1", "-m", "a", "-q", "1");
                Tools.pub(b, "-t", "data/2", "-m", "b", "-q", "0");
                Sleep.millis(1500);
                assertEquals(List.of(), Tools.messages(upSub), "two messages wait: not connected");
                assertFalse(up.output().contains(" as gw1 "), "the bridge did not connect:\n" + up.output());
                Tools.pub(b, "-t", "data/3", "-m", "c", "-q", "1");
                assertEquals(List.of(
                        "MSG|$SYS/broker/connection/gw1/state|1|0|1",
                        "MSG|data/1|1|0|a",
                        "MSG|data/2|0|0|b",
                        "MSG|data/3|1|0|c"), await(upSub, 4), "the third: connected, all in order, QoS 0 too");
                long connectedAt = System.nanoTime();
                Sleep.until(Duration.ofSeconds(15), () -> Tools.messages(upSub).size() >= 5);
                long idle = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connectedAt);
                assertEquals("MSG|$SYS/broker/connection/gw1/state|1|0|0", Tools.messages(upSub).get(4),
                        "the upstream is told 0 when the idle bridge leaves\n" + b.outputTail());
                assertTrue(idle >= 2000, "not before idle_timeout 3 s: " + idle + " ms");
                assertTrue(b.output().contains("no traffic for 3 s (idle_timeout); disconnected"), b.outputTail());
                assertEquals(List.of("0", "1", "0"), Tools.messages(state).stream()
                        .map(l -> l.substring(l.lastIndexOf('|') + 1)).toList(), "the state on Pigeon");

                Tools.pub(b, "-t", "data/4", "-m", "d", "-q", "1");
                Tools.pub(b, "-t", "data/5", "-m", "e", "-q", "1");
                Sleep.millis(1500);
                assertEquals(5, Tools.messages(upSub).size(), "two wait again: " + Tools.messages(upSub));
                Tools.pub(b, "-t", "data/6", "-m", "f", "-q", "1");
                assertEquals(List.of("MSG|data/4|1|0|d", "MSG|data/5|1|0|e", "MSG|data/6|1|0|f"),
                        await(upSub, 9).stream().filter(l -> l.startsWith("MSG|data/")).skip(3).toList(),
                        "the threshold again: connected again");
            } finally {
                b.stop(Broker.STOP_TIMEOUT);
            }
        }
    }

    /** start_type once: connected at start; after the upstream restarted the bridge stays away, and says why. */
    @Test
    void onceDoesNotReconnectAfterTheConnectionFailed() throws Exception {
        try (Upstream up = new Upstream(List.of("allow_anonymous true"))) {
            Broker b = pigeon(up, "remote_clientid gw1", "start_type once", "topic data/# out 1");
            try (Proc state = awaitConnected(b, STATE)) {
                up.restart();
                Sleep.millis(5000);
                assertEquals(List.of("1", "0"), statesSinceConnected(state), "not again (restart_timeout 1 2)");
                assertFalse(up.output().contains(" as gw1 "), "no connection after the restart:\n" + up.output());
                assertTrue(b.output().contains("start_type once: the bridge does not try again"), b.outputTail());
            } finally {
                b.stop(Broker.STOP_TIMEOUT);
            }
        }
    }

    /**
     * bridge_outgoing_retain false, for 3.1.1 upstreams that refuse retained messages (here a Mosquitto with
     * retain_available false, which closes a 3.1.1 connection that sends one, or a will with the retain flag):
     * messages go up without the flag, and the bridge stays connected. With the default the upstream refuses it.
     */
    @Test
    void bridgeOutgoingRetainFalseClearsTheRetainFlagForUpstreamsWithoutRetain() throws Exception {
        try (Upstream up = new Upstream(List.of("allow_anonymous true", "retain_available false"))) {
            Broker b = pigeon(up, "remote_clientid gw1", "bridge_outgoing_retain false",
                    "topic sensors/# out 1 \"\" site/gw1/");
            try (Proc state = awaitConnected(b, STATE);
                    Proc upSub = up.sub("-t", "site/gw1/#", "-t", "$SYS/broker/connection/gw1/state")) {
                Tools.pub(b, "-t", "sensors/t", "-m", "21", "-r", "-q", "1");
                assertEquals(List.of("MSG|site/gw1/sensors/t|1|0|21"), await(upSub, 1).stream()
                        .filter(l -> l.startsWith("MSG|site/")).toList(), "up, without the retain flag");
                Sleep.millis(1500);
                assertEquals(List.of("1"), statesSinceConnected(state), "and still connected");
            } finally {
                b.stop(Broker.STOP_TIMEOUT);
            }
            Broker refused = pigeon(up, "remote_clientid gw2", "topic sensors/# out 1 \"\" site/gw1/");
            try {
                Sleep.millis(4000);
                assertFalse(refused.output().contains("Bridge up: connected to the upstream."),
                        "the default sends a retained will, which this upstream refuses");
            } finally {
                refused.stop(Broker.STOP_TIMEOUT);
            }
        }
    }

    /**
     * bridge_attempt_unsubscribe: the bridge's kept session upstream still has the subscription of an earlier
     * {@code in} line; once the line is {@code out}, the bridge unsubscribes it on connecting (the default), and the
     * upstream no longer sends those messages; with false it does not, as in Mosquitto.
     */
    @ParameterizedTest(name = "bridge_attempt_unsubscribe {0}")
    @ValueSource(booleans = {true, false})
    void anOutLineUnsubscribesWhatAnEarlierInLineLeftUpstream(boolean attempt) throws Exception {
        try (Upstream up = new Upstream(List.of("allow_anonymous true"))) {
            Broker before = pigeon(up, "cleansession false", "remote_clientid gw1", "topic t/# in 1");
            try {
                awaitConnected(before, STATE).close();
                Sleep.until(WAIT, () -> up.output().contains("gw1 1 t/#"));
            } finally {
                before.stop(Broker.STOP_TIMEOUT);
            }
            int mark = up.output().length();
            Broker after = pigeon(up, "cleansession false", "remote_clientid gw1", "topic t/# out 1",
                    "bridge_attempt_unsubscribe " + attempt);
            try {
                awaitConnected(after, STATE).close();
                Sleep.millis(1000);
                up.pub("-t", "t/x", "-m", "for the old in line", "-q", "1");
                Sleep.millis(1500);
                String log = up.output().substring(mark);
                assertEquals(attempt, log.contains("Received UNSUBSCRIBE from gw1"), log);
                assertEquals(attempt ? List.of() : List.of("t/x q1 r0"), publishes(log, SENT_TO_GW1, "t/"),
                        "what the upstream still sends the bridge for t/#");
            } finally {
                after.stop(Broker.STOP_TIMEOUT);
            }
        }
    }

    /**
     * notifications (the default) go upstream too, as in Mosquitto: 1 retained while connected, 0 as the bridge's will
     * and when it stops, on {@code $SYS/broker/connection/REMOTE_CLIENTID/state}, as Mosquitto's bridge does (checked
     * here with Mosquitto as the gateway); notifications_local_only true keeps them on the gateway.
     */
    @Test
    void notificationsGoUpstreamUnlessLocalOnly() throws Exception {
        try (Upstream up = new Upstream(List.of("allow_anonymous true"))) {
            for (String gateway : List.of("pigeon", "mosquitto")) {
                String id = "gw-" + gateway;
                String topic = "$SYS/broker/connection/" + id + "/state";
                List<String> conf = connection(up, "remote_clientid " + id, "topic data/# out 1");
                try (Gateway gw = gateway.equals("pigeon") ? pigeonGateway(conf) : mosquittoGateway(conf)) {
                    Sleep.until(WAIT, () -> retainedAt(up.port, topic, 1).equals(List.of("MSG|" + topic + "|1|1|1")));
                    assertEquals(List.of("MSG|" + topic + "|1|1|1"), retainedAt(up.port, topic, 1),
                            gateway + ": 1 upstream while connected");
                    assertEquals(List.of("MSG|" + topic + "|1|1|1"), retainedAt(gw.port(), topic, 1),
                            gateway + ": and on the gateway");
                    gw.stop();
                    Sleep.until(WAIT, () -> retainedAt(up.port, topic, 1).equals(List.of("MSG|" + topic + "|1|1|0")));
                    assertEquals(List.of("MSG|" + topic + "|1|1|0"), retainedAt(up.port, topic, 1),
                            gateway + ": 0 once the gateway stopped");
                }
            }
            Broker b = pigeon(up, "remote_clientid gw1", "notifications_local_only true",
                    "notification_topic gw1/bridge/state", "topic data/# out 1");
            try {
                awaitConnected(b, "gw1/bridge/state").close();
                Sleep.millis(1000);
                assertEquals(List.of(), retainedAt(up.port, "gw1/#", 1), "notifications_local_only: none upstream");
            } finally {
                b.stop(Broker.STOP_TIMEOUT);
            }
        }
    }

    /**
     * bridge_tls_version is the lowest TLS version the bridge offers, as in Mosquitto. The upstream Mosquitto is held
     * to TLS 1.2 at most by its OpenSSL configuration: tlsv1.3 cannot connect, tlsv1.2 can.
     */
    @Test
    void bridgeTlsVersionIsTheLowestVersionOffered() throws Exception {
        Path certs = Product.newRunDir();
        openssl(certs, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
                "-days", "2", "-subj", "/CN=Bridge Test CA");
        openssl(certs, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
                "-subj", "/CN=server");
        openssl(certs, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "server.pem", "-days", "2");
        Path openssl = certs.resolve("tls12.cnf");
        Files.write(openssl, List.of("openssl_conf = openssl_init", "[openssl_init]", "ssl_conf = ssl_sect",
                "[ssl_sect]", "system_default = system_default_sect", "[system_default_sect]",
                "MaxProtocol = TLSv1.2"));
        try (Upstream up = new Upstream(List.of("allow_anonymous true", "cafile " + certs.resolve("ca.pem"),
                "certfile " + certs.resolve("server.pem"), "keyfile " + certs.resolve("server.key")),
                Map.of("OPENSSL_CONF", openssl.toString()))) {
            String[] tls = {"remote_clientid gw1", "bridge_cafile " + certs.resolve("ca.pem"), "bridge_insecure true",
                "topic tls/# out 1"};
            List<String> v13 = new ArrayList<>(List.of(tls));
            v13.add("bridge_tls_version tlsv1.3");
            Broker strict = pigeon(up, v13.toArray(new String[0]));
            try {
                Matcher refused = strict.proc.awaitLine(Pattern.compile("Bridge up: not connected to the upstream"
                        + " \\[mqtts://127\\.0\\.0\\.1:" + up.port + "\\]: (.*)"), WAIT);
                assertTrue(refused.group(1).matches("(?i).*(protocol|handshake|version).*"), refused.group(0));
                assertTrue(Sleep.until(WAIT, () -> up.output().contains("unsupported protocol")), up.output());
            } finally {
                strict.stop(Broker.STOP_TIMEOUT);
            }
            List<String> v12 = new ArrayList<>(List.of(tls));
            v12.add("bridge_tls_version tlsv1.2");
            Broker b = pigeon(up, v12.toArray(new String[0]));
            try (Proc state = awaitConnected(b, STATE);
                    Proc upSub = up.sub("--cafile", certs.resolve("ca.pem").toString(), "--insecure", "-t", "tls/#")) {
                Tools.pub(b, "-t", "tls/x", "-m", "over TLS 1.2", "-q", "1");
                assertEquals(List.of("MSG|tls/x|1|0|over TLS 1.2"), await(upSub, 1));
            } finally {
                b.stop(Broker.STOP_TIMEOUT);
            }
        }
    }

    /**
     * local_clientid names the bridge's local session, which in Pigeon is its store-and-forward queue: queued messages
     * stay with it when the connection is renamed, as a Mosquitto bridge's local session stays with its local client id.
     */
    @Test
    void theQueueBelongsToTheLocalClientIdAndSurvivesARenamedConnection() throws Exception {
        try (Upstream up = new Upstream(List.of("allow_anonymous true", "persistence true",
                "persistence_location PERSISTENCE/"))) {
            up.sub("-c", "-i", "collector", "-t", "data/#").close();
            up.stop();
            Broker b = Broker.start(List.of("connection old-name", "address 127.0.0.1:" + up.port,
                    "restart_timeout 1 2", "remote_clientid gw1", "local_clientid gw1-local", "topic data/# out 1"),
                    List.of(), List.of(), "");
            for (int i = 0; i < 5; i++) {
                Tools.pub(b, "-t", "data/" + i, "-m", String.valueOf(i), "-q", "1");
            }
            b.stop(Broker.STOP_TIMEOUT);
            assertTrue(Files.size(b.product.home.resolve("data/bridges/gw1-local.mv.db")) > 0, "queue file");
            assertFalse(Files.exists(b.product.home.resolve("data/bridges/old-name.mv.db")));
            Files.writeString(b.config, Files.readString(b.config).replace("connection old-name", "connection new-name"));
            up.start();
            try (Proc again = b.product.start(List.of("--config", b.config.toString()), "")) {
                again.awaitLine(Broker.PIGEON_STARTED, Broker.START_TIMEOUT);
                again.awaitLine(Pattern.compile("Bridge new-name: 5 message\\(s\\) \\(\\d+ bytes\\) are queued from"
                        + " before"), WAIT);
                try (Proc collector = up.sub("-c", "-i", "collector", "-t", "data/#")) {
                    Sleep.until(WAIT, () -> distinct(Tools.messages(collector), List.of()).size() >= 5);
                    assertEquals(List.of("0", "1", "2", "3", "4"), distinct(Tools.messages(collector), List.of()));
                }
                again.process.destroy();
                assertTrue(again.process.waitFor(10, TimeUnit.SECONDS), "Pigeon did not stop on SIGTERM");
            }
        }
    }

    /** bridge_bind_address: the connection upstream goes out from that address (the upstream's log shows it). */
    @Test
    void theBridgeConnectsFromItsBindAddress() throws Exception {
        try (Upstream up = new Upstream(List.of("allow_anonymous true"))) {
            Broker b = pigeon(up, "remote_clientid gw1", "bridge_bind_address 127.0.0.2", "topic data/# out 1");
            try {
                awaitConnected(b, STATE).close();
                // "bridge": Mosquitto recognises try_private
                assertTrue(Pattern.compile("New bridge connected from 127\\.0\\.0\\.2:\\d+ as gw1 ").matcher(
                        up.output()).find(), up.output());
            } finally {
                b.stop(Broker.STOP_TIMEOUT);
            }
        }
    }

    /**
     * bridge_max_packet_size: a message whose PUBLISH would be larger is not sent (as in Mosquitto) and the log says
     * so; the messages after it go on.
     */
    @Test
    void aMessageAboveBridgeMaxPacketSizeIsDroppedWithAWarning() throws Exception {
        try (Upstream up = new Upstream(List.of("allow_anonymous true"))) {
            Broker b = pigeon(up, "remote_clientid gw1", "bridge_max_packet_size 100", "topic data/# out 1");
            try (Proc state = awaitConnected(b, STATE); Proc upSub = up.sub("-t", "data/#")) {
                Tools.pub(b, "-t", "data/big", "-m", "x".repeat(200), "-q", "1");
                Tools.pub(b, "-t", "data/small", "-m", "fits", "-q", "1");
                assertEquals(List.of("MSG|data/small|1|0|fits"), await(upSub, 1));
                assertTrue(b.output().contains("makes a PUBLISH packet of 215 bytes, more than the 100 bytes allowed"),
                        b.outputTail());
            } finally {
                b.stop(Broker.STOP_TIMEOUT);
            }
        }
    }

    /**
     * The upstream: Debian's Mosquitto on a free loopback port, with its own directory; {@code PERSISTENCE} and
     * {@code PASSWD} in a directive stand for files in that directory. Stop and start keep the port.
     */
    static final class Upstream implements AutoCloseable {
        final int port = Env.freePort();
        final Path dir = Product.newRunDir();
        private final Path conf = dir.resolve("upstream.conf");
        private final Map<String, String> env;
        private Proc proc;

        Upstream(List<String> directives) {
            this(directives, Map.of());
        }

        /** @param env for Mosquitto's process, e.g. OPENSSL_CONF */
        Upstream(List<String> directives, Map<String, String> env) {
            this.env = env;
            List<String> lines = new ArrayList<>(List.of(
                    "# upstream broker for BridgeTest",
                    "listener " + port + " " + Env.LOOPBACK,
                    // Only has an effect when the test runs as root: keep root, so the files here stay usable.
                    "user root",
                    "log_dest stderr",
                    "log_type all"));
            for (String d : directives) {
                lines.add(d.replace("PERSISTENCE", dir.resolve("store").toString())
                        .replace("PASSWD", dir.resolve("passwd").toString()));
            }
            try {
                Files.createDirectories(dir.resolve("store"));
                Files.write(dir.resolve("passwd"), new byte[0]);
                Files.write(conf, lines);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            start();
        }

        void start() {
            proc = Proc.start(List.of("/usr/sbin/mosquitto", "-c", conf.toString()), dir, env);
            proc.awaitLine(Broker.MOSQUITTO_RUNNING, WAIT);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!accepts(port)) {
                if (!proc.process.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("the upstream Mosquitto did not start on port " + port + "\n"
                            + proc.output());
                }
                Sleep.millis(100);
            }
        }

        /** SIGTERM, as a service manager stops it: Mosquitto saves its persistence file and exits. */
        void stop() throws InterruptedException {
            proc.process.destroy();
            if (!proc.process.waitFor(10, TimeUnit.SECONDS)) {
                proc.kill();
                throw new AssertionError("the upstream Mosquitto did not stop within 10 s of SIGTERM");
            }
        }

        void restart() throws InterruptedException {
            stop();
            start();
        }


        /** mosquitto_sub at QoS 1 on the upstream, started once its SUBACK arrived. */
        Proc sub(String... args) {
            List<String> cmd = new ArrayList<>(Tools.LINE_BUFFERED);
            cmd.addAll(List.of("mosquitto_sub", "-h", Env.LOOPBACK, "-p", String.valueOf(port), "-d", "-q", "1", "-F",
                    Tools.FORMAT));
            cmd.addAll(List.of(args));
            Proc p = Proc.start(cmd, null, Map.of());
            p.awaitLine(Pattern.compile("received SUBACK"), Duration.ofSeconds(10));
            return p;
        }

        void pub(String... args) {
            List<String> cmd = new ArrayList<>(List.of("mosquitto_pub", "-h", Env.LOOPBACK, "-p", String.valueOf(port)));
            cmd.addAll(List.of(args));
            Proc.run(Tools.RUN_TIMEOUT, cmd, null, Map.of()).assertExit(0);
        }

        /** What Mosquitto logged so far (log_type all, to stderr). */
        String output() {
            return proc.output();
        }

        @Override
        public void close() {
            proc.close();
        }
    }
}
