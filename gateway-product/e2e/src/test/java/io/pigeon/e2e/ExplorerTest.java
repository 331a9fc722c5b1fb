package io.pigeon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The explorer page of the built product in Debian's Chromium (src/test/node/explorer.mjs): the topic tree holds its
 * # subscription only while a page shows it (the broker's subscription count goes down when the last such page closes
 * and up when one opens); traffic published with mosquitto_pub while no browser is open is recorded, and the page
 * shows it in the topic tree (with a retained topic that it deletes, checked with mosquitto_sub), plots it with uPlot
 * together with a live value and a JSON field, publishes and re-sends from its publish history, downloads the
 * recording as CSV and JSON, and decodes a CBOR payload made with Python's cbor2 in the live list and the tree.
 */
@PigeonOnly("the HTTP console is Pigeon's")
class ExplorerTest {

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void theExplorerShowsRecordedTrafficPlotsItResendsAndExports() throws Exception {
        Product product = Product.unpack();
        int mqttPort = Env.freePort();
        int httpPort = Env.freePort();
        Path conf = write(product.dir.resolve("explorer-e2e.conf"), List.of("listener " + mqttPort + " " + Env.LOOPBACK));
        write(product.home.resolve("etc/io.pigeon.console.cfg"), List.of("port=" + httpPort, "bind.address=127.0.0.1"));
        write(product.home.resolve("etc/io.pigeon.console.recording.cfg"), List.of("filters=e2e/#"));
        try (Proc gateway = product.start(List.of("--config", conf.toString()), "")) {
            gateway.awaitLine(Broker.PIGEON_STARTED, TIMEOUT);
            gateway.awaitLine(Pattern.compile("HTTP console on http://127\\.0\\.0\\.1:" + httpPort), TIMEOUT);
            gateway.awaitLine(Pattern.compile("HTTP console: recording \\[e2e/#\\]"), TIMEOUT);
            String initial = Files.readString(product.home.resolve("data/console/initial-admin-password")).strip();

            String prefix = "e2e/explorer/" + ProcessHandle.current().pid();
            pub(mqttPort, "-r", "-t", prefix + "/retained", "-m", "kept value");
            for (String v : List.of("20.5", "21", "22.5")) {
                pub(mqttPort, "-t", prefix + "/sensors/temp", "-m", v);
            }
            pub(mqttPort, "-t", prefix + "/sensors/bme280", "-m", "{\"temperature\":19.5,\"humidity\":40}");
            pub(mqttPort, "-t", prefix + "/sensors/bme280", "-m", "{\"temperature\":20,\"humidity\":40}");

            try (Proc browser = ConsoleBrowser.start("explorer.mjs",
                    List.of("http://127.0.0.1:" + httpPort, initial, "a new password for e2e", prefix))) {
                browser.awaitLine(Pattern.compile("^READY-FOR-RETAINED-CHECK$"), TIMEOUT);
                // the broker no longer holds it: mosquitto_sub gets nothing within 2 s (exit 27 is its -W timeout)
                Proc.Result sub = Proc.run(Duration.ofSeconds(20), "mosquitto_sub", "-h", Env.LOOPBACK, "-p",
                        Integer.toString(mqttPort), "-t", prefix + "/retained", "-C", "1", "-W", "2");
                assertFalse(sub.output().contains("kept value"), "the retained message is still there");
                assertEquals(27, sub.exitCode(), sub.output());
                browser.awaitLine(Pattern.compile("^READY-FOR-LIVE$"), TIMEOUT);
                pub(mqttPort, "-t", prefix + "/sensors/temp", "-m", "23.5");
                browser.awaitLine(Pattern.compile("^READY-FOR-CBOR$"), TIMEOUT);
                pub(mqttPort, "-t", prefix + "/cbor/reading", "-f", cbor(product.dir.resolve("reading.cbor")).toString());
                pub(mqttPort, "-t", prefix + "/cbor/bad", "-m", "hello!");
                Proc.Result r = browser.await(Duration.ofSeconds(120));
                assertEquals(0, r.exitCode(), r.output());
                for (String step : List.of(
                        "OK the tree subscribes while a page shows it and unsubscribes when the last one closes",
                        "OK the tree shows the recorded and retained topics with counts and changes",
                        "OK a level collapses and expands", "OK retained deleted",
                        "OK the chart plots the recorded values", "OK a live value is added to the chart",
                        "OK a JSON field is plotted on the same time axis",
                        "OK a message published from the page arrives in the subscription",
                        "OK the publish history sends a message again",
                        "OK the export downloads the filtered history as CSV and JSON",
                        "OK a decoder chosen for a topic filter applies and is remembered",
                        "OK a CBOR payload is decoded in the live list and the tree",
                        "OK no script error and no Content-Security-Policy violation")) {
                    assertTrue(r.lines().contains(step), "missing \"" + step + "\" in\n" + r.output());
                }
            }
            assertTrue(Files.isRegularFile(product.home.resolve("data/console/recording.mv.db")));
            assertTrue(Files.isRegularFile(product.home.resolve("data/console/publish-history.json")));
            gateway.process.destroy();
            assertTrue(gateway.process.waitFor(15, TimeUnit.SECONDS), "the gateway stops on SIGTERM");
        }
    }

    /**
     * A CBOR payload made by Python's cbor2 (Debian's python3-cbor2): a float, a byte string, an epoch time (tag 1),
     * a bignum (tag 2), an array with null and true, and an integer map key.
     */
    private static Path cbor(Path file) {
        Proc.run(Duration.ofSeconds(20), List.of(Env.python(), "-c", "import cbor2, sys\n"
                + "open(sys.argv[1], 'wb').write(cbor2.dumps({'temperature': 21.5, 'raw': b'\\x01\\x02\\xff', "
                + "'when': cbor2.CBORTag(1, 1363896240), 'big': 2 ** 70, 'list': [1, -2, None, True], 7: 'int key'}))",
                file.toString()), null, Map.of()).assertExit(0);
        return file;
    }

    private static void pub(int port, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("mosquitto_pub", "-h", Env.LOOPBACK, "-p",
                Integer.toString(port), "-q", "1"));
        cmd.addAll(List.of(args));
        Proc.run(Duration.ofSeconds(20), cmd, null, Map.of()).assertExit(0);
    }

    private static Path write(Path file, List<String> lines) {
        try {
            return Files.write(file, lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
