package io.pigeon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * Settings kept in etc/pigeon.conf, changed from the settings page of the built product in Debian's Chromium
 * (src/test/node/conf-edit.mjs). The gateway runs on the shipped, commented etc/pigeon.conf plus an include_dir file
 * with the listener a mosquitto_sub uses. In the browser a listener is added on a new port (mosquitto_pub reaches it,
 * and its message arrives at the mosquitto_sub on the untouched listener), gets a mount_point (the next message
 * arrives under it), a wrong max_qos is refused with the file's line and nothing is written, a save after a hand edit
 * of the file is refused and the hand edit stays, and the listener is removed (its port closes). Through all of it
 * every other line of the file stays as it was, the file keeps its mode, and the mosquitto_sub never reconnects.
 */
@PigeonOnly("the HTTP console is Pigeon's")
class PigeonConfEditTest {

    static final Duration TIMEOUT = Duration.ofSeconds(60);
    static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void aListenerAddedChangedAndRemovedInTheBrowserChangesOnlyItsLinesAndTheOtherListenerStaysConnected()
            throws Exception {
        Product product = Product.unpack();
        int mqttPort = Env.freePort();
        int newPort = Env.freePort();
        int httpPort = Env.freePort();
        Path etc = product.home.resolve("etc");
        Path conf = etc.resolve("pigeon.conf");
        String shipped = Files.readString(conf);
        assertTrue(shipped.contains("#max_qos 2"), "the shipped, commented file");
        String original = shipped + "\n# the listeners of this site\ninclude_dir conf.d\n";
        Files.writeString(conf, original);
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-r-----"));
        Path lan = Files.createDirectories(etc.resolve("conf.d")).resolve("lan.conf");
        String lanText = "# the sensors\nlistener " + mqttPort + " " + Env.LOOPBACK + "\nmax_connections 10 # the LAN\n";
        Files.writeString(lan, lanText);
        Files.write(etc.resolve("io.pigeon.console.cfg"), List.of("port=" + httpPort, "bind.address=127.0.0.1"));

        try (Proc gateway = product.start(List.of("--config", conf.toString()), "")) {
            gateway.awaitLine(Broker.PIGEON_STARTED, TIMEOUT);
            gateway.awaitLine(Pattern.compile("HTTP console on http://127\\.0\\.0\\.1:" + httpPort), TIMEOUT);
            try (Proc sub = Tools.sub(mqttPort, "e2e/conf/#", "site/e2e/conf/#")) {
                run(product, gateway, sub, conf, lan, original, lanText, mqttPort, newPort, httpPort);
            }
            assertTrue(gateway.process.isAlive(), "the gateway kept running");
            assertTrue(gateway.output().contains("user 'admin' changed io.pigeon.listener~" + newPort + "-127.0.0.1"
                    + " in etc/pigeon.conf (mount.point)"), Proc.tail(gateway.output(), 40));
            assertEquals(0, gateway.count(l -> l.contains("LEAK:")), Proc.tail(gateway.output(), 60));
        }
    }

    private static void run(Product product, Proc gateway, Proc sub, Path conf, Path lan, String original,
            String lanText, int mqttPort, int newPort, int httpPort) throws Exception {
        String initial = Files.readString(product.home.resolve("data/console/initial-admin-password")).strip();
        String section = "\nlistener " + newPort + " 127.0.0.1\n";
        try (Proc browser = ConsoleBrowser.start("conf-edit.mjs",
                List.of("http://127.0.0.1:" + httpPort, initial, "a new password for e2e", Integer.toString(newPort)));
                OutputStream toBrowser = browser.process.getOutputStream()) {
            browser.awaitLine(Pattern.compile("^WAIT the new port reaches the untouched listener$"), TIMEOUT);
            assertEquals(original + section, Files.readString(conf), "a new section at the end, nothing else");
            assertEquals(lanText, Files.readString(lan));
            publish(newPort, "e2e/conf/new", "through the new port");
            awaitMessage(sub, "e2e/conf/new", "through the new port");
            go(toBrowser);

            browser.awaitLine(Pattern.compile("^WAIT the mount point applies$"), TIMEOUT);
            String mounted = original + section + "mount_point site/\n";
            assertEquals(mounted, Files.readString(conf));
            publish(newPort, "e2e/conf/mounted", "under the mount point");
            awaitMessage(sub, "site/e2e/conf/mounted", "under the mount point");
            go(toBrowser);

            browser.awaitLine(Pattern.compile("^WAIT the file is unchanged, then edited by hand$"), TIMEOUT);
            assertEquals(mounted, Files.readString(conf), "a refused value writes nothing");
            String handEdited = mounted + "# a hand edit while the form is open\n";
            Files.writeString(conf, handEdited);
            go(toBrowser);

            browser.awaitLine(Pattern.compile("^WAIT the hand edit is kept$"), TIMEOUT);
            assertEquals(handEdited, Files.readString(conf), "the stale form did not overwrite the hand edit");
            go(toBrowser);

            browser.awaitLine(Pattern.compile("^WAIT the listener is gone$"), TIMEOUT);
            assertEquals(original + "\n# a hand edit while the form is open\n", Files.readString(conf),
                    "the section's lines went, the comment and the blank line stayed");
            assertTrue(Sleep.until(WAIT, () -> Proc.run(WAIT, "mosquitto_pub", "-h", Env.LOOPBACK, "-p",
                    Integer.toString(newPort), "-t", "e2e/conf/late", "-m", "x").exitCode() != 0),
                    "the removed listener's port is closed");
            go(toBrowser);

            Proc.Result r = browser.await(TIMEOUT).assertExit(0);
            for (String step : List.of("OK logged in", "OK listener added from the form",
                    "OK mount_point saved into the listener section",
                    "OK a wrong max_qos is refused with the file, the line and the fix",
                    "OK a save after an edit on disk is refused", "OK listener removed from etc/pigeon.conf",
                    "OK no script error and no Content-Security-Policy violation")) {
                assertTrue(r.lines().contains(step), "missing \"" + step + "\" in\n" + r.output());
            }
        }
        assertEquals(lanText, Files.readString(lan), "the include_dir file was never touched");
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(conf)));
        publish(mqttPort, "e2e/conf/still", "still here");
        awaitMessage(sub, "e2e/conf/still", "still here");
        assertTrue(sub.process.isAlive(), "mosquitto_sub on the untouched listener is still running");
        assertEquals(1, sub.count(l -> l.contains("sending CONNECT")), "it never reconnected:\n" + sub.output());
        assertNotEquals(0, Tools.messages(sub).size());
    }

    private static void publish(int port, String topic, String payload) {
        Proc.run(WAIT, "mosquitto_pub", "-h", Env.LOOPBACK, "-p", Integer.toString(port), "-t", topic, "-m", payload)
                .assertExit(0);
    }

    private static void go(OutputStream toBrowser) throws IOException {
        toBrowser.write("GO\n".getBytes(StandardCharsets.UTF_8));
        toBrowser.flush();
    }

    private static void awaitMessage(Proc sub, String topic, String payload) {
        String line = "MSG|" + topic + "|";
        assertTrue(Sleep.until(WAIT, () -> Tools.messages(sub).stream().anyMatch(m -> m.startsWith(line)
                && m.endsWith("|" + payload))), "mosquitto_sub on the untouched listener saw no " + topic + " = "
                        + payload + " within " + WAIT.toSeconds() + " s; it saw " + Tools.messages(sub));
    }
}
