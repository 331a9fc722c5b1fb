package io.pigeon.store.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicLong;

import io.pigeon.broker.spi.DurableStore;
import io.pigeon.broker.spi.StoredMessage;
import io.pigeon.broker.spi.StoredSession;
import io.pigeon.broker.spi.StoredSubscription;
import io.pigeon.broker.spi.StoredWill;
import io.pigeon.store.internal.RecordCodec.CorruptRecordException;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.osgi.service.log.Logger;

/**
 * The durable store on H2's MVStore: one file, one map per kind of record, group commit.
 * <p>
 * Threading: the write methods queue a change and return (any thread, never blocking). One writer thread takes
 * everything queued, applies it to the maps, commits and syncs the file once for the whole batch, then completes
 * the {@link #synced()} futures of that batch. So the broker's event loops never wait for the disk, and many QoS 1
 * messages share one sync.
 * <p>
 * Recovery: MVStore finds the last complete commit when it opens a file cut short (a crash during a write, a full
 * disk); commits after it are lost. A side file records, without syncing, the number and time of the last commit,
 * so that such a loss is noticed and logged. A record that cannot be read is logged and dropped.
 * <p>
 * A write that fails (a full disk) makes the store unwritable: the broker refuses new QoS 1/2 messages, and the
 * writer reopens the file every {@link #RETRY_SECONDS} seconds until writing works again.
 */
public final class MvDurableStore implements DurableStore {

    /** The store's own layout version, kept in the meta map; see {@link RecordCodec#FORMAT} for the records. */
    static final int LAYOUT = 1;
    static final int RETRY_SECONDS = 5;
    private static final char SEP = '\u0000';
    private static final int MAX_BATCH = 20_000;
    /** The file is compacted when it grows beyond this and beyond four times its size after the last compaction. */
    private static final long COMPACT_MIN_BYTES = 8L << 20;
    private static final int COMPACT_MAX_MILLIS = 200;
    /** The longest a change nobody waits for stays unsynced. */
    private static final long LAZY_SYNC_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    /** The writer looks for new acknowledgements this often while it waits for them. */
    private static final long ACK_POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    /** The longest a batch waits for acknowledgements, however slow the sync. */
    private static final long ACK_WAIT_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** Fixed width of the last-commit note: "commits millis", padded with spaces, newline. */
    private static final int COMMIT_NOTE_BYTES = 48;

    private final Path file;
    private final String storeName;
    private final Path commitLog;
    private final Logger log;
    private final LinkedBlockingQueue<Op> queue = new LinkedBlockingQueue<>();
    /** Changes submitted (counted before they are queued) and changes on disk; see {@link #synced()}. */
    private final AtomicLong submitted = new AtomicLong();
    private volatile long processed;
    private volatile boolean writable = true;
    private volatile boolean running;
    private Thread writer;

    // writer thread only (and open/close)
    private MVStore store;
    private Maps maps;
    private long commits;
    private long lostWhileUnwritable;
    private long compactAbove = COMPACT_MIN_BYTES;
    private long statChanges;
    private long statSyncs;
    /** Changes applied to the maps; those after {@link #processed} are not synced yet. */
    private long applied;
    private boolean unsynced;
    private long unsyncedSince;
    private long statCompactNanos;
    /** The open side file of {@link #noteCommit}, or null (writer thread only). */
    private FileChannel commitNote;
    private long statApplyNanos;
    private long statCommitNanos;
    private long statSyncNanos;
    private long statNoteNanos;
    private long statAckWaitNanos;
    private final BatchPlan plan = new BatchPlan();
    /** How long a batch waits for acknowledgements at most: about one commit and sync, see awaitAcknowledgements. */
    private long ackWaitNanos = ACK_POLL_NANOS;
    private long statBatches;
    private long statCancelled;
    private int statCompactions;

    /** The maps of one open store. */
    private record Maps(MVMap<String, String> meta, MVMap<String, byte[]> sessions,
            MVMap<String, byte[]> subscriptions, MVMap<String, byte[]> messages, MVMap<String, byte[]> sent,
            MVMap<String, byte[]> pubrel, MVMap<String, byte[]> wills, MVMap<String, byte[]> retained) {

        static Maps of(MVStore s) {
            return new Maps(s.openMap("meta"), s.openMap("sessions"), s.openMap("subscriptions"),
                    s.openMap("messages"), s.openMap("sent"), s.openMap("pubrel"), s.openMap("wills"),
                    s.openMap("retained"));
        }
    }

    /**
     * One queued change; a {@code null} change is a sync barrier. A change to one message of a session (add, sent,
     * remove) names the message ({@code clientId}, {@code seq}) and its {@code kind}, so that a batch can leave out a
     * message added and removed within it; other changes have kind {@link #OTHER}.
     */
    private record Op(Change change, CompletableFuture<Void> barrier, byte kind, String clientId, long seq) {

        Op(Change change, CompletableFuture<Void> barrier) {
            this(change, barrier, OTHER, null, 0);
        }
    }

    static final byte OTHER = 0;
    static final byte ADD = 1;
    static final byte SENT = 2;
    static final byte REMOVE = 3;
    /**
     * A change that reads the maps (load) or removes a whole session, whose client may then start a new session that
     * numbers its messages anew: no cancelled pair may span it.
     */
    static final byte READ = 4;

    /** A message of a session, as the key of {@link BatchPlan}. */
    private record MessageKey(String clientId, long seq) {
    }

    /** Where a message's changes sit in the batch being planned. */
    private static final class Pending {
        int added = -1;
        int[] sent = new int[2];
        int sentCount;
    }

    /**
     * Which changes of a batch need not be applied, worked out as changes join the batch (writer thread only). A message
     * added and removed within the batch (delivered and acknowledged while the previous batch synced, the usual case
     * when the subscriber keeps up) is neither written nor deleted, and a "sent" mark followed by the removal of its
     * message is left out. The file after the batch's commit is the same as if every change had been applied, because
     * a session's sequence numbers are never reused (a message is added once) and nothing between the pair reads the
     * maps ({@link #READ} ends every pair).
     */
    private static final class BatchPlan {
        private final Map<MessageKey, Pending> pending = new HashMap<>();
        private final java.util.BitSet skip = new java.util.BitSet();
        private int scanned;
        /** Changes that are written whatever comes later in the batch: not about a message, or a removal of one. */
        private int forced;
        boolean barrier;

        void reset() {
            pending.clear();
            skip.clear();
            scanned = 0;
            forced = 0;
            barrier = false;
        }

        boolean skips(int index) {
            return skip.get(index);
        }

        /** Takes in the changes added to the batch since the last call. */
        void scan(List<Op> batch) {
            for (; scanned < batch.size(); scanned++) {
                Op op = batch.get(scanned);
                if (op.change() == null) {
                    barrier = true;
                    continue;
                }
                byte kind = op.kind();
                if (kind == OTHER) {
                    forced++;
                } else if (kind == READ) {
                    pending.clear();
                    forced++;
                } else if (kind == ADD) {
                    pending.computeIfAbsent(new MessageKey(op.clientId(), op.seq()), k -> new Pending()).added = scanned;
                } else if (kind == SENT) {
                    Pending p = pending.computeIfAbsent(new MessageKey(op.clientId(), op.seq()), k -> new Pending());
                    if (p.sentCount == p.sent.length) {
                        p.sent = java.util.Arrays.copyOf(p.sent, p.sentCount * 2);
                    }
                    p.sent[p.sentCount++] = scanned;
                } else {
                    Pending p = pending.remove(new MessageKey(op.clientId(), op.seq()));
                    if (p != null) {
                        for (int j = 0; j < p.sentCount; j++) {
                            skip.set(p.sent[j]);
                        }
                    }
                    if (p != null && p.added >= 0) {
                        skip.set(p.added);
                        skip.set(scanned);
                    } else {
                        forced++;
                    }
                }
            }
        }

        /**
         * Whether the only changes this batch would write are messages added and sent in it whose acknowledgement has
         * not come yet: then waiting a little for those acknowledgements may save the batch's sync.
         */
        boolean onlyAwaitsAcknowledgements() {
            if (forced > 0 || pending.isEmpty()) {
                return false;
            }
            for (Pending p : pending.values()) {
                if (p.added < 0 || p.sentCount == 0) {
                    return false;
                }
            }
            return true;
        }
    }

    @FunctionalInterface
    private interface Change {
        void apply(Maps m);
    }

    public MvDurableStore(Path file, Logger log) {
        this(file, file.toString(), log);
    }

    /**
     * @param storeName the name MVStore opens: {@code file} itself, or with an H2 file system prefix in tests (a file
     *                  system that fails writes on demand)
     */
    MvDurableStore(Path file, String storeName, Logger log) {
        this.file = file;
        this.storeName = storeName;
        this.commitLog = file.resolveSibling(file.getFileName() + ".last-commit");
        this.log = log;
    }

    public Path file() {
        return file;
    }

    /**
     * Opens (or creates) the file, recovering a damaged one, and starts the writer thread.
     *
     * @throws IOException when the directory cannot be created or the file cannot be opened at all
     */
    public void open() throws IOException {
        Files.createDirectories(file.getParent());
        store = openRecovering();
        maps = Maps.of(store);
        checkLayout();
        running = true;
        writer = new Thread(this::writeLoop, "pigeon-store-writer");
        writer.setDaemon(true);
        writer.start();
    }

    private MVStore openRecovering() throws IOException {
        long sideCommits = -1;
        String sideTime = null;
        if (Files.exists(commitLog)) {
            String[] parts = Files.readString(commitLog, StandardCharsets.US_ASCII).trim().split(" ");
            try {
                sideCommits = Long.parseLong(parts[0]);
                sideTime = parts.length > 1 ? Instant.ofEpochMilli(Long.parseLong(parts[1])).toString() : "?";
            } catch (NumberFormatException e) {
                // a torn write of the side file itself: it only helps to report losses
            }
        }
        MVStore s;
        try {
            s = openFile();
        } catch (RuntimeException e) {
            Path aside = file.resolveSibling(file.getFileName() + ".damaged-" + System.currentTimeMillis());
            Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            log.error("The durable store " + file + " could not be read (" + e + "). It was moved to " + aside
                    + " and Pigeon starts with an empty store: persistent sessions, their queued messages and the"
                    + " retained messages in it are lost. Keep the moved file if you want to inspect it.");
            s = openFile();
        }
        MVMap<String, String> meta = s.openMap("meta");
        commits = parseLong(meta.get("commits"));
        if (sideCommits > commits) {
            String recoveredAt = meta.get("committedAt") == null ? "the empty store"
                    : "its commit of " + Instant.ofEpochMilli(parseLong(meta.get("committedAt")));
            log.warn("The durable store " + file + " was cut short (a crash or a full disk while it was written): "
                    + "it was recovered to " + recoveredAt + " (commit " + commits + "). The " + (sideCommits - commits)
                    + " commits after it, up to " + sideTime + ", were lost: messages acknowledged, subscriptions and "
                    + "retained messages changed in that time are gone. Check the disk (dmesg, df) if this happens "
                    + "without a crash.");
        }
        return s;
    }

    private MVStore openFile() {
        MVStore s = new MVStore.Builder().fileName(storeName).autoCommitDisabled()
                .backgroundExceptionHandler((t, e) -> log.error("Durable store " + file + " background error: " + e))
                .open();
        /*
         * Append only: measured with kill -9 after commit+sync, MVStore 2.5 sometimes recovers to an older commit when
         * a chunk went into reused space (its recovery does not find it), losing synced commits. Chunks written at the
         * end of the file are always found. The file is compacted now and then instead (see maintain()).
         */
        s.getFileStore().setReuseSpace(false);
        s.setRetentionTime(0);
        s.setVersionsToKeep(0);
        return s;
    }

    private void checkLayout() throws IOException {
        String layout = maps.meta.get("layout");
        if (layout == null) {
            maps.meta.put("layout", Integer.toString(LAYOUT));
            store.commit();
            store.sync();
        } else if (parseLong(layout) != LAYOUT) {
            store.close();
            throw new IOException("the durable store " + file + " has layout " + layout + " and this version of Pigeon"
                    + " reads layout " + LAYOUT + ". Use the Pigeon version that wrote it, or move the file away to "
                    + "start with an empty store.");
        }
    }

    private static long parseLong(String s) {
        try {
            return s == null ? 0 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Stops the writer after it has written everything queued, and closes the file. */
    public void close() {
        running = false;
        Thread w = writer;
        if (w != null) {
            queue.add(new Op(null, new CompletableFuture<>()));
            try {
                w.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        log.info(String.format(java.util.Locale.ROOT, "Durable store %s closed: %d changes in %d syncs "
                + "(%.1f per sync) since it opened, %d of them left out as written and removed in one batch; %d "
                + "compactions took %d ms; %d batches applied in %d ms, commits took %d ms, syncs %d ms, commit notes %d ms, waits for acknowledgements %d ms", file,
                statChanges, statSyncs,
                statSyncs == 0 ? 0.0 : (double) statChanges / statSyncs, statCancelled, statCompactions,
                statCompactNanos / 1_000_000,
                statBatches, statApplyNanos / 1_000_000, statCommitNanos / 1_000_000, statSyncNanos / 1_000_000,
                statNoteNanos / 1_000_000, statAckWaitNanos / 1_000_000));
        MVStore s = store;
        if (s != null && !s.isClosed()) {
            try {
                s.close();
            } catch (RuntimeException e) {
                log.warn("Durable store " + file + " did not close cleanly (" + e + "); it is recovered on the next "
                        + "start");
            }
        }
    }

    // ---- reading at start ----

    @Override
    public StoredState load() {
        CompletableFuture<StoredState> result = new CompletableFuture<>();
        submitMessage(READ, null, 0, m -> {
            try {
                result.complete(read(m));
            } catch (RuntimeException e) {
                // reported to the broker, which does not start on a store it cannot read; not a write failure
                result.completeExceptionally(e);
            }
        });
        try {
            return result.get(5, TimeUnit.MINUTES);
        } catch (Exception e) {
            throw new IllegalStateException("reading the durable store " + file + " failed: " + e, e);
        }
    }

    private StoredState read(Maps m) {
        Map<String, StoredSession.Record> records = new HashMap<>();
        int dropped = 0;
        for (Map.Entry<String, byte[]> e : m.sessions.entrySet()) {
            try {
                records.put(e.getKey(), RecordCodec.session(e.getKey(), e.getValue()));
            } catch (CorruptRecordException ex) {
                dropped++;
                log.warn("Durable store: dropped unreadable " + ex.getMessage());
            }
        }
        Map<String, List<StoredSubscription>> subs = new HashMap<>();
        for (Map.Entry<String, byte[]> e : m.subscriptions.entrySet()) {
            String[] k = split(e.getKey());
            if (!records.containsKey(k[0])) {
                continue;
            }
            try {
                subs.computeIfAbsent(k[0], x -> new ArrayList<>()).add(RecordCodec.subscription(k[1], e.getValue()));
            } catch (CorruptRecordException ex) {
                dropped++;
                log.warn("Durable store: dropped unreadable " + ex.getMessage() + " of client " + k[0]);
            }
        }
        Map<String, List<StoredMessage>> messages = new HashMap<>();
        List<String> orphans = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : m.messages.entrySet()) {
            String[] k = split(e.getKey());
            StoredSession.Record r = records.get(k[0]);
            long seq = Long.parseUnsignedLong(k[1], 16);
            if (r == null || seq < r.firstSeq()) {
                orphans.add(e.getKey());
                continue;
            }
            try {
                messages.computeIfAbsent(k[0], x -> new ArrayList<>())
                        .add(RecordCodec.message(seq, e.getValue(), m.sent.get(e.getKey())));
            } catch (CorruptRecordException ex) {
                dropped++;
                log.warn("Durable store: dropped unreadable " + ex.getMessage() + " of client " + k[0]);
            }
        }
        for (String key : orphans) {
            m.messages.remove(key);
            m.sent.remove(key);
        }
        Map<String, List<Integer>> pubrel = new HashMap<>();
        for (String key : m.pubrel.keySet()) {
            String[] k = split(key);
            if (records.containsKey(k[0])) {
                pubrel.computeIfAbsent(k[0], x -> new ArrayList<>()).add(Integer.parseInt(k[1]));
            }
        }
        List<StoredSession> sessions = new ArrayList<>();
        for (StoredSession.Record r : records.values()) {
            StoredWill will = null;
            byte[] w = m.wills.get(r.clientId());
            if (w != null) {
                try {
                    will = RecordCodec.will(r.clientId(), w);
                } catch (CorruptRecordException ex) {
                    dropped++;
                    log.warn("Durable store: dropped unreadable " + ex.getMessage());
                }
            }
            sessions.add(new StoredSession(r, subs.getOrDefault(r.clientId(), List.of()),
                    messages.getOrDefault(r.clientId(), List.of()), pubrel.getOrDefault(r.clientId(), List.of()), will));
        }
        List<StoredRetained> retained = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : m.retained.entrySet()) {
            try {
                retained.add(RecordCodec.retained(e.getKey(), e.getValue()));
            } catch (CorruptRecordException ex) {
                dropped++;
                log.warn("Durable store: dropped unreadable " + ex.getMessage());
            }
        }
        if (dropped > 0) {
            log.warn("Durable store " + file + ": " + dropped + " records could not be read and were dropped (see the"
                    + " lines above); everything else was restored.");
        }
        return new StoredState(sessions, retained);
    }

    private static String[] split(String key) {
        int i = key.indexOf(SEP);
        return new String[] {key.substring(0, i), key.substring(i + 1)};
    }

    // ---- writing ----

    @Override
    public CompletableFuture<Void> synced() {
        long target = submitted.get();
        if (processed >= target) {
            return writable ? DONE : CompletableFuture.failedFuture(unwritable());
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        queue.add(new Op(null, f));
        return f;
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    private IOException unwritable() {
        return new IOException("the durable store " + file + " cannot write");
    }

    private void submit(Change c) {
        submitted.incrementAndGet();
        queue.add(new Op(c, null));
    }

    private void submitMessage(byte kind, String clientId, long seq, Change c) {
        submitted.incrementAndGet();
        queue.add(new Op(c, null, kind, clientId, seq));
    }

    private static String key(String clientId, String rest) {
        return clientId + SEP + rest;
    }

    /** Client id, separator, the sequence number in 16 hex digits (so keys sort by sequence). */
    static String seqKey(String clientId, long seq) {
        char[] k = new char[clientId.length() + 17];
        clientId.getChars(0, clientId.length(), k, 0);
        k[clientId.length()] = SEP;
        for (int i = 0; i < 16; i++) {
            k[k.length - 1 - i] = Character.forDigit((int) (seq >>> (4 * i)) & 0xF, 16);
        }
        return new String(k);
    }

    private static String packetKey(String clientId, int packetId) {
        String digits = Integer.toString(packetId);
        return key(clientId, "00000".substring(digits.length()) + digits);
    }

    @Override
    public void putSession(StoredSession.Record session) {
        byte[] v = RecordCodec.session(session);
        submit(m -> m.sessions.put(session.clientId(), v));
    }

    @Override
    public void removeSession(String clientId) {
        submitMessage(READ, null, 0, m -> {
            m.sessions.remove(clientId);
            m.wills.remove(clientId);
            removePrefix(m.subscriptions, clientId);
            removePrefix(m.messages, clientId);
            removePrefix(m.sent, clientId);
            removePrefix(m.pubrel, clientId);
        });
    }

    private static void removePrefix(MVMap<String, byte[]> map, String clientId) {
        String from = clientId + SEP;
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = map.keyIterator(from); it.hasNext();) {
            String k = it.next();
            if (!k.startsWith(from)) {
                break;
            }
            keys.add(k);
        }
        keys.forEach(map::remove);
    }

    @Override
    public void putSubscription(String clientId, StoredSubscription subscription) {
        byte[] v = RecordCodec.subscription(subscription);
        submit(m -> m.subscriptions.put(key(clientId, subscription.topicFilter()), v));
    }

    @Override
    public void removeSubscription(String clientId, String topicFilter) {
        submit(m -> m.subscriptions.remove(key(clientId, topicFilter)));
    }

    @Override
    public void addMessage(String clientId, StoredMessage message) {
        // encoded on the writer thread, and only when the batch keeps it: the event loop only queues
        submitMessage(ADD, clientId, message.seq(),
                m -> m.messages.put(seqKey(clientId, message.seq()), RecordCodec.message(message)));
    }

    @Override
    public void messageSent(String clientId, long seq, int packetId, boolean released) {
        submitMessage(SENT, clientId, seq, m -> {
            String k = seqKey(clientId, seq);
            if (m.messages.containsKey(k)) {
                m.sent.put(k, RecordCodec.sent(packetId, released));
            }
        });
    }

    @Override
    public void removeMessage(String clientId, long seq) {
        submitMessage(REMOVE, clientId, seq, m -> {
            String k = seqKey(clientId, seq);
            m.messages.remove(k);
            m.sent.remove(k);
        });
    }

    @Override
    public void addAwaitingPubrel(String clientId, int packetId) {
        submit(m -> m.pubrel.put(packetKey(clientId, packetId), new byte[0]));
    }

    @Override
    public void removeAwaitingPubrel(String clientId, int packetId) {
        submit(m -> m.pubrel.remove(packetKey(clientId, packetId)));
    }

    @Override
    public void putWill(String clientId, StoredWill will) {
        submit(m -> m.wills.put(clientId, RecordCodec.will(will)));
    }

    @Override
    public void removeWill(String clientId) {
        submit(m -> m.wills.remove(clientId));
    }

    @Override
    public void putRetained(StoredRetained message) {
        submit(m -> m.retained.put(message.message().topic(), RecordCodec.retained(message)));
    }

    @Override
    public void removeRetained(String topic) {
        submit(m -> m.retained.remove(topic));
    }

    // ---- the writer thread ----

    private void writeLoop() {
        List<Op> batch = new ArrayList<>();
        while (running || !queue.isEmpty() || unsynced) {
            long waitNanos = unsynced ? Math.max(1_000_000L, LAZY_SYNC_NANOS - (System.nanoTime() - unsyncedSince))
                    : TimeUnit.SECONDS.toNanos(RETRY_SECONDS);
            Op first;
            try {
                first = queue.poll(waitNanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (!writable) {
                tryToRecover();
            }
            if (first != null) {
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH);
            }
            plan.scan(batch);
            awaitAcknowledgements(batch);
            writeBatch(batch);
            batch.clear();
            plan.reset();
            maintain();
        }
        closeCommitNote();
    }

    /**
     * When a sync barrier waits and the batch would write nothing but messages sent to subscribers in this batch (on the
     * wire, PUBACK or PUBREC due any moment), waits up to about one sync's time for their acknowledgements: each one
     * that arrives removes a write, and when all have, the batch needs no sync at all. Waiting costs at most what the
     * sync would (so at worst the barrier completes twice as late), and it is never done for messages queued for a
     * client that is away, for other changes, or while earlier changes wait for their sync.
     */
    private void awaitAcknowledgements(List<Op> batch) {
        if (!writable || unsynced || !plan.barrier || !plan.onlyAwaitsAcknowledgements()) {
            return;
        }
        long t0 = System.nanoTime();
        long deadline = t0 + ackWaitNanos;
        while (batch.size() < MAX_BATCH && plan.onlyAwaitsAcknowledgements()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            LockSupport.parkNanos(Math.min(left, ACK_POLL_NANOS));
            queue.drainTo(batch, MAX_BATCH - batch.size());
            plan.scan(batch);
        }
        statAckWaitNanos += System.nanoTime() - t0;
    }

    /**
     * Compacts the file when the appended chunks made it large: live pages are rewritten and the file shrinks. Runs
     * between batches on the writer thread, so it delays acknowledgements by at most {@value #COMPACT_MAX_MILLIS} ms.
     */
    private void maintain() {
        if (!writable || store.getFileStore().size() < compactAbove) {
            return;
        }
        long t0 = System.nanoTime();
        try {
            store.getFileStore().setReuseSpace(true);
            store.compactFile(COMPACT_MAX_MILLIS);
            statCompactions++;
            statCompactNanos += System.nanoTime() - t0;
        } catch (RuntimeException e) {
            failed(e);
            return;
        } finally {
            if (!store.isClosed()) {
                store.getFileStore().setReuseSpace(false);
            }
        }
        compactAbove = Math.max(COMPACT_MIN_BYTES, store.getFileStore().size() * 4);
    }

    /**
     * Applies a batch and, when someone waits for it (a {@link #synced()} barrier), when the writer stops, or when
     * changes have waited {@link #LAZY_SYNC_NANOS} already, commits and syncs once. Batches of nothing but
     * acknowledgements and state changes nobody waits for are committed with a later batch: they may be repeated after
     * a crash (a message delivered twice), never lost.
     * <p>
     * When nothing was applied since the last commit (every change of the batch was {@link BatchPlan left out}: its
     * messages were delivered and acknowledged already), the file already holds everything the barriers wait for, and
     * they complete without a commit or a sync.
     */
    private void writeBatch(List<Op> batch) {
        int changes = 0;
        int written = 0;
        boolean barrier = false;
        for (Op op : batch) {
            if (op.change() != null) {
                changes++;
            } else {
                barrier = true;
            }
        }
        boolean ok = writable;
        if (ok) {
            applied += changes;
            try {
                long t0 = System.nanoTime();
                plan.scan(batch);
                for (int i = 0; i < batch.size(); i++) {
                    Op op = batch.get(i);
                    if (op.change() == null) {
                        continue;
                    }
                    if (plan.skips(i)) {
                        statCancelled++;
                    } else {
                        op.change().apply(maps);
                        written++;
                    }
                }
                statApplyNanos += System.nanoTime() - t0;
                statBatches++;
                statChanges += changes;
                if (written > 0 && !unsynced) {
                    unsynced = true;
                    unsyncedSince = System.nanoTime();
                }
                if (unsynced && (barrier || !running || System.nanoTime() - unsyncedSince >= LAZY_SYNC_NANOS)) {
                    commits++;
                    long now = System.currentTimeMillis();
                    maps.meta.put("commits", Long.toString(commits));
                    maps.meta.put("committedAt", Long.toString(now));
                    long t1 = System.nanoTime();
                    store.commit();
                    long t2 = System.nanoTime();
                    store.sync();
                    long t3 = System.nanoTime();
                    statCommitNanos += t2 - t1;
                    statSyncNanos += t3 - t2;
                    // the wait for acknowledgements follows the cost of the sync it may save
                    long took = t3 - t1;
                    ackWaitNanos = Math.min(ACK_WAIT_MAX_NANOS, Math.max(ACK_POLL_NANOS, (ackWaitNanos * 7 + took) / 8));
                    noteCommit(now);
                    statNoteNanos += System.nanoTime() - t3;
                    statSyncs++;
                    unsynced = false;
                }
                if (!unsynced) {
                    processed = applied;
                }
            } catch (RuntimeException e) {
                ok = false;
                failed(e);
                unsynced = false;
                processed = applied;
            }
        } else {
            lostWhileUnwritable += changes;
            applied += changes;
            processed = applied;
        }
        for (Op op : batch) {
            CompletableFuture<Void> b = op.barrier();
            if (b != null) {
                if (ok) {
                    b.complete(null);
                } else {
                    b.completeExceptionally(unwritable());
                }
            }
        }
    }

    /**
     * Records the last commit beside the store, unsynced: only to notice commits lost to a cut-short file. The note is
     * overwritten in place at a fixed width through a channel kept open: truncating and rewriting the file for every
     * commit (Files.writeString) cost 4-5 ms per commit on ext4, which flushes a file truncated to zero and written
     * again when it is closed (auto_da_alloc), more than the sync of the store itself.
     */
    private void noteCommit(long now) {
        byte[] note = String.format(java.util.Locale.ROOT, "%-" + (COMMIT_NOTE_BYTES - 1) + "s\n", commits + " " + now)
                .getBytes(StandardCharsets.US_ASCII);
        try {
            if (commitNote == null) {
                commitNote = FileChannel.open(commitLog, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                commitNote.truncate(COMMIT_NOTE_BYTES);
            }
            ByteBuffer b = ByteBuffer.wrap(note);
            long at = 0;
            while (b.hasRemaining()) {
                at += commitNote.write(b, at);
            }
        } catch (IOException e) {
            // the store itself is synced; this note only improves the report after a damaged file
            closeCommitNote();
        }
    }

    private void closeCommitNote() {
        FileChannel c = commitNote;
        commitNote = null;
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // nothing was lost: the note is rewritten with the next commit
            }
        }
    }

    private void failed(RuntimeException e) {
        writable = false;
        log.error("The durable store " + file + " could not write (" + rootCause(e) + "). Until it can, the broker "
                + "refuses new QoS 1 and 2 messages: MQTT 5 clients get reason code 0x97, MQTT 3.x clients get no "
                + "acknowledgement and send again later. Free space on the disk of " + file.getParent()
                + " (df -h) or fix its permissions; Pigeon retries every " + RETRY_SECONDS + " s.");
        try {
            store.closeImmediately();
        } catch (RuntimeException ignored) {
            // already closed by MVStore's own panic handling
        }
    }

    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? e.toString() : e.getMessage() + ", caused by " + t;
    }

    private void tryToRecover() {
        MVStore s = null;
        try {
            s = openFile();
            Maps m = Maps.of(s);
            commits = parseLong(m.meta.get("commits")) + 1;
            long now = System.currentTimeMillis();
            m.meta.put("commits", Long.toString(commits));
            m.meta.put("committedAt", Long.toString(now));
            s.commit();
            s.sync();
            store = s;
            maps = m;
            noteCommit(now);
            // logged before the broker may see the store writable, so the line comes before any new traffic's
            log.warn("The durable store " + file + " can write again; QoS 1 and 2 messages are accepted again. "
                    + lostWhileUnwritable + " changes made while it could not write (acknowledgements from "
                    + "subscribers, session changes) were not stored: after a restart some messages may be delivered "
                    + "once more.");
            lostWhileUnwritable = 0;
            writable = true;
        } catch (RuntimeException e) {
            if (s != null) {
                try {
                    s.closeImmediately();
                } catch (RuntimeException ignored) {
                    // it did not open far enough to need closing
                }
            }
            log.debug("The durable store " + file + " still cannot write: " + rootCause(e));
        }
    }
}
