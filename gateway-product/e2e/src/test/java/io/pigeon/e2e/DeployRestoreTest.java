package io.pigeon.e2e;

import static io.pigeon.e2e.BundleUpdateTest.WAIT;
import static io.pigeon.e2e.BundleUpdateTest.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What deploy/ and the console's restore do to the product's own bundles, with MQTT clients connected (issue 6): a
 * client jar that does not resolve or start leaves the console serving, which restores the jar it replaced; removing
 * a jar from deploy/ undoes its update (a jar of a new bundle is uninstalled with it); a restore, and a removal while
 * the gateway is stopped, still hold after a restart.
 */
@PigeonOnly("hot deployment into the product's deploy/")
class DeployRestoreTest {

    static final String CPU = "pigeon/+/sensor/cpu";
    static final String STATUS = "pigeon/+/status";

    private Broker broker;

    @AfterEach
    void stopBroker() {
        if (broker != null && broker.alive()) {
            broker.stop(Broker.STOP_TIMEOUT);
        }
    }

    /**
     * The console imports no package of the client bundle, nor of a bundle that needs it, so a broken client jar
     * leaves it resolved and running (the same session answers, no restart); so does every MQTT connection. The
     * restore from the console brings back the gateway's own connection (GPIO publishes again) and takes the broken
     * jar out of deploy/.
     */
    @Test
    void aClientJarThatDoesNotResolveOrStartLeavesTheConsoleServingAndItsRestoreBringsTheGatewayBack()
            throws Exception {
        broker = startWithGpioEverySecond();
        int http = BundleUpdateTest.startConsole(broker, 1);
        ConsoleApi api = ConsoleApi.login(broker.product, http);
        ConsoleApi.Bundle client = only(api, "io.pigeon.client");
        ConsoleApi.Bundle console = only(api, "io.pigeon.console");
        Path product = BundleJars.productJar(broker.product, "io.pigeon.client");

        try (Proc sub = Tools.sub(broker, "-t", CPU, "-t", STATUS, "-t", "e2e/restore/#", "-F", Tools.FORMAT);
                Paho.V3 paho = new Paho.V3(broker, "e2e-restore-bystander")) {
            paho.client.subscribe("e2e/restore/#", 1);
            awaitCount(sub, CPU, 2);

            // a jar that does not resolve: a package nobody exports
            Path unresolvable = drop("io.pigeon.client", "zunresolved", mf -> mf.getMainAttributes().putValue(
                    "Import-Package", mf.getMainAttributes().getValue("Import-Package")
                            + ",io.pigeon.e2e.missing;version=\"[1,2)\""));
            broker.proc.awaitLine(Pattern.compile("Updated io\\.pigeon\\.client from \\S+ to \\S+ in place \\(bundle "
                    + client.id() + ", from deploy/\\S+; no other bundle refreshed\\), but it is not running: .*"
                    + "io\\.pigeon\\.e2e\\.missing"), WAIT);
            ConsoleApi.Bundle broken = only(api, "io.pigeon.client"); // the same session: the console did not restart
            assertEquals("INSTALLED", broken.state(), "it cannot resolve");
            assertTrue(broken.problem() != null && broken.problem().contains("io.pigeon.e2e.missing"),
                    "the console says why: " + broken.problem());
            assertEquals(client.version(), broken.restorable());
            stillRunning(api, http, console, paho, "e2e/restore/unresolved");

            restoreAndAwaitTheGateway(api, client, sub, paho, unresolvable);

            // a jar that resolves but does not start: an activator class that is not there
            Path unstartable = drop("io.pigeon.client", "zunstartable", mf -> mf.getMainAttributes().putValue(
                    "Bundle-Activator", "io.pigeon.e2e.missing.Activator"));
            broker.proc.awaitLine(Pattern.compile("Updated io\\.pigeon\\.client from \\S+ to \\S+ in place \\(bundle "
                    + client.id() + ", from deploy/\\S+; no other bundle refreshed\\), but it is not running: .*"
                    + "io\\.pigeon\\.e2e\\.missing\\.Activator"), WAIT);
            broken = only(api, "io.pigeon.client");
            assertEquals("RESOLVED", broken.state(), "it resolves but does not start");
            assertTrue(broken.problem() != null && broken.problem().contains("io.pigeon.e2e.missing.Activator"),
                    "the console says why: " + broken.problem());
            stillRunning(api, http, console, paho, "e2e/restore/unstartable");

            restoreAndAwaitTheGateway(api, client, sub, paho, unstartable);

            assertNull(paho.lost, "the Paho client lost its connection");
            assertTrue(sub.process.isAlive(), "mosquitto_sub exited:\n" + sub.output());
            assertEquals(1, sub.count(l -> BundleUpdateTest.CONNECT.matcher(l).find()),
                    "mosquitto_sub reconnected:\n" + sub.output());
        }
        assertTrue(Files.isRegularFile(product), "the product's own jar stays in plugins/");
        assertEquals(0, broker.proc.count(l -> l.contains("Refused")), broker.outputTail());
    }

    /**
     * Removing a jar from deploy/ puts back what its update replaced, through a chain of two jars, with clients
     * connected; a jar of a bundle the product does not have is uninstalled with its file, as FileInstall does.
     */
    @Test
    void removingAJarFromDeployUndoesItsUpdateAndUninstallsANewBundle() throws Exception {
        broker = startWithGpioEverySecond();
        int http = BundleUpdateTest.startConsole(broker, 1);
        ConsoleApi api = ConsoleApi.login(broker.product, http);
        ConsoleApi.Bundle gpio = only(api, "io.pigeon.gpio");

        try (Proc sub = Tools.sub(broker, "-t", CPU, "-t", "e2e/remove/#", "-F", Tools.FORMAT);
                Paho.V3 paho = new Paho.V3(broker, "e2e-remove-bystander")) {
            paho.client.subscribe("e2e/remove/#", 1);
            awaitCount(sub, CPU, 2);

            Path a = drop("io.pigeon.gpio", "a", mf -> {
            });
            String versionA = BundleJars.version(a);
            broker.proc.awaitLine(updated("io.pigeon.gpio", gpio.version(), versionA, gpio.id()), WAIT);
            Path b = drop("io.pigeon.gpio", "b", mf -> {
            });
            String versionB = BundleJars.version(b);
            broker.proc.awaitLine(updated("io.pigeon.gpio", versionA, versionB, gpio.id()), WAIT);

            Files.delete(b);
            broker.proc.awaitLine(restored("io.pigeon.gpio", versionA, versionB, gpio.id(),
                    "the removal of deploy/" + b.getFileName()), WAIT);
            assertEquals(versionA, only(api, "io.pigeon.gpio").version(), "deploy/ still has " + a.getFileName());
            int before = count(sub, CPU);
            awaitCount(sub, CPU, before + 2); // GPIO publishes with the restored jar

            Files.delete(a);
            broker.proc.awaitLine(restored("io.pigeon.gpio", gpio.version(), versionA, gpio.id(),
                    "the removal of deploy/" + a.getFileName()), WAIT);
            ConsoleApi.Bundle back = only(api, "io.pigeon.gpio");
            assertEquals(gpio.id(), back.id());
            assertEquals(gpio.version(), back.version(), "deploy/ has no GPIO jar left: the product's runs");
            assertEquals("ACTIVE", back.state());
            assertNull(back.restorable(), "every kept jar was put back");
            before = count(sub, CPU);
            awaitCount(sub, CPU, before + 2);

            // a bundle of a new name: FileInstall's own, installed and uninstalled with its file
            Path plain = broker.product.deploy().resolve("io.pigeon.e2e.plain.jar");
            move(plainBundle(broker.dir.resolve("jars/plain.jar"), "io.pigeon.e2e.plain", "1.0.0"), plain);
            assertTrue(awaitBundles(api, "io.pigeon.e2e.plain",
                    l -> l.size() == 1 && l.get(0).state().equals("ACTIVE")),
                    "the new bundle was not installed and started: " + api.bundles("io.pigeon.e2e.plain"));
            Files.delete(plain);
            assertTrue(awaitBundles(api, "io.pigeon.e2e.plain", List::isEmpty),
                    "the new bundle was not uninstalled with its file: " + api.bundles("io.pigeon.e2e.plain"));

            Tools.pub(broker, "-t", "e2e/remove/after", "-q", "1", "-m", "still connected");
            assertEquals(1, Paho.take(paho.received, 1, Duration.ofSeconds(10)).size(), "the Paho client receives");
            assertNull(paho.lost, "the Paho client lost its connection");
            assertEquals(1, sub.count(l -> BundleUpdateTest.CONNECT.matcher(l).find()),
                    "mosquitto_sub reconnected:\n" + sub.output());
        }
        assertEquals(1, api.bundles("io.pigeon.gpio").size());
        assertEquals(0, broker.proc.count(l -> l.contains("Refused")), broker.outputTail());
    }

    /**
     * A restore takes the newer jar out of deploy/ (into data/deploy/set-aside/), so the restored jar still runs
     * after a restart; a jar removed from deploy/ while the gateway is stopped has its update undone at the start.
     */
    @Test
    void aRestoreAndARemovalWhileStoppedStillHoldAfterARestart() throws Exception {
        broker = startWithGpioEverySecond();
        int http = BundleUpdateTest.startConsole(broker, 1);
        ConsoleApi api = ConsoleApi.login(broker.product, http);
        ConsoleApi.Bundle gpio = only(api, "io.pigeon.gpio");
        ConsoleApi.Bundle client = only(api, "io.pigeon.client");

        Path newerGpio = drop("io.pigeon.gpio", "restored", mf -> {
        });
        String gpioVersion = BundleJars.version(newerGpio);
        broker.proc.awaitLine(updated("io.pigeon.gpio", gpio.version(), gpioVersion, gpio.id()), WAIT);
        String answer = api.post("/api/bundles/restore", "{\"id\":" + gpio.id() + "}", 200);
        assertTrue(answer.contains("\"action\":\"RESTORED\""), answer);
        Path setAside = broker.product.home.resolve("data/deploy/set-aside").resolve(newerGpio.getFileName());
        String name = Pattern.quote(newerGpio.getFileName().toString());
        broker.proc.awaitLine(Pattern.compile("Moved " + name + " \\(io\\.pigeon\\.gpio " + Pattern.quote(gpioVersion)
                + "\\) out of \\S+/deploy to \\S+/data/deploy/set-aside/" + name + ", so that the restored"
                + " io\\.pigeon\\.gpio " + Pattern.quote(gpio.version()) + " is what runs after a restart"), WAIT);
        assertFalse(Files.exists(newerGpio), "the restore left the newer jar in deploy/");
        assertTrue(Files.isRegularFile(setAside), "the newer jar is not where the log says");

        Path newerClient = drop("io.pigeon.client", "removed", mf -> {
        });
        String clientVersion = BundleJars.version(newerClient);
        broker.proc.awaitLine(updated("io.pigeon.client", client.version(), clientVersion, client.id()), WAIT);

        broker = broker.stopAndRestart("", () -> Files.delete(newerClient));
        BundleUpdateTest.awaitConsoleStarts(broker, http, 1);
        broker.proc.awaitLine(restored("io.pigeon.client", client.version(), clientVersion, client.id(),
                "the removal of deploy/" + newerClient.getFileName() + " while the gateway was stopped"), WAIT);
        ConsoleApi again = ConsoleApi.login(broker.product, http);
        ConsoleApi.Bundle gpioNow = only(again, "io.pigeon.gpio");
        assertEquals(gpio.version(), gpioNow.version(), "the restore was undone by the restart");
        assertEquals("ACTIVE", gpioNow.state());
        ConsoleApi.Bundle clientNow = only(again, "io.pigeon.client");
        assertEquals(client.version(), clientNow.version(), "the client jar removed while stopped still runs");
        assertEquals("ACTIVE", clientNow.state());
        assertEquals(0, broker.proc.count(l -> l.contains("Updated io.pigeon.")), broker.outputTail());

        try (Proc sub = Tools.sub(broker, "-t", CPU, "-F", Tools.FORMAT)) {
            awaitCount(sub, CPU, 2); // the gateway's connection and GPIO run after all this
        }
        assertEquals(0, broker.proc.count(l -> l.contains("Refused")), broker.outputTail());
    }

    /** The console still serves the same session, has not restarted, and MQTT goes on. */
    private void stillRunning(ConsoleApi api, int http, ConsoleApi.Bundle console, Paho.V3 paho, String topic)
            throws Exception {
        ConsoleApi.Bundle now = only(api, "io.pigeon.console");
        assertEquals("ACTIVE", now.state());
        assertEquals(console.id(), now.id());
        String started = "HTTP console on http://127.0.0.1:" + http;
        assertEquals(1, broker.proc.count(l -> l.contains(started)), "the console restarted:\n"
                + broker.outputTail());
        for (String name : List.of("io.pigeon.gpio", "io.pigeon.bridge", "io.pigeon.broker")) {
            assertEquals("ACTIVE", only(api, name).state(), name + " did not keep running");
        }
        Tools.pub(broker, "-t", topic, "-q", "1", "-m", "broker untouched");
        assertEquals(1, Paho.take(paho.received, 1, Duration.ofSeconds(10)).size(), "the Paho client receives");
    }

    /**
     * Restores the client's replaced jar through the console's API, which answers at once (the console does not
     * restart), checks that the broken jar left deploy/ and that the gateway's connection and GPIO run again.
     */
    private void restoreAndAwaitTheGateway(ConsoleApi api, ConsoleApi.Bundle client, Proc sub, Paho.V3 paho,
            Path brokenJar) throws Exception {
        int online = count(sub, STATUS);
        String answer = api.post("/api/bundles/restore", "{\"id\":" + client.id() + "}", 200);
        assertTrue(answer.contains("\"action\":\"RESTORED\"") && !answer.contains("\"problem\""), answer);
        ConsoleApi.Bundle restored = only(api, "io.pigeon.client");
        assertEquals(client.id(), restored.id());
        assertEquals(client.version(), restored.version());
        assertEquals("ACTIVE", restored.state());
        assertNull(restored.problem());
        broker.proc.awaitLine(Pattern.compile("Moved " + Pattern.quote(brokenJar.getFileName().toString())
                + " .* out of \\S+ to \\S+set-aside\\S+, so that the restored io\\.pigeon\\.client"), WAIT);
        assertFalse(Files.exists(brokenJar), "the restore left the broken jar in deploy/");
        awaitCount(sub, STATUS, online + 1); // GPIO announces itself again through the gateway's connection
        assertTrue(Tools.messages(sub).stream().filter(l -> l.matches("MSG\\|pigeon/[^/]+/status\\|.*"))
                .reduce((x, y) -> y).orElseThrow().endsWith("|online"), sub.output());
        int cpu = count(sub, CPU);
        awaitCount(sub, CPU, cpu + 2);
        assertNull(paho.lost, "the Paho client lost its connection");
    }

    private static Broker startWithGpioEverySecond() throws IOException {
        Broker b = Broker.start(List.of(), List.of(), List.of(), "");
        Files.writeString(b.product.home.resolve("etc/io.pigeon.gpio.cfg"), "cpu.temperature.interval = 1\n");
        return b;
    }

    /** The product's jar of {@code symbolicName}, one micro version up and edited, moved into deploy/ in one step. */
    private Path drop(String symbolicName, String qualifier, Consumer<Manifest> edit) throws IOException {
        Path staged = broker.dir.resolve("staged/" + symbolicName + "-" + qualifier + ".jar");
        String version = BundleJars.bumped(BundleJars.productJar(broker.product, symbolicName), qualifier, staged,
                edit);
        Path deployed = broker.product.deploy().resolve(symbolicName + "-" + version + ".jar");
        move(staged, deployed);
        return deployed;
    }

    private static void move(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A bundle with a manifest and nothing else. */
    private static Path plainBundle(Path jar, String symbolicName, String version) throws IOException {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", symbolicName);
        a.putValue("Bundle-Version", version);
        Files.createDirectories(jar.getParent());
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, mf)) {
            // the manifest is the bundle
        }
        return jar;
    }

    private static Pattern updated(String name, String from, String to, long id) {
        return Pattern.compile("Updated " + Pattern.quote(name) + " from " + Pattern.quote(from) + " to "
                + Pattern.quote(to) + " in place \\(bundle " + id + ", from deploy/\\S+; no other bundle"
                + " refreshed\\)\\.");
    }

    private static Pattern restored(String name, String version, String replacing, long id, String origin) {
        return Pattern.compile("Restored " + Pattern.quote(name) + " " + Pattern.quote(version) + " in place of "
                + Pattern.quote(replacing) + " \\(bundle " + id + ", from " + Pattern.quote(origin)
                + "; no other bundle refreshed\\)\\.");
    }

    private static int count(Proc sub, String filter) {
        return BundleUpdateTest.count(sub, filter);
    }

    private static void awaitCount(Proc sub, String filter, int n) {
        BundleUpdateTest.awaitCount(sub, filter, n);
    }

    /** Polls the console's bundle list every half second (bounded) until the bundles of {@code name} pass. */
    private static boolean awaitBundles(ConsoleApi api, String name, Predicate<List<ConsoleApi.Bundle>> test)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!test.test(api.bundles(name))) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(500);
        }
        return true;
    }
}
