package io.pigeon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Availability (issue 5): the gateway's own connection has a last will on {@code pigeon/<gateway-id>/status} =
 * {@code offline}, retained, and the GPIO bridge publishes {@code online} there. The product's gateway connection is
 * pointed at a real Mosquitto (etc/io.pigeon.client.cfg, applied by FileInstall), so that it is Mosquitto that
 * publishes the will when the gateway's JVM is killed. Each test starts its own Mosquitto and product on free
 * loopback ports.
 */
@PigeonOnly("the product's gateway connection and GPIO bridge")
class AvailabilityTest {

    static final Duration WAIT = Duration.ofSeconds(30);
    /** How soon after the kill the will must be there: Mosquitto sees the socket close at once. */
    static final Duration WILL_WAIT = Duration.ofSeconds(5);

    private final String topic = "pigeon/" + hostname() + "/status";

    @Test
    void theWillSaysOfflineWhenTheGatewayIsKilled() throws Exception {
        try (BridgeTest.Upstream mosquitto = new BridgeTest.Upstream(List.of("allow_anonymous true"))) {
            Broker b = gatewayOn(mosquitto, List.of());
            try {
                awaitRetained(mosquitto, "online", WAIT, b);
                try (Proc watcher = mosquitto.sub("-t", topic)) {
                    killJvm(b);
                    Sleep.until(WILL_WAIT, () -> payloads(watcher).contains("offline"));
                    assertTrue(payloads(watcher).contains("offline"), "no 'offline' on " + topic + " within "
                            + WILL_WAIT.toSeconds() + " s of kill -9; Mosquitto's subscriber saw "
                            + Tools.messages(watcher) + "\n--- Mosquitto ---\n" + Proc.tail(mosquitto.output(), 30));
                }
                assertEquals("offline", retained(mosquitto), "the will is retained");
            } finally {
                stopIfAlive(b);
            }
        }
    }

    /** The counterpart that shows the test above depends on the will: without one, a crash leaves 'online'. */
    @Test
    void withTheWillTurnedOffAKilledGatewayStaysOnline() throws Exception {
        try (BridgeTest.Upstream mosquitto = new BridgeTest.Upstream(List.of("allow_anonymous true"))) {
            Broker b = gatewayOn(mosquitto, List.of("will.topic ="));
            try {
                awaitRetained(mosquitto, "online", WAIT, b);
                assertTrue(b.output().contains("the gateway connection has no will"), "the bridge says that a crash"
                        + " leaves 'online' without a will:\n" + b.outputTail());
                try (Proc watcher = mosquitto.sub("-t", topic)) {
                    killJvm(b);
                    Sleep.millis(WILL_WAIT.toMillis());
                    assertFalse(payloads(watcher).contains("offline"), "nothing could have said offline: "
                            + Tools.messages(watcher));
                }
                assertEquals("online", retained(mosquitto));
            } finally {
                stopIfAlive(b);
            }
        }
    }

    /** SIGTERM closes the connection with DISCONNECT, so the broker drops the will: the bridge says offline itself. */
    @Test
    void aCleanStopSaysOfflineToo() throws Exception {
        try (BridgeTest.Upstream mosquitto = new BridgeTest.Upstream(List.of("allow_anonymous true"))) {
            Broker b = gatewayOn(mosquitto, List.of());
            try {
                awaitRetained(mosquitto, "online", WAIT, b);
            } finally {
                b.stop(Broker.STOP_TIMEOUT);
            }
            awaitRetained(mosquitto, "offline", WILL_WAIT, b);
            assertTrue(Pattern.compile("Client pigeon-\\S+ disconnected\\.").matcher(mosquitto.output()).find(),
                    "Pigeon sent DISCONNECT (so this 'offline' is not the will):\n"
                            + Proc.tail(mosquitto.output(), 30));
        }
    }

    /**
     * Starts the product and points its gateway connection at {@code mosquitto} through etc/io.pigeon.client.cfg,
     * with the other settings at their defaults apart from {@code extraLines}.
     */
    private static Broker gatewayOn(BridgeTest.Upstream mosquitto, List<String> extraLines) {
        Broker b = Broker.start(List.of(), List.of(), List.of(), "");
        List<String> cfg = new ArrayList<>(List.of("servers = mqtt://" + Env.LOOPBACK + ":" + mosquitto.port,
                "reconnect.min.ms = 200", "reconnect.max.ms = 1000"));
        cfg.addAll(extraLines);
        Path etc = b.product.home.resolve("etc");
        try {
            // written next to etc/ and moved in, so FileInstall never reads half of it
            Path staged = etc.resolveSibling("io.pigeon.client.cfg.staged");
            Files.write(staged, cfg);
            Files.move(staged, etc.resolve("io.pigeon.client.cfg"), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            b.stop();
            throw new UncheckedIOException(e);
        }
        return b;
    }

    /** Waits until a new subscriber on Mosquitto gets {@code payload} as the retained message of the status topic. */
    private void awaitRetained(BridgeTest.Upstream mosquitto, String payload, Duration wait, Broker b) {
        long deadline = System.nanoTime() + wait.toNanos();
        String last = retained(mosquitto);
        while (!payload.equals(last) && System.nanoTime() < deadline) {
            Sleep.millis(200);
            last = retained(mosquitto);
        }
        assertEquals(payload, last, "retained on " + topic + " at Mosquitto after " + wait.toSeconds() + " s"
                + "\n--- Pigeon ---\n" + b.outputTail() + "\n--- Mosquitto ---\n" + Proc.tail(mosquitto.output(), 30));
    }

    /** The retained payload of the status topic at Mosquitto (a message a new subscriber gets with retain 1), or null. */
    private String retained(BridgeTest.Upstream mosquitto) {
        Proc.Result r = Proc.run(Tools.RUN_TIMEOUT, List.of("mosquitto_sub", "-h", Env.LOOPBACK, "-p",
                String.valueOf(mosquitto.port), "-t", topic, "-C", "1", "-W", "1", "-F", Tools.FORMAT), null,
                Map.of());
        return r.lines().stream().filter(l -> l.startsWith("MSG|" + topic + "|") && l.split("\\|", 5)[3].equals("1"))
                .map(l -> l.split("\\|", 5)[4]).findFirst().orElse(null);
    }

    private static List<String> payloads(Proc sub) {
        return Tools.messages(sub).stream().map(l -> l.split("\\|", 5)[4]).toList();
    }

    /** kill -9 of the gateway's JVM (bin/pigeon execs java, so it is normally the launcher's own process). */
    private static void killJvm(Broker b) throws InterruptedException {
        ProcessHandle jvm = Stream.concat(Stream.of(b.proc.process.toHandle()), b.proc.process.descendants())
                .filter(h -> h.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no java process among " + b.pids()));
        assertTrue(jvm.destroyForcibly(), "SIGKILL to " + jvm.pid());
        jvm.onExit().orTimeout(10, TimeUnit.SECONDS).join();
        b.proc.process.waitFor(10, TimeUnit.SECONDS);
        assertFalse(b.alive(), "the gateway is still running after kill -9 of its JVM " + jvm.pid());
    }

    private static void stopIfAlive(Broker b) {
        if (b.alive()) {
            b.stop();
        }
    }

    /** The gateway id default: the host name up to the first dot, as GpioTest reads it. */
    private static String hostname() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            int dot = name.indexOf('.');
            return dot > 0 ? name.substring(0, dot) : name;
        } catch (IOException e) {
            throw new AssertionError("cannot read /proc/sys/kernel/hostname", e);
        }
    }
}
