package io.pigeon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The console's gateway and traffic pages on the built product, in Debian's Chromium (src/test/node/gateway.mjs): the
 * dashboard's live client count goes up when a mosquitto_sub connects, the client is listed with its subscription,
 * the traffic view ranks a flooding mosquitto_pub and its topic first, and the Disconnect button ends the
 * mosquitto_sub's connection (an MQTT 5 DISCONNECT with reason 0x98, which mosquitto_sub reports).
 */
@PigeonOnly("the HTTP console is Pigeon's")
class GatewayPageTest {

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void theDashboardCountsAClientTheTrafficViewFindsTheFlooderAndDisconnectEndsTheClient() throws Exception {
        Product product = Product.unpack();
        int mqttPort = Env.freePort();
        int httpPort = Env.freePort();
        Path conf = write(product.dir.resolve("gateway-e2e.conf"), List.of("listener " + mqttPort + " " + Env.LOOPBACK));
        write(product.home.resolve("etc/io.pigeon.console.cfg"), List.of("port=" + httpPort, "bind.address=127.0.0.1"));
        String port = Integer.toString(mqttPort);
        long pid = ProcessHandle.current().pid();
        String watcher = "e2e-watcher-" + pid;
        String flooder = "e2e-flooder-" + pid;
        String floodLevel = "flood" + pid;
        try (Proc gateway = product.start(List.of("--config", conf.toString()), "")) {
            gateway.awaitLine(Broker.PIGEON_STARTED, TIMEOUT);
            gateway.awaitLine(Pattern.compile("HTTP console on http://127\\.0\\.0\\.1:" + httpPort), TIMEOUT);
            String initial = Files.readString(product.home.resolve("data/console/initial-admin-password")).strip();
            try (Proc browser = ConsoleBrowser.start("gateway.mjs", List.of("http://127.0.0.1:" + httpPort, initial,
                    "a new password for e2e", watcher, flooder, floodLevel))) {
                browser.awaitLine(Pattern.compile("^READY-FOR-SUBSCRIBER$"), TIMEOUT);
                // stdbuf: mosquitto_sub's -d lines reach the output file as they happen
                try (Proc sub = Proc.start("stdbuf", "-oL", "mosquitto_sub", "-h", Env.LOOPBACK, "-p", port, "-V", "mqttv5", "-d",
                        "-i", watcher, "-q", "1", "-t", "e2e/#")) {
                    browser.awaitLine(Pattern.compile("^READY-FOR-FLOOD$"), TIMEOUT);
                    // bounded: at most 6000 messages (about 30 s at 200/s) and 120 quiet ones
                    try (Proc flood = Proc.start("mosquitto_pub", "-h", Env.LOOPBACK, "-p", port, "-i", flooder, "-t",
                            floodLevel + "/line1/vibration", "-m", "0123456789", "--repeat", "6000",
                            "--repeat-delay", "0.005");
                            Proc quiet = Proc.start("mosquitto_pub", "-h", Env.LOOPBACK, "-p", port, "-i",
                                    "e2e-quiet-" + pid, "-t", "quiet/door", "-m", "open", "--repeat", "120",
                                    "--repeat-delay", "0.5")) {
                        browser.awaitLine(Pattern.compile("^DONE-DISCONNECT$"), Duration.ofSeconds(120));
                    }
                    Proc.Result subResult = sub.await(Duration.ofSeconds(20));
                    assertTrue(subResult.output().contains("Received DISCONNECT (152)"),
                            "mosquitto_sub got no DISCONNECT with reason 0x98 (152):\n" + subResult.output());
                }
                Proc.Result r = browser.await(TIMEOUT);
                for (String step : List.of("OK the live client count went up by one",
                        "OK the subscriber is listed with its address, protocol and subscription",
                        "OK the traffic view ranks the flooding client and topic first",
                        "OK drilling down shows the level below",
                        "OK the disconnect button disconnected the subscriber",
                        "OK no script error and no Content-Security-Policy violation")) {
                    assertTrue(r.lines().contains(step), "missing \"" + step + "\" in\n" + r.output());
                }
                assertEquals(0, r.exitCode(), r.output());
            }
            assertTrue(gateway.output().contains("Disconnecting client " + watcher),
                    Proc.tail(gateway.output(), 40));
        }
    }

    private static Path write(Path file, List<String> lines) {
        try {
            return Files.write(file, lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
