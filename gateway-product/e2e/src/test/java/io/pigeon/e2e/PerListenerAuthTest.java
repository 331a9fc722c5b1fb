package io.pigeon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code per_listener_settings true}: two listeners with their own allow_anonymous, password_file and acl_file, as in
 * Mosquitto. The open listener lets anonymous clients use open/# only; the closed one wants alice's password (made
 * with mosquitto_passwd) and lets her use secret/# only. The same client gets different answers on the two ports.
 * Pigeon only: the harness's reference configuration for Mosquitto sets per_listener_settings false.
 */
@PigeonOnly("the reference harness writes per_listener_settings false for Mosquitto")
class PerListenerAuthTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    static Broker broker;
    static int open;
    static int closed;

    @BeforeAll
    static void start() throws IOException {
        Path dir = Product.newRunDir().resolve("auth");
        Files.createDirectories(dir);
        Path passwd = dir.resolve("passwd");
        Proc.run(Duration.ofSeconds(20), "mosquitto_passwd", "-c", "-b", passwd.toString(), "alice", "secret")
                .assertExit(0);
        Path openAcl = Files.writeString(dir.resolve("open.acl"), "topic readwrite open/#\n");
        Path closedAcl = Files.writeString(dir.resolve("closed.acl"), "user alice\ntopic readwrite secret/#\n");
        closed = Env.freePort();
        broker = Broker.start(List.of(), List.of(
                // the harness's listener (the first line of the file) is the open one; per_listener_settings comes
                // before any security setting, as in Mosquitto
                "per_listener_settings true",
                "allow_anonymous true",
                "acl_file " + openAcl,
                "listener " + closed + " " + Env.LOOPBACK,
                "allow_anonymous false",
                "password_file " + passwd,
                "acl_file " + closedAcl), List.of(), "");
        open = broker.port;
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.stop();
        }
    }

    private static Proc.Result pub(int port, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("mosquitto_pub", "-h", Env.LOOPBACK, "-p",
                String.valueOf(port)));
        cmd.addAll(List.of(args));
        return Proc.run(Tools.RUN_TIMEOUT, cmd, null, Map.of());
    }

    private static Proc.Result subscribe(int port, String filter, String... credentials) {
        List<String> cmd = new java.util.ArrayList<>(Tools.python(port, "client.py", "sub", "--topic", filter,
                "--count", "0"));
        cmd.addAll(List.of(credentials));
        return Proc.run(Tools.RUN_TIMEOUT, cmd, Env.pythonDir(), Map.of());
    }

    @Test
    void anonymousClientsAreWelcomeOnOneListenerAndRefusedOnTheOther() {
        pub(open, "-t", "open/hello", "-m", "anonymous").assertExit(0);
        Proc.Result refused = pub(closed, "-t", "secret/hello", "-m", "anonymous");
        assertNotEquals(0, refused.exitCode(), "an anonymous client got in where allow_anonymous is false:\n"
                + refused.output());
        assertTrue(refused.output().toLowerCase().contains("not authori"), refused.output());
        // the Log Service writes the line on its own thread, possibly after the client has its CONNACK
        assertTrue(Sleep.until(Duration.ofSeconds(5), () -> broker.output().contains("allow_anonymous is false")),
                "no log line says why");
    }

    @Test
    void thePasswordFileOfOneListenerDoesNotApplyToTheOther() {
        pub(closed, "-u", "alice", "-P", "secret", "-t", "secret/login", "-m", "x").assertExit(0);
        Proc.Result wrong = pub(closed, "-u", "alice", "-P", "wrong", "-t", "secret/login", "-m", "x");
        assertNotEquals(0, wrong.exitCode(), "a wrong password was accepted:\n" + wrong.output());
        // the open listener has no password file: the user name is not checked (Mosquitto's rule), the client is
        // anonymous there and allow_anonymous true lets it in
        pub(open, "-u", "alice", "-P", "wrong", "-t", "open/login", "-m", "x").assertExit(0);
    }

    @Test
    void eachListenerHasItsOwnAcl() {
        assertTrue(subscribe(open, "open/#").output().contains("SUBACK [0]"), "anonymous denied open/# on the open"
                + " listener");
        assertTrue(subscribe(open, "secret/#").output().contains("SUBACK [128]"), "anonymous got secret/# on the open"
                + " listener");
        assertTrue(subscribe(closed, "secret/#", "--username", "alice", "--password", "secret").output()
                .contains("SUBACK [0]"), "alice denied secret/# on her listener");
        assertTrue(subscribe(closed, "open/#", "--username", "alice", "--password", "secret").output()
                .contains("SUBACK [128]"), "the open listener's ACL applied on the closed one");

        // messages cross listeners, each side filtered by its own ACL
        try (Proc alice = Tools.sub(broker, "-p", String.valueOf(closed), "-u", "alice", "-P", "secret", "-t",
                "secret/#", "-q", "1", "-F", Tools.FORMAT);
                Proc anonymous = Tools.sub(broker, "-t", "open/#", "-q", "1", "-F", Tools.FORMAT)) {
            pub(closed, "-u", "alice", "-P", "secret", "-t", "secret/report", "-m", "for alice", "-q", "1")
                    .assertExit(0);
            pub(open, "-t", "open/news", "-m", "for everyone", "-q", "1").assertExit(0);
            assertEquals(List.of("MSG|secret/report|1|0|for alice"), Tools.awaitMessages(alice, 1, WAIT));
            assertEquals(List.of("MSG|open/news|1|0|for everyone"), Tools.awaitMessages(anonymous, 1, WAIT));
        }
    }
}
