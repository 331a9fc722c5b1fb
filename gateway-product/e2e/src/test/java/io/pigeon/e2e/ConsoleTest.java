package io.pigeon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The HTTP console of the built product in Debian's Chromium, driven by playwright-core (src/test/node/console.mjs):
 * the first start's admin password from data/, the forced password change, a publish from the page that arrives in
 * the page's subscription, a message from mosquitto_pub that arrives there too, an operator added on the users page
 * who sees no administrator actions, is refused them with 403 and publishes (mosquitto_sub sees it), and after logout
 * every route refused.
 * <p>
 * The console's port comes from ConfigAdmin like any setting: FileInstall reads {@code deploy/io.pigeon.console.cfg}
 * (this test widens FileInstall's filter to .cfg files for that).
 */
@PigeonOnly("the HTTP console is Pigeon's")
class ConsoleTest {

    static final Pattern CONSOLE_UP = Pattern.compile("HTTP console on http://127\\.0\\.0\\.1:(\\d+)");
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** Every route of the console but the login itself (io.pigeon.console.tests proves the list is complete). */
    static final List<String> ROUTES = List.of("GET /", "GET /static/console.js", "GET /api/session",
            "POST /api/logout", "POST /api/password", "POST /api/publish", "GET /api/events?filter=%23",
            "GET /api/topics", "POST /api/retained/delete", "GET /no/such/page");

    @Test
    void aPersonLogsInChangesThePasswordSeesTrafficAndIsRefusedEverywhereAfterLogout() throws Exception {
        Product product = Product.unpack();
        int mqttPort = Env.freePort();
        int httpPort = Env.freePort();
        Path conf = write(product.dir.resolve("console-e2e.conf"), List.of("listener " + mqttPort + " " + Env.LOOPBACK));
        write(product.home.resolve("etc/io.pigeon.console.cfg"), List.of("port=" + httpPort, "bind.address=127.0.0.1"));
        try (Proc gateway = product.start(List.of("--config", conf.toString()), "")) {
            gateway.awaitLine(Broker.PIGEON_STARTED, TIMEOUT);
            gateway.awaitLine(Pattern.compile("HTTP console on http://127\\.0\\.0\\.1:" + httpPort), TIMEOUT);
            assertEquals(0, gateway.count(l -> l.contains("HTTP console") && l.contains(":8080")),
                    "the console opened its default port before FileInstall applied etc/io.pigeon.console.cfg");

            Path passwordFile = product.home.resolve("data/console/initial-admin-password");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile)));
            String initial = Files.readString(passwordFile).strip();
            assertEquals(1, gateway.count(l -> l.contains(initial)), "the first password is logged exactly once");

            String topic = "e2e/console/" + ProcessHandle.current().pid();
            List<String> args = new ArrayList<>(List.of("http://127.0.0.1:" + httpPort, initial, "a new password for e2e",
                    topic));
            args.addAll(ROUTES);
            try (Proc sub = Tools.sub(mqttPort, topic + "/from-operator");
                    Proc browser = ConsoleBrowser.start("console.mjs", args)) {
                browser.awaitLine(Pattern.compile("^READY-FOR-EXTERNAL$"), TIMEOUT);
                Proc.run(Duration.ofSeconds(20), "mosquitto_pub", "-h", Env.LOOPBACK, "-p", Integer.toString(mqttPort),
                        "-t", topic + "/from-mosquitto", "-m", "hello from mosquitto_pub").assertExit(0);
                Proc.Result r = browser.await(Duration.ofSeconds(120)).assertExit(0);
                for (String step : List.of("OK first login asks for a new password", "OK password changed",
                        "OK published message arrived in the subscription",
                        "OK external message arrived in the subscription", "OK operator added on the users page",
                        "OK operator logged in with a password of her own",
                        "OK an operator sees no administrator actions and is refused them",
                        "OK operator published with her MQTT rights",
                        "OK after logout all " + ROUTES.size() + " routes answer 401",
                        "OK no script error and no Content-Security-Policy violation")) {
                    assertTrue(r.lines().contains(step), "missing \"" + step + "\" in\n" + r.output());
                }
                assertTrue(Tools.awaitMessages(sub, 1, Duration.ofSeconds(20)).stream().anyMatch(m -> m.equals("MSG|"
                        + topic + "/from-operator|0|0|hello from olga")), "mosquitto_sub got the operator's"
                                + " message: " + Tools.messages(sub));
            }
            assertTrue(gateway.output().contains("user 'admin' added user 'olga' (operator)"),
                    Proc.tail(gateway.output(), 40));
            assertFalse(Files.exists(passwordFile), "the first password's file goes once it is changed");
            gateway.process.destroy();
            assertTrue(gateway.process.waitFor(15, TimeUnit.SECONDS), "the gateway stops on SIGTERM");
            assertFalse(gateway.output().contains("LEAK:"), Proc.tail(gateway.output(), 80));
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
