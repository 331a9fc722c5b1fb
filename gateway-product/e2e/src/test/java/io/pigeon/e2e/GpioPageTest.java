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
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The GPIO page of the built product in Debian's Chromium (src/test/node/gpio.mjs), on Pi4J's mock provider: the
 * gateway pushes pin states to the page, so an output switched from the page, the same output toggled by mosquitto_pub
 * on its {@code /set} topic and an input driven by mosquitto_pub on its {@code /simulate} topic all show in the open
 * page without a reload, and a page left alone sends no request at all.
 */
@PigeonOnly("the HTTP console is Pigeon's")
class GpioPageTest {

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void pinStatesArePushedToTheOpenPage() throws Exception {
        Product product = Product.unpack();
        int mqttPort = Env.freePort();
        int httpPort = Env.freePort();
        Path conf = product.dir.resolve("gpio-page-e2e.conf");
        Files.write(conf, List.of("listener " + mqttPort + " " + Env.LOOPBACK));
        Path etc = product.home.resolve("etc");
        Files.write(etc.resolve("io.pigeon.console.cfg"), List.of("port=" + httpPort, "bind.address=127.0.0.1"));
        Files.write(etc.resolve("io.pigeon.gpio.pin-relay.cfg"), List.of("mode = output", "pin = 27"));
        Files.write(etc.resolve("io.pigeon.gpio.pin-door.cfg"), List.of("mode = input", "pin = 17", "pull = down"));
        String gateway = Env.gatewayId();
        try (Proc gateway0 = product.start(List.of("--config", conf.toString()), "")) {
            gateway0.awaitLine(Broker.PIGEON_STARTED, TIMEOUT);
            gateway0.awaitLine(Pattern.compile("HTTP console on http://127\\.0\\.0\\.1:" + httpPort), TIMEOUT);
            String initial = Files.readString(product.home.resolve("data/console/initial-admin-password")).strip();
            try (Proc browser = ConsoleBrowser.start("gpio.mjs",
                    List.of("http://127.0.0.1:" + httpPort, initial, "a new password for e2e"));
                    OutputStream toBrowser = browser.process.getOutputStream()) {
                browser.awaitLine(Pattern.compile("^WAIT relay TOGGLE$"), TIMEOUT);
                pub(mqttPort, "pigeon/" + gateway + "/output/relay/set", "TOGGLE");
                go(toBrowser);
                browser.awaitLine(Pattern.compile("^WAIT door simulate ON$"), TIMEOUT);
                pub(mqttPort, "pigeon/" + gateway + "/input/door/simulate", "ON");
                go(toBrowser);
                Proc.Result r = browser.await(TIMEOUT);
                assertEquals(0, r.exitCode(), r.output());
                for (String step : List.of("OK the page shows the relay and the door",
                        "OK an idle page sends no request", "OK every change was pushed: no reload, no polling",
                        "OK no script error and no Content-Security-Policy violation")) {
                    assertTrue(r.lines().contains(step), "missing \"" + step + "\" in\n" + r.output());
                }
                for (String step : List.of("OK the relay switched on from the page shows ON",
                        "OK a TOGGLE from mosquitto_pub shows OFF without a reload",
                        "OK the door driven through /simulate shows ON without a reload")) {
                    assertTrue(r.lines().stream().anyMatch(l -> l.startsWith(step + " (")),
                            "missing \"" + step + "\" in\n" + r.output());
                }
            }
            assertTrue(gateway0.process.isAlive(), "the gateway kept running");
        }
    }

    private static void pub(int port, String topic, String payload) {
        Proc.run(Duration.ofSeconds(20), "mosquitto_pub", "-h", Env.LOOPBACK, "-p", Integer.toString(port), "-t",
                topic, "-m", payload).assertExit(0);
    }

    private static void go(OutputStream toBrowser) throws IOException {
        toBrowser.write("GO\n".getBytes(StandardCharsets.UTF_8));
        toBrowser.flush();
    }
}
