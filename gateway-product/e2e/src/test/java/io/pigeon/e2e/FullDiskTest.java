package io.pigeon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A full disk on the built product (issue 4). Pigeon runs with every file it writes limited in size (RLIMIT_FSIZE,
 * {@link Broker#startWithFileSizeLimit}): when the durable store reaches the limit its writes fail with "File too
 * large" exactly as on a full disk, without root or a small file system. Then the broker refuses new QoS 1 messages
 * (MQTT 5: PUBACK 0x97; MQTT 3.1.1: no PUBACK), says in the log what to do, keeps serving QoS 0, accepts QoS 1 again
 * once there is room (the limit raised with prlimit while it runs), and after a restart every message it acknowledged
 * reaches the persistent subscriber. Real mosquitto_pub and mosquitto_sub.
 */
@PigeonOnly("Pigeon's durable store on a full disk")
class FullDiskTest {

    /** The file size limit: the store holds a dozen of the messages below, the log and stdout stay far under it. */
    static final long LIMIT_BYTES = 2L << 20;
    /** Random bytes, so that nothing could compress them, as base64 text (about 133 KiB). */
    static final int PAYLOAD_RANDOM_BYTES = 100_000;
    /** The disk fills after about 15 messages; this bounds the loop if it never does. */
    static final int MAX_PUBLISHES = 60;
    static final Duration RECOVERY_WAIT = Duration.ofSeconds(30);
    static final Pattern PUBACK = Pattern.compile("received PUBACK \\(Mid: \\d+, RC:(\\d+)\\)");
    static final String SUBSCRIBER = "fulldisk-persistent";
    /** mosquitto_sub output: topic and payload length, not the 133 KiB payload. */
    static final String FORMAT = "MSG|%t|%l";

    private Broker broker;

    @AfterEach
    void stopBroker() {
        if (broker != null && broker.alive()) {
            broker.stop(Broker.STOP_TIMEOUT);
        }
    }

    @Test
    void fullDiskRefusesQos1KeepsServingAndLosesNothingAcknowledged() throws Exception {
        broker = Broker.startWithFileSizeLimit(List.of(), LIMIT_BYTES);
        Path payload = broker.dir.resolve("payload.txt");
        byte[] random = new byte[PAYLOAD_RANDOM_BYTES];
        new Random(4).nextBytes(random);
        Files.writeString(payload, Base64.getEncoder().encodeToString(random));
        String length = String.valueOf(Files.size(payload));
        // a persistent session (MQTT 5, no expiry with -c), away while the disk fills: its messages go to the store
        Tools.sub(broker, "-V", "5", "-c", "-i", SUBSCRIBER, "-q", "1", "-t", "full/#").close();

        Set<String> acknowledged = new TreeSet<>();
        int refusedAt = -1;
        for (int i = 0; i < MAX_PUBLISHES && refusedAt < 0; i++) {
            int rc = publishV5(payload, "full/" + i);
            if (rc == 0) {
                acknowledged.add("full/" + i);
            } else {
                assertEquals(0x97, rc, "the refusal's reason code (Quota exceeded)");
                refusedAt = i;
            }
        }
        assertTrue(refusedAt > 0, "after " + MAX_PUBLISHES + " messages of " + length + " bytes the broker had still"
                + " refused none (or refused the first): the file size limit did not act as a full disk");
        Matcher logged = broker.proc.awaitLine(Pattern.compile("ERROR .*The durable store (\\S+) could not write"
                + " \\((.*)\\)\\. Until it can, the broker refuses new QoS 1 and 2 messages.*"), Duration.ofSeconds(5));
        assertTrue(logged.group(2).contains("File too large"), "the store's write failed with EFBIG: " + logged.group());
        assertTrue(logged.group().contains("reason code 0x97") && logged.group().contains("Free space on the disk of "
                + broker.product.home.resolve("data")) && logged.group().contains("(df -h)"),
                "the log says what happens and what to do: " + logged.group());

        // MQTT 3.1.1 has no refusal: the broker does not acknowledge, so the client keeps the message to send again
        List<String> v311Pub = new ArrayList<>(Tools.LINE_BUFFERED);
        v311Pub.addAll(Tools.withBroker("mosquitto_pub", broker, "-V", "311", "-d", "-q", "1", "-t", "full/v311", "-f",
                payload.toString()));
        try (Proc v311 = Proc.start(v311Pub, null, Map.of())) {
            v311.awaitLine(Pattern.compile("sending PUBLISH"), Duration.ofSeconds(10));
            Sleep.millis(3000);
            assertFalse(v311.output().contains("received PUBACK"), "a 3.1.1 publish was acknowledged but not stored:\n"
                    + v311.output());
        }

        // no crash: new connections, subscriptions and QoS 0 messages work as before
        try (Proc live = Tools.sub(broker, "-t", "live/#", "-F", FORMAT)) {
            Tools.pub(broker, "-t", "live/q0", "-m", "still serving", "-q", "0");
            assertEquals(List.of("MSG|live/q0|13"), Tools.awaitMessages(live, 1, Duration.ofSeconds(10)));
        }
        broker.assertAlive();

        // room again while it runs (the limit raised, as freeing space would): the store reopens by itself
        Proc.run(Duration.ofSeconds(10), "prlimit", "--pid", String.valueOf(broker.proc.process.pid()),
                "--fsize=unlimited").assertExit(0);
        long deadline = System.nanoTime() + RECOVERY_WAIT.toNanos();
        int afterRc = -1;
        while (afterRc != 0 && System.nanoTime() < deadline) {
            afterRc = publishV5(payload, "full/after-0");
            if (afterRc != 0) {
                assertEquals(0x97, afterRc, "while the store reopens, QoS 1 is refused with 0x97");
                Sleep.millis(1000);
            }
        }
        assertEquals(0, afterRc, "QoS 1 was still refused " + RECOVERY_WAIT.toSeconds() + " s after there was room"
                + " again\n" + broker.outputTail());
        acknowledged.add("full/after-0");
        for (int i = 1; i <= 3; i++) {
            assertEquals(0, publishV5(payload, "full/after-" + i), "accepted again, past the old limit");
            acknowledged.add("full/after-" + i);
        }
        assertTrue(Files.size(broker.product.home.resolve("data/pigeon.db")) > LIMIT_BYTES,
                "the store grew past the old limit");
        assertTrue(broker.output().contains("can write again; QoS 1 and 2 messages are accepted again"),
                broker.outputTail());

        // a restart, with room: the subscriber comes back and gets every acknowledged message from the store
        broker = broker.stopAndRestart("");
        try (Proc back = Tools.sub(broker, "-V", "5", "-c", "-i", SUBSCRIBER, "-q", "1", "-t", "full/#", "-F",
                FORMAT)) {
            Sleep.until(Duration.ofSeconds(30), () -> topics(back, length).containsAll(acknowledged));
            Set<String> missing = new TreeSet<>(acknowledged);
            missing.removeAll(topics(back, length));
            assertEquals(Set.of(), missing, "acknowledged messages lost; received " + Tools.messages(back));
            assertFalse(topics(back, length).contains("full/" + refusedAt), "a refused message was delivered");
        }
        broker.assertNoLeak();
    }

    /** mosquitto_pub -V 5 at QoS 1: the PUBACK's reason code. */
    private int publishV5(Path payload, String topic) {
        Proc.Result r = Proc.run(Tools.RUN_TIMEOUT, Tools.withBroker("mosquitto_pub", broker, "-V", "5", "-d", "-q",
                "1", "-t", topic, "-f", payload.toString()), null, Map.of());
        Matcher m = PUBACK.matcher(r.output());
        assertTrue(m.find(), "no PUBACK for " + topic + ":\n" + r.output());
        return Integer.parseInt(m.group(1));
    }

    /** The topics of the complete messages (the payload's length) a subscriber has printed. */
    private static Set<String> topics(Proc sub, String length) {
        Set<String> topics = new TreeSet<>();
        for (String line : Tools.messages(sub)) {
            String[] parts = line.split("\\|");
            if (parts.length == 3 && parts[2].equals(length)) {
                topics.add(parts[1]);
            }
        }
        return topics;
    }
}
