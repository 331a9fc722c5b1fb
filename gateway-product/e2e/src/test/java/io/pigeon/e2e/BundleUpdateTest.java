package io.pigeon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

/**
 * Hot deployment of a newer version of a bundle that ships in the product (issue 6): the jar dropped into deploy/
 * updates the installed bundle in place (same bundle id, never a second copy). Updating the GPIO and the console
 * bundle disconnects no MQTT client; updating the broker bundle loses no message whose PUBACK the publisher got, for
 * a persistent subscriber that reconnects.
 */
@PigeonOnly("hot deployment into the product's deploy/")
@WithBroker
class BundleUpdateTest {

    static final Duration WAIT = Duration.ofSeconds(60);
    static final Pattern CONNECT = Pattern.compile("sending CONNECT");

    @Test
    void gpioAndConsoleUpdatesKeepTheirIdAndDisconnectNoClient(Broker b) throws Exception {
        String cpu = "pigeon/+/sensor/cpu";
        Files.writeString(b.product.home.resolve("etc/io.pigeon.gpio.cfg"), "cpu.temperature.interval = 1\n");
        int http = startConsole(b, 1);
        ConsoleApi api = ConsoleApi.login(b.product, http);
        ConsoleApi.Bundle gpio = only(api, "io.pigeon.gpio");
        ConsoleApi.Bundle console = only(api, "io.pigeon.console");

        try (Proc sub = Tools.sub(b, "-t", cpu, "-t", "e2e/update/#", "-F", Tools.FORMAT);
                Paho.V3 paho = new Paho.V3(b, "e2e-update-paho")) {
            paho.client.subscribe("e2e/update/#", 1);
            awaitCount(sub, cpu, 2);

            String version = dropBumped(b, "io.pigeon.gpio", "e2e1");
            // nothing imports the GPIO bundle's API, so the refresh touches no other bundle
            b.proc.awaitLine(Pattern.compile("Updated io\\.pigeon\\.gpio from \\S+ to " + Pattern.quote(version)
                    + " in place \\(bundle " + gpio.id() + ", from deploy/\\S+; no other bundle refreshed\\)"), WAIT);
            ConsoleApi.Bundle updated = only(api, "io.pigeon.gpio");
            assertEquals(gpio.id(), updated.id(), "the update kept the bundle id");
            assertEquals(version, updated.version());
            assertEquals("ACTIVE", updated.state());
            assertEquals(gpio.version(), updated.restorable(), "the replaced jar is kept for restore");
            int before = count(sub, cpu);
            awaitCount(sub, cpu, before + 2); // GPIO publishing resumes with the new revision

            String consoleVersion = dropBumped(b, "io.pigeon.console", "e2e1");
            b.proc.awaitLine(Pattern.compile("Updated io\\.pigeon\\.console from \\S+ to "
                    + Pattern.quote(consoleVersion) + " in place \\(bundle " + console.id() + ","), WAIT);
            awaitConsoleStarts(b, http, 2);
            ConsoleApi again = ConsoleApi.login(b.product, http); // sessions live in the console bundle
            ConsoleApi.Bundle updatedConsole = only(again, "io.pigeon.console");
            assertEquals(console.id(), updatedConsole.id(), "the update kept the bundle id");
            assertEquals(consoleVersion, updatedConsole.version());
            assertEquals("ACTIVE", updatedConsole.state());
            assertEquals(console.version(), updatedConsole.restorable(), "the replaced jar is kept for restore");

            Tools.pub(b, "-t", "e2e/update/after", "-q", "1", "-m", "still connected");
            assertEquals(1, Paho.take(paho.received, 1, Duration.ofSeconds(10)).size(), "the Paho client still receives");
            Sleep.until(Duration.ofSeconds(10), () -> Tools.messages(sub).stream().anyMatch(l -> l.contains("still connected")));
            assertTrue(Tools.messages(sub).stream().anyMatch(l -> l.contains("still connected")), sub.output());
            assertNull(paho.lost, "the Paho client lost its connection");
            assertTrue(paho.client.isConnected());
            assertTrue(sub.process.isAlive(), "mosquitto_sub exited:\n" + sub.output());
            assertEquals(1, sub.count(l -> CONNECT.matcher(l).find()), "mosquitto_sub reconnected:\n" + sub.output());
        }
        assertEquals(0, b.proc.count(l -> l.contains("Refused")), b.outputTail());
    }

    @Test
    void brokerUpdateLosesNoAcknowledgedMessageForAPersistentSubscriber(Broker b) throws Exception {
        int http = startConsole(b, 1);
        ConsoleApi api = ConsoleApi.login(b.product, http);
        ConsoleApi.Bundle broker = only(api, "io.pigeon.broker");
        String topic = "e2e/update/seq";
        Tools.pub(b, "-t", "e2e/update/retained", "-q", "1", "-r", "-m", "kept across the update");

        Map<Integer, AtomicInteger> received = new ConcurrentHashMap<>();
        AtomicInteger connects = new AtomicInteger();
        MqttClient subscriber = new MqttClient(b.uri(), "e2e-update-persistent", new MemoryPersistence());
        subscriber.setTimeToWait(10_000);
        subscriber.setCallback(new MqttCallbackExtended() {
            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
                connects.incrementAndGet();
            }

            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String t, MqttMessage m) {
                int seq = Integer.parseInt(new String(m.getPayload(), StandardCharsets.UTF_8));
                received.computeIfAbsent(seq, k -> new AtomicInteger()).incrementAndGet();
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        MqttConnectOptions persistent = new MqttConnectOptions();
        persistent.setCleanSession(false);
        persistent.setAutomaticReconnect(true);
        persistent.setMaxReconnectDelay(1000);
        persistent.setConnectionTimeout(10);
        persistent.setKeepAliveInterval(10);
        persistent.setMaxInflight(1000);
        subscriber.connect(persistent);
        subscriber.subscribe(topic, 1);

        Set<Integer> acknowledged = Collections.synchronizedSet(new TreeSet<>());
        AtomicInteger failedPublishes = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        Thread publisher = new Thread(() -> publish(b, topic, acknowledged, failedPublishes, stop), "e2e-publisher");
        publisher.start();
        try {
            assertTrue(Sleep.until(WAIT, () -> acknowledged.size() >= 40), "the publisher got no PUBACKs");
            String version = dropBumped(b, "io.pigeon.broker", "e2e1");
            // nothing imports a package of the broker bundle (its API is io.pigeon.broker.api's): the store, the
            // client service, GPIO and the console only see its service go and come back
            b.proc.awaitLine(Pattern.compile("Updated io\\.pigeon\\.broker from \\S+ to " + Pattern.quote(version)
                    + " in place \\(bundle " + broker.id() + ", from deploy/\\S+; no other bundle refreshed\\)\\."),
                    WAIT);
            int atUpdate = acknowledged.size();
            assertTrue(Sleep.until(WAIT, () -> acknowledged.size() >= atUpdate + 40),
                    "the publisher got no PUBACK after the broker update; failed publishes: " + failedPublishes);
        } finally {
            stop.set(true);
            publisher.join(30_000);
        }
        List<Integer> acked;
        synchronized (acknowledged) {
            acked = new ArrayList<>(acknowledged);
        }
        Sleep.until(WAIT, () -> received.keySet().containsAll(acked));
        List<Integer> missing = acked.stream().filter(s -> !received.containsKey(s)).toList();
        int duplicates = received.values().stream().mapToInt(n -> n.get() - 1).sum();
        System.out.println("broker update: " + acked.size() + " acknowledged, " + failedPublishes + " publishes failed"
                + " during the update, " + received.size() + " distinct received, " + duplicates + " duplicates, "
                + connects + " subscriber connects");
        assertEquals(List.of(), missing, "acknowledged messages the persistent subscriber never got ("
                + acked.size() + " acknowledged, " + duplicates + " duplicates)");
        assertTrue(connects.get() >= 2, "the broker update did not restart the broker: the subscriber never "
                + "reconnected");
        subscriber.disconnect();
        subscriber.close();

        try (Proc fresh = Tools.sub(b, "-t", "e2e/update/retained", "-C", "1", "-W", "10", "-F", Tools.FORMAT)) {
            fresh.await(Duration.ofSeconds(12)).assertExit(0);
            assertTrue(Tools.messages(fresh).contains("MSG|e2e/update/retained|0|1|kept across the update"),
                    fresh.output());
        }
        ConsoleApi again = ConsoleApi.login(b.product, http);
        ConsoleApi.Bundle updated = only(again, "io.pigeon.broker");
        assertEquals(broker.id(), updated.id(), "the update kept the bundle id");
        assertEquals("ACTIVE", updated.state());
    }

    /**
     * An open console page does not hold up a broker update: the HTTP Whiteboard waits for a servlet's running requests
     * before it lets the servlet go, and a live stream runs until the browser closes it. The explorer's live list and
     * the GPIO page's stream end when the broker goes, the update completes, and a stream opened again (as the browser
     * does by itself) follows the new broker.
     */
    @Test
    @WithBroker
    void aBrokerUpdateEndsTheConsoleStreamsInsteadOfWaitingForThem(Broker b) throws Exception {
        int http = startConsole(b, 1);
        ConsoleApi api = ConsoleApi.login(b.product, http);
        ConsoleApi.Bundle broker = only(api, "io.pigeon.broker");
        String live = "/api/events?filter=e2e%2Flive%2F%23";
        try (ConsoleApi.EventStream list = api.events(live);
                ConsoleApi.EventStream gpio = api.events("/api/gpio/events")) {
            assertTrue(list.await("event: subscribed", WAIT), list.seen());
            assertTrue(gpio.await("event: subscribed", WAIT), gpio.seen());
            String version = dropBumped(b, "io.pigeon.broker", "streams");
            b.proc.awaitLine(Pattern.compile("Updated io\\.pigeon\\.broker from \\S+ to " + Pattern.quote(version)
                    + " in place \\(bundle " + broker.id() + ", from deploy/\\S+; no other bundle refreshed\\)\\."),
                    WAIT);
            assertTrue(list.await(ConsoleApi.EventStream.END, WAIT), "the live list did not end: " + list.seen());
            assertTrue(gpio.await(ConsoleApi.EventStream.END, WAIT), "the GPIO stream did not end: " + gpio.seen());
        }
        // as EventSource does: open again (after the retry time the stream asked for) until the broker is back
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try (ConsoleApi.EventStream again = api.events(live)) {
                if (again.await("event: subscribed", WAIT)) {
                    Tools.pub(b, "-t", "e2e/live/after", "-m", "after the update");
                    assertTrue(again.await("data: {\"topic\":\"e2e/live/after\"", WAIT), again.seen());
                    break;
                }
                assertTrue(again.seen().contains("event: unavailable"), "neither subscribed nor unavailable: "
                        + again.seen());
                assertTrue(System.nanoTime() < deadline, "the live list never came back: " + again.seen());
                Thread.sleep(500);
            }
        }
        assertEquals("ACTIVE", only(ConsoleApi.login(b.product, http), "io.pigeon.broker").state());
    }

    /**
     * A GPIO jar uploaded on the console that cannot resolve: reported with the reason, the rest keeps running, and the
     * console restores the replaced jar (DeployRestoreTest does the same for client jars in deploy/).
     */
    @Test
    void aBundleThatDoesNotResolveIsReportedWithTheReasonAndRestoreBringsBackTheReplacedJar(Broker b) throws Exception {
        int http = startConsole(b, 1);
        ConsoleApi api = ConsoleApi.login(b.product, http);
        ConsoleApi.Bundle gpio = only(api, "io.pigeon.gpio");
        Path product = BundleJars.productJar(b.product, "io.pigeon.gpio");
        Path broken = b.dir.resolve("jars/broken.jar");
        String brokenVersion = BundleJars.bumped(product, "zbroken", broken, mf -> mf.getMainAttributes().putValue(
                "Import-Package", mf.getMainAttributes().getValue("Import-Package")
                        + ",io.pigeon.e2e.missing;version=\"[1,2)\""));

        try (Paho.V3 paho = new Paho.V3(b, "e2e-update-bystander")) {
            paho.client.subscribe("e2e/update/#", 1);
            HttpResponse<String> r = api.upload(broken);
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"action\":\"UPDATED\"") && r.body().contains("io.pigeon.e2e.missing"),
                    "the upload answer names the missing package: " + r.body());
            ConsoleApi.Bundle after = only(api, "io.pigeon.gpio");
            assertEquals(gpio.id(), after.id());
            assertEquals(brokenVersion, after.version());
            assertEquals("INSTALLED", after.state(), "it cannot resolve");
            assertTrue(after.problem() != null && after.problem().contains("io.pigeon.e2e.missing"),
                    "the list says why: " + after.problem());
            b.proc.awaitLine(Pattern.compile("Updated io\\.pigeon\\.gpio .* but it is not running: .*"
                    + "io\\.pigeon\\.e2e\\.missing"), WAIT);

            // the rest keeps running
            Tools.pub(b, "-t", "e2e/update/while-broken", "-q", "1", "-m", "broker untouched");
            assertEquals(1, Paho.take(paho.received, 1, Duration.ofSeconds(10)).size());

            String refused = api.post("/api/bundles/restore", "{\"id\":" + gpio.id() + "}", 200);
            assertTrue(refused.contains("\"action\":\"RESTORED\""), refused);
            ConsoleApi.Bundle restored = only(api, "io.pigeon.gpio");
            assertEquals(gpio.id(), restored.id());
            assertEquals(gpio.version(), restored.version());
            assertEquals("ACTIVE", restored.state());
            assertNull(restored.problem());
            assertEquals("ACTIVE", only(api, "io.pigeon.bridge").state());
            assertNull(paho.lost, "a GPIO update disconnected an MQTT client");
        }

        Path older = b.dir.resolve("jars/older.jar");
        Files.copy(product, older);
        // restore walks back through the kept jars (another test's GPIO update may have left one), then has none
        for (int i = 0; i < 3 && only(api, "io.pigeon.gpio").restorable() != null; i++) {
            String back = api.post("/api/bundles/restore", "{\"id\":" + gpio.id() + "}", 200);
            assertTrue(back.contains("\"action\":\"RESTORED\""), back);
        }
        api.post("/api/bundles/restore", "{\"id\":" + gpio.id() + "}", 409); // nothing left to restore
        Path newer = b.dir.resolve("jars/newer.jar");
        BundleJars.bumped(product, "newer", newer);
        assertEquals(200, api.upload(newer).statusCode());
        HttpResponse<String> downgrade = api.upload(older);
        assertEquals(409, downgrade.statusCode(), downgrade.body());
        assertTrue(downgrade.body().contains("older than the installed"), downgrade.body());
        Path notAJar = b.dir.resolve("jars/not-a-jar.jar");
        Files.writeString(notAJar, "not a jar");
        HttpResponse<String> garbage = api.upload(notAJar);
        assertEquals(409, garbage.statusCode(), garbage.body());
        assertTrue(garbage.body().contains("is not a jar"), garbage.body());
        String framework = api.post("/api/bundles/uninstall", "{\"id\":0}", 409);
        assertTrue(framework.contains("cannot be uninstalled"), framework);
        assertEquals(1, api.bundles("io.pigeon.gpio").size());
        assertEquals("ACTIVE", api.bundles().get(0).state(), "the framework runs");
    }

    /** QoS 1 with sequence numbers until stopped (bounded): reconnects after a lost connection, keeps what was acked. */
    private static void publish(Broker b, String topic, Set<Integer> acknowledged, AtomicInteger failed,
            AtomicBoolean stop) {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        MqttClient client = null;
        for (int seq = 1; seq <= 20_000 && !stop.get() && System.nanoTime() < deadline; seq++) {
            try {
                if (client == null || !client.isConnected()) {
                    if (client != null) {
                        client.close(true);
                    }
                    client = new MqttClient(b.uri(), "e2e-update-publisher", new MemoryPersistence());
                    client.setTimeToWait(5_000);
                    MqttConnectOptions o = new MqttConnectOptions();
                    o.setCleanSession(true);
                    o.setConnectionTimeout(5);
                    client.connect(o);
                }
                client.publish(topic, Integer.toString(seq).getBytes(StandardCharsets.UTF_8), 1, false);
                acknowledged.add(seq); // publish() returned: the PUBACK arrived
            } catch (MqttException e) {
                failed.incrementAndGet();
                Sleep.millis(200);
            }
            Sleep.millis(20);
        }
        if (client != null) {
            try {
                if (client.isConnected()) {
                    client.disconnect(0);
                }
                client.close(true);
            } catch (MqttException e) {
                // the test is over; the broker closes what is left
            }
        }
    }

    /** Points the console at a free port through etc/ and waits for the {@code n}-th start on it. */
    static int startConsole(Broker b, int n) throws IOException {
        int http = Env.freePort();
        Files.writeString(b.product.home.resolve("etc/io.pigeon.console.cfg"), "port=" + http
                + "\nbind.address=127.0.0.1\n");
        awaitConsoleStarts(b, http, n);
        return http;
    }

    static void awaitConsoleStarts(Broker b, int http, int n) {
        String line = "HTTP console on http://127.0.0.1:" + http;
        assertTrue(Sleep.until(WAIT, () -> b.proc.count(l -> l.contains(line)) >= n), "no \"" + line + "\" ("
                + n + ". time):\n" + b.outputTail());
    }

    static ConsoleApi.Bundle only(ConsoleApi api, String symbolicName) throws IOException, InterruptedException {
        List<ConsoleApi.Bundle> found = api.bundles(symbolicName);
        assertEquals(1, found.size(), "bundles named " + symbolicName + ": " + found);
        return found.get(0);
    }

    /** Drops the product's jar with a higher version into deploy/ in one move; returns the new version. */
    static String dropBumped(Broker b, String symbolicName, String qualifier) throws IOException {
        Path staged = b.dir.resolve("staged/" + symbolicName + ".jar");
        String version = BundleJars.bumped(BundleJars.productJar(b.product, symbolicName), qualifier, staged);
        Files.move(staged, b.product.deploy().resolve(symbolicName + "-" + version + ".jar"),
                StandardCopyOption.ATOMIC_MOVE);
        return version;
    }

    /** Messages on a topic filter with at most single-level wildcards. */
    static int count(Proc sub, String filter) {
        Pattern topic = Pattern.compile("^MSG\\|" + filter.replace("+", "[^/|]+") + "\\|");
        return (int) Tools.messages(sub).stream().filter(l -> topic.matcher(l).find()).count();
    }

    static void awaitCount(Proc sub, String topic, int n) {
        assertTrue(Sleep.until(WAIT, () -> count(sub, topic) >= n), "fewer than " + n + " messages on " + topic
                + ":\n" + sub.output());
    }
}
