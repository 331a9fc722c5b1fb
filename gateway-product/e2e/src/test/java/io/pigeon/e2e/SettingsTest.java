package io.pigeon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The GPIO and settings pages of the built product in Debian's Chromium (src/test/node/settings.mjs), on Pi4J's mock
 * GPIO provider: an output switched from the page changes state as a mosquitto_sub on its state topic sees; a pin
 * added with the form lands in etc/ as a FileInstall file and publishes; a pin the GPIO bundle refuses shows the
 * bundle's reason; the listener from pigeon.conf shows its file:line and can be changed (PigeonConfEditTest changes
 * it); a wrong value is refused on its field; and the GPIO
 * bridge's topic.prefix saved from the page takes effect at once (the pins publish under the new prefix) and is
 * written to etc/io.pigeon.gpio.cfg.
 */
@PigeonOnly("the HTTP console is Pigeon's")
class SettingsTest {

    static final Duration TIMEOUT = Duration.ofSeconds(60);
    static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void gpioOutputsAndPinsAndSettingsFromTheBrowserTakeEffectLive() throws Exception {
        Product product = Product.unpack();
        int mqttPort = Env.freePort();
        int httpPort = Env.freePort();
        Path conf = product.dir.resolve("settings-e2e.conf");
        Files.write(conf, List.of("listener " + mqttPort + " " + Env.LOOPBACK));
        Path etc = product.home.resolve("etc");
        Files.write(etc.resolve("io.pigeon.console.cfg"), List.of("port=" + httpPort, "bind.address=127.0.0.1"));
        Files.write(etc.resolve("io.pigeon.gpio.pin-relay.cfg"), List.of("mode = output", "pin = 27"));
        String gateway = hostname();
        try (Proc gateway0 = product.start(List.of("--config", conf.toString()), "")) {
            gateway0.awaitLine(Broker.PIGEON_STARTED, TIMEOUT);
            try (Proc sub = Tools.sub(mqttPort, "pigeon/" + gateway + "/output/#", "house/" + gateway + "/output/#")) {
                run(product, gateway0, sub, etc, mqttPort, httpPort, gateway);
            }
        }
    }

    private static void run(Product product, Proc gateway0, Proc sub, Path etc, int mqttPort, int httpPort,
            String gateway) throws Exception {
        gateway0.awaitLine(Pattern.compile("HTTP console on http://127\\.0\\.0\\.1:" + httpPort), TIMEOUT);
        String initial = Files.readString(product.home.resolve("data/console/initial-admin-password")).strip();
        String relay = "pigeon/" + gateway + "/output/relay";
        int seen = awaitMessage(sub, 0, relay + " = OFF", relay, "OFF");

        try (Proc browser = ConsoleBrowser.start("settings.mjs",
                List.of("http://127.0.0.1:" + httpPort, initial, "a new password for e2e"));
                OutputStream toBrowser = browser.process.getOutputStream()) {
            browser.awaitLine(Pattern.compile("^WAIT relay ON on MQTT$"), TIMEOUT);
            seen = awaitMessage(sub, seen + 1, relay + " = ON after the click", relay, "ON");
            // the pin itself is on, not just its topic: the bridge toggles it from its real level
            Proc.run(WAIT, "mosquitto_pub", "-h", Env.LOOPBACK, "-p", Integer.toString(mqttPort), "-t", relay + "/set",
                    "-m", "TOGGLE").assertExit(0);
            awaitMessage(sub, seen + 1, relay + " = OFF after a TOGGLE from mosquitto_pub", relay, "OFF");
            go(toBrowser);

            browser.awaitLine(Pattern.compile("^WAIT lamp on MQTT and in etc$"), TIMEOUT);
            String lamp = "pigeon/" + gateway + "/output/lamp";
            awaitMessage(sub, 0, lamp + " = OFF from the pin added in the form", lamp, "OFF");
            Path lampFile = etc.resolve("io.pigeon.gpio.pin-lamp.cfg");
            assertTrue(Files.isRegularFile(lampFile), "the new pin is a FileInstall file in etc/");
            Properties lampCfg = cfg(lampFile);
            assertEquals("output", lampCfg.getProperty("mode"), lampCfg.toString());
            assertEquals("22", lampCfg.getProperty("pin"), lampCfg.toString());
            go(toBrowser);

            browser.awaitLine(Pattern.compile("^WAIT the new prefix on MQTT and in etc$"), TIMEOUT);
            String houseRelay = "house/" + gateway + "/output/relay";
            awaitMessage(sub, 0, houseRelay + " after topic.prefix = house was saved", houseRelay, "OFF");
            Properties bridgeCfg = cfg(etc.resolve("io.pigeon.gpio.cfg"));
            assertEquals("house", bridgeCfg.getProperty("topic.prefix"), "saved to etc/io.pigeon.gpio.cfg: "
                    + bridgeCfg);
            go(toBrowser);

            Proc.Result r = browser.await(TIMEOUT).assertExit(0);
            for (String step : List.of("OK logged in", "OK relay switched on from the page",
                    "OK pin added through the form", "OK the GPIO bundle's refusal is shown",
                    "OK listener from pigeon.conf shows its file:line and can be changed",
                    "OK a wrong value is refused on its field", "OK GPIO bridge settings saved",
                    "OK the GPIO page follows the new prefix",
                    "OK no script error and no Content-Security-Policy violation")) {
                assertTrue(r.lines().contains(step), "missing \"" + step + "\" in\n" + r.output());
            }
        }
        assertTrue(gateway0.output().contains("user 'admin' saved configuration io.pigeon.gpio"),
                Proc.tail(gateway0.output(), 40));
        assertTrue(gateway0.process.isAlive(), "the gateway kept running");
        assertEquals(0, gateway0.count(l -> l.contains("LEAK:")), Proc.tail(gateway0.output(), 60));
    }

    /**
     * A .cfg file's values as text. FileInstall writes saved configurations back in its typed syntax (a string as
     * {@code key = "text"}, an integer as {@code key = I"1"}); the quotes of a string are taken off.
     */
    private static Properties cfg(Path file) throws IOException {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(file)) {
            p.load(in);
        }
        Properties out = new Properties();
        for (String key : p.stringPropertyNames()) {
            String v = p.getProperty(key);
            out.setProperty(key, v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1,
                    v.length() - 1) : v);
        }
        return out;
    }

    private static void go(OutputStream toBrowser) throws IOException {
        toBrowser.write("GO\n".getBytes(StandardCharsets.UTF_8));
        toBrowser.flush();
    }

    /**
     * Waits for a message line MSG|topic|...|payload from mosquitto_sub at or after the {@code from}th message;
     * returns its index.
     */
    private static int awaitMessage(Proc sub, int from, String what, String topic, String payload) {
        String prefix = "MSG|" + topic + "|";
        int[] found = {-1};
        Sleep.until(WAIT, () -> {
            List<String> messages = Tools.messages(sub);
            for (int i = from; i < messages.size(); i++) {
                if (messages.get(i).startsWith(prefix) && messages.get(i).endsWith("|" + payload)) {
                    found[0] = i;
                    return true;
                }
            }
            return false;
        });
        assertTrue(found[0] >= 0, "mosquitto_sub saw no " + what + " within " + WAIT.toSeconds() + " s; it saw "
                + Tools.messages(sub));
        return found[0];
    }

    private static String hostname() throws IOException {
        String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        int dot = name.indexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
