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
                awaitConnected(b, "$SYS/broker/connection/up/state").close();
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
            try (Proc state = awaitConnected(b, "$SYS/broker/connection/up/state");
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
            try (Proc state = awaitConnected(b, "$SYS/broker/connection/up/state");
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

    /**
     * The upstream: Debian's Mosquitto on a free loopback port, with its own directory; {@code PERSISTENCE} and
     * {@code PASSWD} in a directive stand for files in that directory. Stop and start keep the port.
     */
    static final class Upstream implements AutoCloseable {
        final int port = Env.freePort();
        final Path dir = Product.newRunDir();
        private final Path conf = dir.resolve("upstream.conf");
        private Proc proc;

        Upstream(List<String> directives) {
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
            proc = Proc.start(List.of("/usr/sbin/mosquitto", "-c", conf.toString()), dir, Map.of());
            proc.awaitLine(Broker.MOSQUITTO_RUNNING, WAIT);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!accepts()) {
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

        private boolean accepts() {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(Env.LOOPBACK, port), 500);
                return true;
            } catch (IOException e) {
                return false;
            }
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
