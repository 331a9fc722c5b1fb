package io.pigeon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The classic "Mosquitto on a Raspberry Pi" tutorial, step by step, with the broker's port added. */
@WithBroker
class TutorialTest {

    @Test
    void mosquittoSubReceivesWhatMosquittoPubSends(Broker b) {
        try (Proc sub = Tools.sub(b, "-t", "example_topic", "-C", "1", "-W", "15")) {
            Tools.pub(b, "-t", "example_topic", "-m", "Time for a coffee");
            Proc.Result r = sub.await(Duration.ofSeconds(15)).assertExit(0);
            List<String> payloads = r.lines().stream().filter(l -> !l.startsWith("Client ") && !l.startsWith("Subscribed"))
                    .toList();
            assertEquals(List.of("Time for a coffee"), payloads, r.output());
        }
    }

    @Test
    void pahoScriptWithClientTest1ReachesAnotherScript(Broker b) {
        try (Proc sub = Tools.startPython(b, "tutorial_subscribe.py")) {
            sub.awaitLine(Pattern.compile("^Subscribed"), Duration.ofSeconds(10));
            Tools.runPython(b, "tutorial_publish.py", "Hello from test1").assertExit(0);
            Proc.Result r = sub.await(Duration.ofSeconds(15)).assertExit(0);
            assertTrue(r.lines().contains("Connected with result code 0"), r.output());
            assertTrue(r.lines().contains("mqtt_test Hello from test1"), r.output());
        }
    }

    @Test
    void sysTreeShowsBrokerVersion(Broker b) {
        List<String> cmd = new java.util.ArrayList<>(Tools.LINE_BUFFERED);
        cmd.addAll(Tools.withBroker("mosquitto_sub", b, "-t", "$SYS/#", "-v", "-C", "200", "-W", "15"));
        try (Proc sub = Proc.start(cmd, null, java.util.Map.of())) {
            Matcher m = sub.awaitLine(Pattern.compile("^\\$SYS/broker/version (.+)$"), Duration.ofSeconds(15));
            assertTrue(m.group(1).matches(".*\\d+\\.\\d+.*"), "version payload: " + m.group(1));
        }
    }
}
