package io.pigeon.console.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.pigeon.broker.Broker;
import io.pigeon.broker.Message;
import io.pigeon.broker.Subscription;

/**
 * The recording inside Equinox with the real broker: messages published through the broker API land in the MVStore
 * file, the count and byte bounds drop the oldest first, the history survives closing and opening the file again,
 * the export writes the documented JSON and CSV, the topic tree is filled from it, and nothing is lost uncounted.
 * Each test records its own topics into its own file.
 */
class RecordingOsgiTest {

    private static final BundleContext CONTEXT = FrameworkUtil.getBundle(UserStore.class).getBundleContext();
    private static final Broker BROKER = ConsoleOsgiTest.service(Broker.class, null);
    private static final Logger LOG = ConsoleOsgiTest.service(LoggerFactory.class, null)
            .getLogger(RecordingOsgiTest.class);

    @TempDir
    Path dir;

    /** A clock the test moves, so that time ranges are exact. */
    private static final class TestClock extends Clock {
        final AtomicLong millis = new AtomicLong(1_700_000_000_000L);

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }
    }

    private Recording open(String filter, int maxMessages, long maxBytes, Clock clock) throws Exception {
        return new Recording(dir.resolve(Recording.FILE), new Recording.Limits(List.of(filter), maxMessages, maxBytes,
                10_000, 1_000_000), BROKER, LOG, clock);
    }

    private static void publish(String topic, String payload) throws Exception {
        BROKER.publish(new Message(topic, payload.getBytes(StandardCharsets.UTF_8), 0, false))
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail(what + " within 20 s");
            }
            Thread.sleep(20);
        }
    }

    private static List<String> payloads(Recording r, String filter) {
        List<String> out = new ArrayList<>();
        r.forEach(t -> io.pigeon.broker.TopicFilters.matches(filter, t), Long.MIN_VALUE, Long.MAX_VALUE,
                m -> out.add(new String(m.payload(), StandardCharsets.UTF_8)));
        return out;
    }

    @Test
    void theCountBoundDropsTheOldestFirstAndTheHistorySurvivesReopening() throws Exception {
        Recording r = open("rec/count/#", 5, 1 << 20, Clock.systemUTC());
        try {
            for (int i = 1; i <= 8; i++) {
                publish("rec/count/" + (i % 2 == 0 ? "even" : "odd"), "v" + i);
            }
            await("8 messages recorded", () -> r.recorded() == 8);
            assertEquals(List.of("v4", "v5", "v6", "v7", "v8"), payloads(r, "#"));
            assertEquals(5, r.size());
            long keptBytes = 3 * ("rec/count/even".length() + 2) + 2 * ("rec/count/odd".length() + 2);
            assertEquals(keptBytes, r.bytes(), "topic and payload bytes of the kept five (v4..v8)");
            publish("other/topic", "not recorded");
        } finally {
            r.close();
        }
        assertTrue(Files.isRegularFile(dir.resolve(Recording.FILE)));

        Recording again = open("rec/count/#", 5, 1 << 20, Clock.systemUTC());
        try {
            assertEquals(List.of("v4", "v5", "v6", "v7", "v8"), payloads(again, "#"), "kept across a restart");
            assertEquals(3 * ("rec/count/even".length() + 2) + 2 * ("rec/count/odd".length() + 2), again.bytes());
            publish("rec/count/odd", "v9");
            await("v9 recorded", () -> again.recorded() == 1);
            assertEquals(List.of("v5", "v6", "v7", "v8", "v9"), payloads(again, "#"), "appended after the old ones");
            assertEquals(List.of("v6", "v8"), payloads(again, "rec/count/even"));
        } finally {
            again.close();
        }

        Recording smaller = open("rec/count/#", 2, 1 << 20, Clock.systemUTC());
        try {
            assertEquals(List.of("v8", "v9"), payloads(smaller, "#"), "a smaller bound applies when it opens");
        } finally {
            smaller.close();
        }
    }

    @Test
    void theByteBoundDropsTheOldestFirstAndATooLargeMessageIsCounted() throws Exception {
        String topic = "rec/bytes";
        String payload = "x".repeat(291); // 300 bytes with the topic
        Recording r = open(topic, 1000, 1000, Clock.systemUTC());
        try {
            for (int i = 0; i < 10; i++) {
                publish(topic, i + payload.substring(1));
            }
            publish(topic, "y".repeat(2000));
            await("10 recorded, 1 too large", () -> r.recorded() == 10 && r.tooLarge() == 1);
            assertEquals(3, r.size(), "three of 300 bytes fit into 1000");
            assertEquals(900, r.bytes());
            List<String> kept = payloads(r, topic);
            assertEquals(List.of('7', '8', '9'), kept.stream().map(s -> s.charAt(0)).toList());
        } finally {
            r.close();
        }
    }

    @Test
    void retainedMessagesReplayedOnSubscribeAreNotRecordedAgain() throws Exception {
        String topic = "rec/retained/" + System.nanoTime();
        BROKER.publish(new Message(topic, "kept".getBytes(StandardCharsets.UTF_8), 1, true)).toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        try {
            Recording r = open(topic, 100, 1 << 20, Clock.systemUTC());
            try {
                publish(topic, "live");
                await("the live message", () -> r.recorded() == 1);
                assertEquals(List.of("live"), payloads(r, topic));
            } finally {
                r.close();
            }
        } finally {
            BROKER.publish(new Message(topic, new byte[0], 1, true)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void everyMessageIsRecordedOrCountedAsDroppedWhenTheWriterCannotKeepUp() throws Exception {
        Recording r = new Recording(dir.resolve(Recording.FILE), new Recording.Limits(List.of("rec/burst"), 100_000,
                64 << 20, 16, 1_000_000), BROKER, LOG, Clock.systemUTC());
        try {
            int sent = 20_000;
            byte[] payload = new byte[512];
            for (int i = 0; i < sent; i++) {
                BROKER.publish(new Message("rec/burst", payload, 0, false));
            }
            await("every message recorded or dropped", () -> r.recorded() + r.dropped() == sent);
            assertEquals(r.recorded(), r.size());
        } finally {
            r.close();
        }
    }

    @Test
    void beyondTheRateBudgetMessagesAreCountedAsDroppedNotRecorded() throws Exception {
        Recording r = new Recording(dir.resolve(Recording.FILE), new Recording.Limits(List.of("rec/rate"), 100_000,
                64 << 20, 100_000, 50), BROKER, LOG, Clock.systemUTC());
        try {
            int sent = 5_000;
            long start = System.nanoTime();
            for (int i = 0; i < sent; i++) {
                BROKER.publish(new Message("rec/rate", new byte[8], 0, false));
            }
            long seconds = (System.nanoTime() - start) / 1_000_000_000L + 1;
            await("every message recorded or dropped", () -> r.recorded() + r.dropped() == sent);
            assertTrue(r.recorded() >= 50 && r.recorded() <= 50 * (seconds + 1) + 8, "recorded " + r.recorded()
                    + " of " + sent + " in about " + seconds + " s with a budget of 50 a second");
        } finally {
            r.close();
        }
    }

    @Test
    void theExportWritesJsonAndCsvForATopicFilterAndATimeRange() throws Exception {
        TestClock clock = new TestClock();
        long t0 = clock.millis.get();
        Recording r = open("rec/export/#", 100, 1 << 20, clock);
        try {
            publish("rec/export/a", "1.5");
            await("first", () -> r.recorded() == 1);
            clock.millis.addAndGet(1000);
            publish("rec/export/b", "say \"hi\", then\nleave");
            await("second", () -> r.recorded() == 2);
            clock.millis.addAndGet(1000);
            BROKER.publish(new Message("rec/export/a", new byte[] { (byte) 0xff, 0, 1 }, 1, false))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            await("third", () -> r.recorded() == 3);

            StringWriter csv = new StringWriter();
            HistoryServlets.write(r, t -> true, t0 + 1000, Long.MAX_VALUE, "csv", csv);
            assertEquals("time,iso,topic,qos,size,encoding,payload\r\n"
                    + (t0 + 1000) + "," + Instant.ofEpochMilli(t0 + 1000) + ",rec/export/b,0,20,text,"
                    + "\"say \"\"hi\"\", then\nleave\"\r\n"
                    + (t0 + 2000) + "," + Instant.ofEpochMilli(t0 + 2000) + ",rec/export/a,1,3,base64,"
                    + Base64.getEncoder().encodeToString(new byte[] { (byte) 0xff, 0, 1 }) + "\r\n", csv.toString());

            StringWriter json = new StringWriter();
            HistoryServlets.write(r, t -> t.equals("rec/export/a"), Long.MIN_VALUE, t0 + 1999, "json", json);
            JsonArray array = JsonParser.parseString(json.toString()).getAsJsonArray();
            assertEquals(1, array.size(), json.toString());
            JsonObject first = array.get(0).getAsJsonObject();
            assertEquals("rec/export/a", first.get("topic").getAsString());
            assertEquals("1.5", first.get("text").getAsString());
            assertEquals(t0, first.get("time").getAsLong());
            assertEquals(Instant.ofEpochMilli(t0).toString(), first.get("iso").getAsString());

            StringWriter none = new StringWriter();
            HistoryServlets.write(r, t -> false, Long.MIN_VALUE, Long.MAX_VALUE, "json", none);
            assertEquals(0, JsonParser.parseString(none.toString()).getAsJsonArray().size());
        } finally {
            r.close();
        }
    }

    @Test
    void aRecordDecodesToWhatWasEncoded() {
        byte[] payload = { 0, (byte) 0x80, (byte) 0xff, 'a' };
        Recording.Recorded r = Recording.decode(42, Recording.encode(123456789L,
                new Message("ä/ü/€", payload, 2, false)));
        assertEquals(42, r.seq());
        assertEquals(123456789L, r.millis());
        assertEquals("ä/ü/€", r.topic());
        assertEquals(2, r.qos());
        assertArrayEquals(payload, r.payload());
        assertEquals("ä/ü/€".getBytes(StandardCharsets.UTF_8).length + 4, r.bytes());
    }

    /** The real broker, with a count of the in-process subscriptions made through it that are still open. */
    private static final class CountingBroker {
        final AtomicLong open = new AtomicLong();
        final Broker broker = (Broker) Proxy.newProxyInstance(Broker.class.getClassLoader(),
                new Class<?>[] {Broker.class}, (proxy, method, args) -> {
                    Object result;
                    try {
                        result = method.invoke(BROKER, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (!method.getName().equals("subscribe")) {
                        return result;
                    }
                    open.incrementAndGet();
                    Subscription s = (Subscription) result;
                    AtomicBoolean closed = new AtomicBoolean();
                    return new Subscription() {
                        @Override
                        public String topicFilter() {
                            return s.topicFilter();
                        }

                        @Override
                        public int qos() {
                            return s.qos();
                        }

                        @Override
                        public void close() {
                            if (closed.compareAndSet(false, true)) {
                                open.decrementAndGet();
                            }
                            s.close();
                        }
                    };
                });
    }

    private static TopicTree.Entry entry(TopicTree.Changes changes, String topic) {
        return changes.entries().stream().filter(e -> e.topic().equals(topic)).findFirst().orElse(null);
    }

    private static void publishRetained(String topic, String payload) throws Exception {
        BROKER.publish(new Message(topic, payload.getBytes(StandardCharsets.UTF_8), 1, true)).toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    void theTopicTreeStartsFromTheRecordingAndTheRetainedMessagesAndFollowsRetainedChangesLive() throws Exception {
        publishRetained("rec/tree/old", "o"); // retained before the recording: counted from the broker
        Recording r = open("rec/tree/#", 100, 1 << 20, Clock.systemUTC());
        TopicTree tree = new TopicTree(BROKER, r, LOG);
        try {
            publish("rec/tree/t", "20.5");
            publish("rec/tree/t", "21.0");
            publish("rec/tree/h", "40");
            publishRetained("rec/tree/kept", "k"); // recorded, and the broker retains it: counted once
            await("four", () -> r.recorded() == 4);
            // not recorded (its filter is not), only retained
            publishRetained("other/tree/r", "x");

            TopicTree.Changes first = tree.view("page", 0, 0, t -> t.startsWith("rec/tree/") || t.startsWith("other/tree/"));
            assertTrue(first.full());
            assertEquals(List.of("other/tree/r", "rec/tree/h", "rec/tree/kept", "rec/tree/old", "rec/tree/t"),
                    first.entries().stream().map(TopicTree.Entry::topic).toList());
            TopicTree.Entry t = entry(first, "rec/tree/t");
            assertEquals(2, t.count());
            assertEquals("21.0", new String(t.lastValue(), StandardCharsets.UTF_8));
            assertEquals("20.5", new String(t.previousValue(), StandardCharsets.UTF_8));
            assertFalse(t.retained());
            assertNull(entry(first, "rec/tree/h").previousValue());
            assertEquals(1, entry(first, "rec/tree/kept").count(), "recorded and retained: one message");
            assertTrue(entry(first, "rec/tree/kept").retained());
            assertTrue(entry(first, "rec/tree/old").retained());
            assertTrue(entry(first, "other/tree/r").retained());

            // retained by a client while the tree looks, then deleted: Retain As Published tells the tree at once
            publishRetained("rec/tree/h", "41");
            TopicTree.Changes[] next = new TopicTree.Changes[1];
            long version = first.version();
            await("the live 41", () -> {
                next[0] = tree.view("page", first.epoch(), version, x -> x.startsWith("rec/tree/"));
                TopicTree.Entry h = entry(next[0], "rec/tree/h");
                return h != null && h.count() == 2;
            });
            assertFalse(next[0].full());
            assertEquals(List.of("rec/tree/h"), next[0].entries().stream().map(TopicTree.Entry::topic).toList(),
                    "only what changed");
            assertTrue(entry(next[0], "rec/tree/h").retained(), "the broker holds it");
            publishRetained("rec/tree/h", "");
            long after = next[0].version();
            await("the delete", () -> {
                TopicTree.Entry h = entry(tree.view("page", first.epoch(), after, x -> true), "rec/tree/h");
                return h != null && !h.retained();
            });
            assertTrue(tree.view("page", first.epoch(), tree.view("page", first.epoch(), 0, x -> true).version(),
                    x -> true).entries().isEmpty(), "nothing changed since the last answer");
        } finally {
            tree.deactivate();
            r.close();
            publishRetained("rec/tree/kept", "");
            publishRetained("rec/tree/old", "");
            publishRetained("other/tree/r", "");
        }
    }

    @Test
    void theTopicTreeSubscribesOnlyWhileAPageLooks() throws Exception {
        Recording r = open("rec/watch/#", 100, 1 << 20, Clock.systemUTC());
        CountingBroker counting = new CountingBroker();
        TopicTree tree = new TopicTree(counting.broker, r, LOG, java.time.Duration.ofSeconds(2));
        try {
            assertEquals(0, counting.open.get(), "nobody looks: no subscription");
            assertFalse(tree.running());
            publish("rec/watch/a", "1");
            await("recorded", () -> r.recorded() == 1);

            TopicTree.Changes one = tree.view("one", 0, 0, x -> x.startsWith("rec/watch/"));
            assertEquals(1, counting.open.get(), "a page looks: one subscription to #");
            assertEquals(1, entry(one, "rec/watch/a").count(), "filled from the recording at once");
            tree.view("two", 0, 0, x -> true);
            assertEquals(1, counting.open.get(), "a second page shares it");
            publish("rec/watch/a", "2");
            await("the live 2", () -> tree.snapshot(x -> x.equals("rec/watch/a")).get(0).count() == 2);
            await("2 recorded too", () -> r.recorded() == 2);

            tree.leave("one");
            assertEquals(1, counting.open.get(), "page two still looks");
            tree.leave("two");
            assertEquals(0, counting.open.get(), "the last page went: unsubscribed");
            assertFalse(tree.running());
            assertTrue(tree.snapshot(x -> true).isEmpty(), "and forgotten");
            publish("other/watch/x", "unseen");

            TopicTree.Changes again = tree.view("three", one.epoch(), one.version(), x -> x.startsWith("rec/watch/"));
            assertEquals(1, counting.open.get(), "a page opens again: subscribed again");
            assertTrue(again.full(), "a new run: the page starts over");
            assertEquals(2, entry(again, "rec/watch/a").count(), "both recorded messages, at once");
            assertTrue(tree.snapshot(x -> x.startsWith("other/watch/")).isEmpty(), "nothing came while closed");

            // page three goes without saying so: after the idle time the tree stops by itself
            await("the idle page expires", () -> counting.open.get() == 0);
            assertFalse(tree.running());
        } finally {
            tree.deactivate();
            r.close();
        }
        assertEquals(0, counting.open.get());
    }

    @Test
    void anInvalidFilterInTheConfigurationIsLeftOutAndTheOthersApply() {
        RecordingConfig config = new RecordingConfig() {
            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return RecordingConfig.class;
            }

            @Override
            public String[] filters() {
                return new String[] { "a/#", "bad/#/x", " b/+ ", "a/#" };
            }

            @Override
            public int max_messages() {
                return 0;
            }

            @Override
            public long max_bytes() {
                return 10;
            }

            @Override
            public int queue_size() {
                return 1;
            }

            @Override
            public int max_rate() {
                return 0;
            }
        };
        Recording.Limits limits = Recording.limits(config, LOG);
        assertEquals(List.of("a/#", "b/+"), limits.filters());
        assertEquals(1, limits.maxMessages());
        assertEquals(1024, limits.maxBytes());
        assertEquals(16, limits.queueSize());
        assertEquals(1, limits.maxRate());
    }
}
