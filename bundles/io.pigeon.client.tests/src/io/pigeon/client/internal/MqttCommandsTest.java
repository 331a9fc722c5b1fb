package io.pigeon.client.internal;

import static io.pigeon.client.internal.Inbox.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.pigeon.broker.Broker;
import io.pigeon.broker.Message;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** pigeon:pub and pigeon:sub run as a user types them, in a real Gogo session. */
class MqttCommandsTest {

    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private CommandSession session;
    private PigeonListener listener;

    @AfterEach
    void tearDown() throws Exception {
        if (session != null) {
            session.close();
        }
        if (listener != null) {
            listener.close();
        }
    }

    private Object run(String command) throws Exception {
        if (session == null) {
            PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8);
            session = Osgi.service(CommandProcessor.class, null).createSession(new ByteArrayInputStream(new byte[0]),
                    out, out);
        }
        return session.execute(command);
    }

    private String output() {
        return output.toString(StandardCharsets.UTF_8);
    }

    @Test
    void pubPublishesThroughTheGatewayConnection() throws Exception {
        Broker broker = Osgi.service(Broker.class, null);
        Inbox inbox = new Inbox();
        try (var sub = broker.subscribe("shell/pub/#", 2, inbox)) {
            run("pigeon:pub -t shell/pub/a -m 'hello world' -q 1");
            Message m = inbox.take();
            assertEquals("hello world", Inbox.text(m));
            assertEquals(1, m.qos());
            run("pigeon:pub -t shell/pub/b -n -q 2");
            Message empty = inbox.take();
            assertEquals(0, empty.payload().length);
            assertEquals(2, empty.qos());
            run("pigeon:pub -t shell/pub/c -m kept -r");
            inbox.take();
        }
        Inbox late = new Inbox();
        try (var sub = broker.subscribe("shell/pub/c", 0, late)) {
            Message kept = late.take();
            assertTrue(kept.retain(), "-r retains");
            assertEquals("kept", Inbox.text(kept));
        }
        run("pigeon:pub -t shell/pub/c -n -r");
        Inbox cleared = new Inbox();
        try (var sub = broker.subscribe("shell/pub/c", 0, cleared)) {
            assertNull(cleared.poll(200), "-n -r clears the retained message, as with mosquitto_pub");
        }
    }

    @Test
    void pubWithAUrlUsesAConnectionOfItsOwn() throws Exception {
        listener = new PigeonListener();
        int port = listener.port;
        Broker broker = Osgi.service(Broker.class, null);
        Inbox inbox = new Inbox();
        try (var sub = broker.subscribe("shell/url", 1, inbox)) {
            run("pigeon:pub -L mqtt://127.0.0.1:" + port + " -t shell/url -m remote -q 1");
            assertEquals("remote", inbox.takeText());
        }
    }

    @Test
    void subPrintsMessagesUntilItsCount() throws Exception {
        Broker broker = Osgi.service(Broker.class, null);
        CompletableFuture<Object> done = CompletableFuture.supplyAsync(() -> {
            try {
                return run("pigeon:sub -t 'shell/sub/#' -q 1 -v -C 2 -W 20");
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        // The subscription is made asynchronously: publish until the first line shows, bounded.
        for (int i = 0; i < 100 && !output().contains("shell/sub/a one"); i++) {
            broker.publish(message("shell/sub/a", "one", 1));
            Thread.sleep(50);
        }
        broker.publish(message("shell/sub/b", "two", 1));
        done.get(Osgi.TIMEOUT_MS, TimeUnit.MILLISECONDS);
        String[] lines = output().strip().split("\n");
        assertEquals("shell/sub/a one", lines[0].strip());
        assertTrue(lines[1].strip().equals("shell/sub/b two") || lines[1].strip().equals("shell/sub/a one"),
                output());
        assertEquals(2, lines.length, output());
    }

    @Test
    void subStopsAfterItsTimeoutAndBadInputSaysWhatToDo() throws Exception {
        long start = System.nanoTime();
        assertNull(run("pigeon:sub -t shell/quiet -W 1"));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(ms >= 900 && ms < 5000, ms + " ms");
        assertEquals("", output());

        Exception noTopic = assertThrows(Exception.class, () -> run("pigeon:pub -m x"));
        assertTrue(noTopic.getMessage().contains("give a topic with -t"), noTopic.getMessage());
        Exception wildcard = assertThrows(Exception.class, () -> run("pigeon:pub -t a/# -m x"));
        assertTrue(wildcard.getMessage().contains("no + or #"), wildcard.getMessage());
        Exception qos = assertThrows(Exception.class, () -> run("pigeon:sub -t a -q 3"));
        assertTrue(qos.getMessage().contains("give 0, 1 or 2"), qos.getMessage());
    }
}
