package io.pigeon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.pigeon.e2e.Wire.Connect;
import io.pigeon.e2e.Wire.Props;

/**
 * Throws a bounded number of random and mutated packets at the broker from a fixed seed, then checks that a client
 * connected all along and new mosquitto_pub/sub clients are still served. Reproduce a failure with
 * {@code -Dpigeon.e2e.fuzz.seed=<the printed seed>}.
 */
@WithBroker
class FuzzTest {

    static final long SEED = Long.getLong("pigeon.e2e.fuzz.seed", 0x5EEDL);
    static final int PACKETS = Integer.getInteger("pigeon.e2e.fuzz.packets", 3000);
    static final Duration BUDGET = Duration.ofSeconds(90);

    @Test
    void randomAndMutatedPacketsLeaveTheBrokerServing(Broker b) throws Exception {
        System.out.println("FuzzTest seed=" + SEED + " packets=" + PACKETS
                + " (reproduce with -Dpigeon.e2e.fuzz.seed=" + SEED + ")");
        Random r = new Random(SEED);
        try (Paho.V3 bystander = new Paho.V3(b, "fuzz-bystander"); Paho.V3 pub = new Paho.V3(b, "fuzz-publisher")) {
            bystander.client.subscribe("e2e/fuzz/bystander", 1);
            long deadline = System.nanoTime() + BUDGET.toNanos();
            int sent = 0, connections = 0, closedByBroker = 0;
            while (sent < PACKETS && System.nanoTime() < deadline) {
                connections++;
                try (RawMqttClient c = new RawMqttClient(b)) {
                    int level = 3 + r.nextInt(3);
                    if (r.nextInt(10) < 7) {
                        c.send(template(r, level, 0, connections));
                    }
                    int burst = 1 + r.nextInt(20);
                    for (int i = 0; i < burst && sent < PACKETS; i++) {
                        byte[] p = r.nextInt(5) == 0 ? randomBytes(r) : mutate(r, template(r, level, 1 + r.nextInt(12), connections));
                        sent++;
                        if (!c.send(p)) {
                            closedByBroker++;
                            break;
                        }
                        c.drain();
                    }
                }
                if (connections % 50 == 0) {
                    b.assertAlive();
                }
            }
            System.out.println("FuzzTest sent " + sent + " packets on " + connections + " connections; " + closedByBroker
                    + " connections were closed by the broker mid-burst");
            assertEquals(PACKETS, sent, "the fuzz budget of " + BUDGET.toSeconds() + " s ran out");
            b.assertAlive();

            pub.publish("e2e/fuzz/bystander", "after the storm", 1, false);
            List<Paho.Received> got = bystander.take(1, Duration.ofSeconds(10));
            assertEquals(List.of("after the storm"), got.stream().map(Paho.Received::payload).toList(),
                    "the client connected throughout was not served after the fuzzing");
        }
        try (Proc sub = Tools.sub(b, "-t", "e2e/fuzz/after", "-C", "1", "-W", "10", "-F", Tools.FORMAT)) {
            Tools.pub(b, "-q", "1", "-t", "e2e/fuzz/after", "-m", "still serving");
            sub.await(Duration.ofSeconds(12)).assertExit(0);
            assertTrue(Tools.messages(sub).contains("MSG|e2e/fuzz/after|0|0|still serving"), sub.output());
        }
    }

    static byte[] randomBytes(Random r) {
        byte[] b = new byte[1 + r.nextInt(r.nextInt(10) == 0 ? 2000 : 40)];
        r.nextBytes(b);
        return b;
    }

    /** A valid packet of a random kind for {@code level}; kind 0 is CONNECT. */
    static byte[] template(Random r, int level, int kind, int n) {
        String topic = "e2e/fuzz/" + r.nextInt(8);
        byte[] props = level == 5 ? randomPublishProps(r) : null;
        return switch (kind) {
            case 0 -> {
                Connect c = new Connect(level, r.nextInt(8) == 0 ? "" : "fuzz-" + n).clean(r.nextBoolean());
                c.keepAlive = r.nextInt(4) == 0 ? 0 : 5 + r.nextInt(60);
                if (r.nextBoolean()) {
                    c.will("e2e/fuzz/will/" + r.nextInt(4), "will " + n, r.nextInt(3), r.nextInt(4) == 0);
                }
                if (r.nextInt(3) == 0) {
                    c.username = "user" + r.nextInt(3);
                    c.password = new byte[] { 1, 2, 3 };
                }
                if (level == 5) {
                    c.props(new Props().u32(Wire.SESSION_EXPIRY, r.nextInt(3) == 0 ? 0 : r.nextInt(30))
                            .u16(Wire.RECEIVE_MAXIMUM, 1 + r.nextInt(100)).u32(Wire.MAXIMUM_PACKET_SIZE, 64 + r.nextInt(70000))
                            .u16(Wire.TOPIC_ALIAS_MAXIMUM, r.nextInt(5)).bytes());
                }
                yield c.bytes();
            }
            case 1, 2, 3 -> {
                int qos = kind - 1;
                byte[] payload = new byte[r.nextInt(100)];
                r.nextBytes(payload);
                yield Wire.publish(level, qos, r.nextInt(5) == 0, Wire.utf8Bytes(topic), 1 + r.nextInt(65535), props, payload);
            }
            case 4 -> Wire.ack(RawMqttClient.PUBACK, 1 + r.nextInt(10));
            case 5 -> Wire.ack(RawMqttClient.PUBREC, 1 + r.nextInt(10));
            case 6 -> Wire.ack(RawMqttClient.PUBREL, 1 + r.nextInt(10));
            case 7 -> Wire.ack(RawMqttClient.PUBCOMP, 1 + r.nextInt(10));
            case 8 -> Wire.subscribe(level, 1 + r.nextInt(100), r.nextBoolean() ? topic : "e2e/fuzz/#", r.nextInt(level == 5 ? 64 : 3));
            case 9 -> {
                Wire w = new Wire().u16(1 + r.nextInt(100));
                if (level == 5) {
                    w.raw(Props.none());
                }
                yield Wire.packet(0xA2, w.utf8(topic).bytes());
            }
            case 10 -> Wire.pingreq();
            case 11 -> level == 5
                    ? Wire.packet(0xF0, new Wire().u8(0x18).raw(new Props().utf8(Wire.AUTH_METHOD, "SCRAM-SHA-1").bytes()).bytes())
                    : Wire.disconnect(level, 0);
            default -> Wire.disconnect(level, r.nextInt(256));
        };
    }

    static byte[] randomPublishProps(Random r) {
        Props p = new Props();
        if (r.nextBoolean()) {
            p.u16(Wire.TOPIC_ALIAS, r.nextInt(4));
        }
        if (r.nextBoolean()) {
            p.pair(Wire.USER_PROPERTY, "k" + r.nextInt(3), "v");
        }
        if (r.nextInt(4) == 0) {
            p.u32(Wire.MESSAGE_EXPIRY, r.nextInt(5));
        }
        if (r.nextInt(4) == 0) {
            p.binary(Wire.CORRELATION_DATA, new byte[] { 1, 2 });
        }
        return p.bytes();
    }

    /** One to three random edits: bit flips, byte changes, truncation, insertion, a wrong length, a new first byte. */
    static byte[] mutate(Random r, byte[] p) {
        int edits = 1 + r.nextInt(3);
        for (int e = 0; e < edits && p.length > 0; e++) {
            int i = r.nextInt(p.length);
            switch (r.nextInt(7)) {
                case 0 -> p[i] ^= (byte) (1 << r.nextInt(8));
                case 1 -> p[i] = (byte) r.nextInt(256);
                case 2 -> p = Arrays.copyOf(p, Math.max(1, i));
                case 3 -> {
                    byte[] extra = new byte[1 + r.nextInt(8)];
                    r.nextBytes(extra);
                    p = RawMqttClient.concat(Arrays.copyOf(p, i), extra, Arrays.copyOfRange(p, i, p.length));
                }
                case 4 -> p[0] = (byte) r.nextInt(256);
                case 5 -> { // keep the body, lie about its length
                    int bodyStart = 2;
                    while (bodyStart < p.length && (p[bodyStart - 1] & 0x80) != 0) {
                        bodyStart++;
                    }
                    byte[] body = Arrays.copyOfRange(p, Math.min(bodyStart, p.length), p.length);
                    int len = r.nextInt(4) == 0 ? r.nextInt(268_435_455) : Math.max(0, body.length + r.nextInt(9) - 4);
                    p = RawMqttClient.concat(new Wire().u8(p[0]).varInt(len).bytes(), body);
                }
                default -> p = RawMqttClient.concat(p, Arrays.copyOfRange(p, i, p.length));
            }
        }
        return p;
    }
}
