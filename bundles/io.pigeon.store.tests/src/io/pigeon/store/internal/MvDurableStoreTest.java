package io.pigeon.store.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.pigeon.broker.Message;
import io.pigeon.broker.MessageProperties;
import io.pigeon.broker.spi.DurableStore.StoredRetained;
import io.pigeon.broker.spi.DurableStore.StoredState;
import io.pigeon.broker.spi.StoredMessage;
import io.pigeon.broker.spi.StoredSession;
import io.pigeon.broker.spi.StoredSubscription;
import io.pigeon.broker.spi.StoredWill;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.store.fs.FilePath;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The MVStore durable store on real files: round trip, crash copies, a cut-short file, bad records, a full disk. */
class MvDurableStoreTest {

    @TempDir
    Path dir;

    private final LogCapture log = new LogCapture();
    private MvDurableStore store;

    @AfterEach
    void close() {
        FailingFileSystem.full = false;
        if (store != null) {
            store.close();
        }
    }

    private MvDurableStore open(Path file) throws IOException {
        MvDurableStore s = new MvDurableStore(file, log.logger());
        s.open();
        return s;
    }

    private static Message message(String topic, String payload, int qos) {
        return new Message(topic, payload.getBytes(StandardCharsets.UTF_8), qos, false);
    }

    private static void sync(MvDurableStore s) throws Exception {
        s.synced().get(10, TimeUnit.SECONDS);
    }

    @Test
    void everythingWrittenIsReadBackAfterReopening() throws Exception {
        Path file = dir.resolve("pigeon.db");
        store = open(file);
        store.load();
        MessageProperties props = new MessageProperties(true, 600L, "text/plain", "reply/here",
                new byte[] {1, 2, 3}, List.of(new MessageProperties.UserProperty("k", "v")));
        store.putSession(new StoredSession.Record("alice", 5, 3600, 0, 100));
        store.putSubscription("alice", new StoredSubscription("a/#", 1, true, true, 2, 7));
        store.putSubscription("alice", new StoredSubscription("$share/g/b/+", 2, false, false, 0, 0));
        store.addMessage("alice", new StoredMessage(100, new Message("a/1", "one".getBytes(StandardCharsets.UTF_8), 1,
                false, props), 1234, new int[] {7}, 0, false));
        store.addMessage("alice", new StoredMessage(101, message("a/2", "two", 2), 1235, null, 0, false));
        store.addMessage("alice", new StoredMessage(102, message("a/3", "three", 1), 1236, null, 0, false));
        store.messageSent("alice", 100, 17, false);
        store.messageSent("alice", 101, 18, true);
        store.addAwaitingPubrel("alice", 42);
        store.addAwaitingPubrel("alice", 43);
        store.removeAwaitingPubrel("alice", 43);
        store.putWill("alice", new StoredWill(message("wills/alice", "gone", 1), "wills/alice", "alice-user", 30,
                99_000));
        store.putSession(new StoredSession.Record("bob", 4, -1, 555, 1));
        store.putSubscription("bob", new StoredSubscription("x", 1, false, false, 0, 0));
        store.addMessage("bob", new StoredMessage(5, message("x", "for bob", 1), 1, null, 0, false));
        store.removeSubscription("alice", "$share/g/b/+");
        store.removeMessage("alice", 102);
        store.putRetained(new StoredRetained(new Message("r/1", "kept".getBytes(StandardCharsets.UTF_8), 1, true,
                props), 777));
        store.putRetained(new StoredRetained(message("r/2", "cleared", 0), 778));
        store.removeRetained("r/2");
        sync(store);
        store.removeSession("bob");
        store.close();

        store = open(file);
        StoredState state = store.load();
        assertEquals(1, state.sessions().size(), "bob was removed: " + state.sessions());
        StoredSession alice = state.sessions().get(0);
        assertEquals(new StoredSession.Record("alice", 5, 3600, 0, 100), alice.record());
        assertEquals(List.of(new StoredSubscription("a/#", 1, true, true, 2, 7)), alice.subscriptions());
        assertEquals(2, alice.messages().size());
        StoredMessage first = alice.messages().get(0);
        assertEquals(100, first.seq());
        assertEquals(17, first.packetId());
        assertFalse(first.released());
        assertArrayEquals(new int[] {7}, first.subscriptionIds());
        assertEquals(1234, first.storedAtMillis());
        assertEquals("a/1", first.message().topic());
        assertArrayEquals("one".getBytes(StandardCharsets.UTF_8), first.message().payload());
        MessageProperties back = first.message().properties();
        assertEquals(true, back.payloadFormatUtf8());
        assertEquals(600L, back.messageExpirySeconds());
        assertEquals("text/plain", back.contentType());
        assertEquals("reply/here", back.responseTopic());
        assertArrayEquals(new byte[] {1, 2, 3}, back.correlationData());
        assertEquals(List.of(new MessageProperties.UserProperty("k", "v")), back.userProperties());
        StoredMessage second = alice.messages().get(1);
        assertEquals(101, second.seq());
        assertEquals(18, second.packetId());
        assertTrue(second.released());
        assertEquals(2, second.message().qos());
        assertEquals(List.of(42), alice.awaitingPubrel());
        assertEquals("wills/alice", alice.will().message().topic());
        assertEquals("alice-user", alice.will().username());
        assertEquals(30, alice.will().delaySeconds());
        assertEquals(99_000, alice.will().publishAtMillis());
        assertEquals(List.of("r/1"), state.retained().stream().map(r -> r.message().topic()).toList());
        assertEquals(777, state.retained().get(0).storedAtMillis());
        assertTrue(state.retained().get(0).message().retain());
    }

    /** A copy of the file taken right after synced() completes is what a crash at that moment leaves behind. */
    @Test
    void whatSyncedReportsIsInTheFileAtThatMoment() throws Exception {
        Path file = dir.resolve("pigeon.db");
        store = open(file);
        store.load();
        store.putSession(new StoredSession.Record("c", 4, -1, 0, 1));
        for (int i = 1; i <= 50; i++) {
            store.addMessage("c", new StoredMessage(i, message("t", "m" + i, 1), i, null, 0, false));
            sync(store);
            if (i % 10 == 0) {
                Path crash = dir.resolve("crash-" + i + ".db");
                Files.copy(file, crash, StandardCopyOption.REPLACE_EXISTING);
                MvDurableStore copy = new MvDurableStore(crash, log.logger());
                copy.open();
                try {
                    assertEquals(i, copy.load().sessions().get(0).messages().size(), "messages on disk after " + i);
                } finally {
                    copy.close();
                }
            }
        }
    }

    @Test
    void aStoreCutShortIsRecoveredAndTheLossLogged() throws Exception {
        Path file = dir.resolve("pigeon.db");
        store = open(file);
        store.load();
        for (int i = 0; i < 40; i++) {
            store.putRetained(new StoredRetained(message("r/" + i, "v" + i, 1), i));
            sync(store);
        }
        store.close();
        store = null;
        long size = Files.size(file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size / 2 + 1234); // through the middle of a chunk
        }

        store = open(file);
        List<String> topics = store.load().retained().stream().map(r -> r.message().topic()).toList();
        assertTrue(topics.size() < 40, "nothing was lost by cutting the file in half? " + topics.size());
        for (int i = 0; i < topics.size(); i++) {
            assertTrue(topics.contains("r/" + i), "the recovered messages are the first ones written: " + topics);
        }
        assertTrue(log.contains("warn", "was cut short"), "the loss is logged: " + log.lines());
        assertTrue(log.contains("warn", "commits after it"), log.lines().toString());
        // and the store works again
        store.putRetained(new StoredRetained(message("after", "x", 1), 1));
        sync(store);
    }

    @Test
    void anUnreadableRecordIsDroppedAndLoggedAndTheRestIsKept() throws Exception {
        Path file = dir.resolve("pigeon.db");
        store = open(file);
        store.load();
        store.putRetained(new StoredRetained(message("good", "g", 1), 1));
        store.putRetained(new StoredRetained(message("bad", "b", 1), 1));
        sync(store);
        store.close();
        store = null;
        MVStore raw = new MVStore.Builder().fileName(file.toString()).open();
        MVMap<String, byte[]> retained = raw.openMap("retained");
        retained.put("bad", new byte[] {1, 0, 0, 0}); // format 1, then a record cut short
        retained.put("future", new byte[] {9, 1, 2}); // a format this version does not know
        raw.close();

        store = open(file);
        List<String> topics = store.load().retained().stream().map(r -> r.message().topic()).toList();
        assertEquals(List.of("good"), topics);
        assertTrue(log.contains("warn", "dropped unreadable retained message of bad"), log.lines().toString());
        assertTrue(log.contains("warn", "record format 9, this version of Pigeon reads format 1"),
                log.lines().toString());
        assertTrue(log.contains("warn", "2 records could not be read"), log.lines().toString());
    }

    @Test
    void aFileThatIsNotAStoreIsMovedAsideAndAnEmptyStoreStarts() throws Exception {
        Path file = dir.resolve("pigeon.db");
        Files.write(file, "this is not an MVStore file, just text that someone put here".repeat(100)
                .getBytes(StandardCharsets.UTF_8));
        store = open(file);
        assertEquals(0, store.load().sessions().size());
        assertTrue(log.contains("error", "could not be read"), log.lines().toString());
        try (var files = Files.list(dir)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("pigeon.db.damaged-")),
                    "the damaged file is kept for inspection");
        }
    }

    @Test
    void aFullDiskFailsTheSyncAndTheStoreRecoversWhenSpaceIsBack() throws Exception {
        FailingFileSystem fs = new FailingFileSystem();
        FilePath.register(fs);
        try {
            Path file = dir.resolve("pigeon.db");
            store = new MvDurableStore(file, FailingFileSystem.SCHEME + ":" + file, log.logger());
            store.open();
            store.load();
            store.putRetained(new StoredRetained(message("before", "1", 1), 1));
            sync(store);
            assertTrue(store.isWritable());

            FailingFileSystem.full = true;
            store.putRetained(new StoredRetained(message("during", "2", 1), 1));
            ExecutionException e = assertThrows(ExecutionException.class, () -> sync(store));
            assertInstanceOf(IOException.class, e.getCause());
            assertFalse(store.isWritable(), "the broker must refuse QoS 1/2 now");
            assertTrue(log.contains("error", "No space left on device"), log.lines().toString());
            assertTrue(log.contains("error", "Free space on the disk"), log.lines().toString());
            assertThrows(ExecutionException.class, () -> store.synced().get(1, TimeUnit.SECONDS),
                    "nothing is reported stored while the disk is full");

            FailingFileSystem.full = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MvDurableStore.RETRY_SECONDS * 3);
            while (!store.isWritable() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(store.isWritable(), "the store did not recover once space was back: " + log.lines());
            assertTrue(log.contains("warn", "can write again"), log.lines().toString());
            store.putRetained(new StoredRetained(message("after", "3", 1), 1));
            sync(store);
            store.close();

            store = open(file);
            Map<String, String> retained = store.load().retained().stream().collect(Collectors.toMap(
                    r -> r.message().topic(), r -> new String(r.message().payload(), StandardCharsets.UTF_8), (a, b) -> a,
                    TreeMap::new));
            assertEquals(Map.of("before", "1", "after", "3"), retained,
                    "what was refused is not there, what was acknowledged is");
        } finally {
            FilePath.unregister(fs);
        }
    }

    /**
     * While the writer syncs one batch, the broker's next changes queue up and form the next batch. A message added,
     * sent and acknowledged within that batch (a subscriber that keeps up) is neither written nor synced, and a batch
     * of nothing else completes its sync barrier without a sync; a message still undelivered at the end of its batch
     * is on disk before the barrier completes.
     */
    @Test
    void aMessageAcknowledgedWithinItsBatchIsNotWrittenAndOnlyUndeliveredOnesAreSynced() throws Exception {
        FailingFileSystem fs = new FailingFileSystem();
        FilePath.register(fs);
        try {
            Path file = dir.resolve("pigeon.db");
            store = new MvDurableStore(file, FailingFileSystem.SCHEME + ":" + file, log.logger());
            store.open();
            store.load();
            store.putSession(new StoredSession.Record("c", 4, -1, 0, 1));
            store.addMessage("c", new StoredMessage(1, message("t", "acknowledged in a later batch", 1), 1, null, 0,
                    false));
            sync(store);

            // batch 2: a message to three subscribers, of which only "c" is durable here; 2 and 4 are delivered
            // and acknowledged within it, 3 is in flight at its end, 1 (written in batch 1) is acknowledged in it
            CountDownLatch gate = holdNextSync();
            store.putRetained(new StoredRetained(message("hold", "the writer syncs this one", 1), 1));
            CompletableFuture<Void> first = store.synced();
            assertTrue(FailingFileSystem.syncWaiting.await(10, TimeUnit.SECONDS), "the writer did not sync");
            store.addMessage("c", new StoredMessage(2, message("t", "two", 1), 2, null, 0, false));
            store.messageSent("c", 2, 12, false);
            store.addMessage("c", new StoredMessage(3, message("t", "three", 1), 3, null, 0, false));
            store.messageSent("c", 3, 13, false);
            store.messageSent("c", 1, 11, false);
            store.removeMessage("c", 2);
            store.addMessage("c", new StoredMessage(4, message("t", "four", 2), 4, null, 0, false));
            store.messageSent("c", 4, 14, false);
            store.messageSent("c", 4, 14, true);
            store.removeMessage("c", 4);
            store.removeMessage("c", 1);
            CompletableFuture<Void> second = store.synced();
            assertFalse(second.isDone(), "message 3 is not on disk yet");
            int before = FailingFileSystem.syncs.get();
            FailingFileSystem.syncGate = null;
            gate.countDown();
            first.get(10, TimeUnit.SECONDS);
            second.get(10, TimeUnit.SECONDS);
            assertEquals(before + 2, FailingFileSystem.syncs.get(), "one sync per batch");
            assertEquals(List.of(3L), storedSeqs(file), "the file holds message 3 only when the barrier completes");

            // batch 3: nothing but messages delivered and acknowledged within it
            gate = holdNextSync();
            store.putRetained(new StoredRetained(message("hold", "again", 1), 2));
            first = store.synced();
            assertTrue(FailingFileSystem.syncWaiting.await(10, TimeUnit.SECONDS), "the writer did not sync");
            for (long seq = 5; seq < 105; seq++) {
                store.addMessage("c", new StoredMessage(seq, message("t", "m" + seq, 1), seq, null, 0, false));
                store.messageSent("c", seq, (int) seq, false);
                store.removeMessage("c", seq);
            }
            second = store.synced();
            before = FailingFileSystem.syncs.get();
            FailingFileSystem.syncGate = null;
            gate.countDown();
            first.get(10, TimeUnit.SECONDS);
            second.get(10, TimeUnit.SECONDS);
            assertEquals(before + 1, FailingFileSystem.syncs.get(),
                    "the batch of acknowledged messages completed its barrier without a sync of its own");
            store.close();

            store = open(file);
            List<StoredMessage> restored = store.load().sessions().get(0).messages();
            assertEquals(List.of(3L), restored.stream().map(StoredMessage::seq).toList());
            assertEquals(13, restored.get(0).packetId(), "its sent mark was written with it");
        } finally {
            FailingFileSystem.syncGate = null;
            FilePath.unregister(fs);
        }
    }

    /** Holds the writer's next sync until the returned latch is opened. */
    private static CountDownLatch holdNextSync() {
        CountDownLatch gate = new CountDownLatch(1);
        FailingFileSystem.syncWaiting = new CountDownLatch(1);
        FailingFileSystem.syncGate = gate;
        return gate;
    }

    /** The sequence numbers in a copy of the store file taken now: what a crash at this moment leaves behind. */
    private List<Long> storedSeqs(Path file) throws Exception {
        Path crash = dir.resolve("crash-" + System.nanoTime() + ".db");
        Files.copy(file, crash, StandardCopyOption.REPLACE_EXISTING);
        MvDurableStore copy = new MvDurableStore(crash, log.logger());
        copy.open();
        try {
            return copy.load().sessions().get(0).messages().stream().map(StoredMessage::seq).toList();
        } finally {
            copy.close();
        }
    }

    @Test
    void sequenceKeysSortByNumber() {
        assertTrue(MvDurableStore.seqKey("c", 0xF).compareTo(MvDurableStore.seqKey("c", 0x10)) < 0);
        assertTrue(MvDurableStore.seqKey("c", 1_700_000_000_000_000L)
                .compareTo(MvDurableStore.seqKey("c", 1_700_000_000_000_001L)) < 0);
        assertEquals("c\u0000" + "000000000000001f", MvDurableStore.seqKey("c", 31));
    }
}
