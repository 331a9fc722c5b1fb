package io.pigeon.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;

/**
 * Publish/subscribe load: N publishers, M subscribers, QoS 0/1/2 with the full acknowledgement flows.
 *
 * <p>Every payload carries (publisher id, sequence number, send nanoTime), so each (publisher, subscriber) pair counts
 * loss, duplicates and reordering exactly. Publishers are closed-loop: at most {@code ackWindow} unacknowledged
 * PUBLISHes (QoS 1/2) and at most {@code e2eWindow} messages sent but not yet seen by their slowest subscriber, so
 * the load never queues without bound in the broker (where Mosquitto would drop past max_queued_messages). With
 * {@code --rate} each publisher sends at that fixed rate instead, still inside the windows.
 *
 * <p>Threads: the main thread sets up and samples; each client runs on its channel's event loop.
 */
final class Traffic {
    static final int HEADER = 20;

    final Mqtt mqtt;
    final MqttQoS qos;
    final int payloadSize;
    final double ratePerPub;
    final int ackWindow;
    final int e2eWindow;
    final int refill;
    final List<Publisher> pubs = new ArrayList<>();
    final List<Subscriber> subs = new ArrayList<>();
    volatile long start;
    volatile long coldEnd;
    volatile long measureStart;
    volatile long measureEnd;
    volatile boolean stopped;

    Traffic(Mqtt mqtt, MqttQoS qos, int payloadSize, double ratePerPub, int ackWindow, int e2eWindow) {
        this.mqtt = mqtt;
        this.qos = qos;
        this.payloadSize = Math.max(HEADER, payloadSize);
        this.ratePerPub = ratePerPub;
        this.ackWindow = ackWindow;
        this.e2eWindow = e2eWindow;
        this.refill = Math.max(1, Integer.getInteger("bench.refill", Math.max(1, ackWindow / 4)));
    }

    /** What one subscriber saw of one publisher; written only on the subscriber's event loop. */
    static final class Pair {
        final BitSet seen = new BitSet();
        /** Highest sequence number seen, read by the publisher for its end-to-end window. */
        volatile long highest = -1;
        long unique;
        long duplicates;
        long outOfOrder;
    }

    final class Publisher extends Mqtt.Conn {
        final int id;
        final String topic;
        final List<Pair> targets = new ArrayList<>();
        final AtomicBoolean blocked = new AtomicBoolean();
        final boolean[] idInUse = new boolean[65536];
        int nextId = 1;
        long seq;
        int ackInflight;
        long acked;
        volatile Channel ch;

        final byte[] topicBytes;

        Publisher(int id, String runId, String topic) {
            super(Traffic.this.mqtt, runId + "-p" + id, true);
            this.id = id;
            this.topic = topic;
            this.topicBytes = topic.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }

        @Override
        boolean fastPath(ChannelHandlerContext ctx, int header, ByteBuf in, int body, int len) {
            int type = header >> 4;
            if (len < 2 || type < 4 || type > 7 || type == 6) {
                return false;
            }
            int packetId = in.getUnsignedShort(body);
            if (type == 5) {
                ack(ctx, 6, packetId);
            } else {
                release(packetId);
            }
            return true;
        }

        @Override
        void onConnected(ChannelHandlerContext ctx) {
            ch = ctx.channel();
        }

        void begin() {
            long periodNs = ratePerPub > 0 ? Math.max((long) (1e9 / ratePerPub), 100_000L) : 10_000_000L;
            long offset = ThreadLocalRandom.current().nextLong(periodNs);
            // The periodic tick sends at a fixed rate, or in closed loop recovers a window stalled by lost messages.
            ch.eventLoop().scheduleAtFixedRate(this::pump, Math.max(0, start - System.nanoTime()) + offset, periodNs,
                    TimeUnit.NANOSECONDS);
        }

        long minHighest() {
            long min = Long.MAX_VALUE;
            for (Pair p : targets) {
                min = Math.min(min, p.highest);
            }
            return min;
        }

        void pump() {
            if (ch == null || !ch.isActive()) {
                return;
            }
            long now = System.nanoTime();
            if (stopped || now >= measureEnd || now < start) {
                return;
            }
            long limit = Long.MAX_VALUE;
            if (ratePerPub > 0) {
                limit = (long) ((now - start) * ratePerPub / 1e9) + 1;
            }
            long e2eLimit = minHighest() + 1 + e2eWindow;
            if (qos != MqttQoS.AT_MOST_ONCE && ratePerPub <= 0 && ackInflight > ackWindow - refill) {
                // Refill the window in batches: fewer, fuller writes cost the generator (and the broker) fewer
                // system calls per message.
                return;
            }
            int written = 0;
            while (seq < limit && written < 512) {
                if (seq >= e2eLimit) {
                    blocked.set(true);
                    e2eLimit = minHighest() + 1 + e2eWindow;
                    if (seq >= e2eLimit) {
                        break;
                    }
                    blocked.set(false);
                }
                if (qos != MqttQoS.AT_MOST_ONCE && ackInflight >= ackWindow) {
                    break;
                }
                if (!ch.isWritable()) {
                    break;
                }
                send();
                written++;
            }
            if (written > 0) {
                ch.flush();
            }
            if (written == 512) {
                ch.eventLoop().execute(this::pump);
            }
        }

        private void send() {
            int packetId = 0;
            if (qos != MqttQoS.AT_MOST_ONCE) {
                while (idInUse[nextId]) {
                    nextId = nextId == 65535 ? 1 : nextId + 1;
                }
                packetId = nextId;
                idInUse[packetId] = true;
                nextId = nextId == 65535 ? 1 : nextId + 1;
                ackInflight++;
            }
            // Encoded by hand into one buffer: the generator's hottest path (MqttDecoder reads the same bytes).
            int remaining = 2 + topicBytes.length + (packetId != 0 ? 2 : 0) + payloadSize;
            ByteBuf b = ch.alloc().directBuffer(5 + remaining);
            b.writeByte(0x30 | qos.value() << 1);
            for (int r = remaining; ; ) {
                int digit = r & 0x7f;
                r >>>= 7;
                if (r == 0) {
                    b.writeByte(digit);
                    break;
                }
                b.writeByte(digit | 0x80);
            }
            b.writeShort(topicBytes.length).writeBytes(topicBytes);
            if (packetId != 0) {
                b.writeShort(packetId);
            }
            b.writeInt(id).writeLong(seq++).writeLong(System.nanoTime()).writeZero(payloadSize - HEADER);
            ch.write(b);
        }

        private void release(int packetId) {
            if (idInUse[packetId]) {
                idInUse[packetId] = false;
                ackInflight--;
                acked++;
            }
        }

        @Override
        void onMessage(ChannelHandlerContext ctx, MqttMessage m) {
            switch (m.fixedHeader().messageType()) {
                case PUBACK -> release(Mqtt.packetId(m));
                case PUBREC -> ctx.write(Mqtt.ack(MqttMessageType.PUBREL, Mqtt.packetId(m)));
                case PUBCOMP -> release(Mqtt.packetId(m));
                default -> {
                }
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            flushAcks(ctx);
            pump();
            ctx.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                pump();
            }
        }

        void wake() {
            if (blocked.compareAndSet(true, false)) {
                Channel c = ch;
                if (c != null) {
                    c.eventLoop().execute(this::pump);
                }
            }
        }
    }

    final class Subscriber extends Mqtt.Conn {
        final String filter;
        final Pair[] pairs;
        final Histogram latency = new Histogram(60_000_000L, 3);
        final Histogram coldLatency = new Histogram(60_000_000L, 3);
        final CompletableFuture<Void> subscribed = new CompletableFuture<>();
        long measured;
        long cold;
        long unknown;
        long total;
        long wrongQos;

        Subscriber(int id, String runId, String filter, int publishers, boolean cleanSession) {
            super(Traffic.this.mqtt, runId + "-s" + id, cleanSession);
            this.filter = filter;
            this.pairs = new Pair[publishers];
        }

        @Override
        void onConnected(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(MqttMessageBuilders.subscribe().messageId(1).addSubscription(qos, filter).build());
        }

        @Override
        void onMessage(ChannelHandlerContext ctx, MqttMessage m) {
            switch (m.fixedHeader().messageType()) {
                case SUBACK -> subscribed.complete(null);
                case PUBLISH -> onPublish(ctx, (MqttPublishMessage) m);
                case PUBREL -> ctx.write(Mqtt.ack(MqttMessageType.PUBCOMP, Mqtt.packetId(m)));
                default -> {
                }
            }
        }

        @Override
        boolean fastPath(ChannelHandlerContext ctx, int header, ByteBuf in, int body, int len) {
            int type = header >> 4;
            if (type == 6 && len >= 2) {
                ack(ctx, 7, in.getUnsignedShort(body));
                return true;
            }
            if (type != 3 || len < 2) {
                return false;
            }
            int q = (header >> 1) & 3;
            if (q != qos.value()) {
                wrongQos++;
            }
            int at = body + 2 + in.getUnsignedShort(body);
            int packetId = 0;
            if (q > 0) {
                packetId = in.getUnsignedShort(at);
                at += 2;
            }
            count(in, at, body + len - at);
            if (q == 1) {
                ack(ctx, 4, packetId);
            } else if (q == 2) {
                ack(ctx, 5, packetId);
            }
            return true;
        }

        private void onPublish(ChannelHandlerContext ctx, MqttPublishMessage m) {
            if (m.fixedHeader().qosLevel() != qos) {
                wrongQos++;
            }
            count(m.payload(), m.payload().readerIndex(), m.payload().readableBytes());
            int packetId = m.variableHeader().packetId();
            switch (m.fixedHeader().qosLevel()) {
                case AT_LEAST_ONCE -> ctx.write(Mqtt.ack(MqttMessageType.PUBACK, packetId));
                case EXACTLY_ONCE -> ctx.write(Mqtt.ack(MqttMessageType.PUBREC, packetId));
                default -> {
                }
            }
        }

        private void count(ByteBuf p, int ri, int size) {
            long now = System.nanoTime();
            total++;
            if (size >= HEADER) {
                int pubId = p.getInt(ri);
                long s = p.getLong(ri + 4);
                long sent = p.getLong(ri + 12);
                Pair pair = pubId >= 0 && pubId < pairs.length ? pairs[pubId] : null;
                if (pair != null && s >= 0 && s < Integer.MAX_VALUE) {
                    int si = (int) s;
                    if (pair.seen.get(si)) {
                        pair.duplicates++;
                    } else {
                        pair.seen.set(si);
                        pair.unique++;
                        if (s < pair.highest) {
                            pair.outOfOrder++;
                        } else {
                            pair.highest = s;
                            Publisher pub = pubs.get(pubId);
                            if (pub.blocked.get()) {
                                pub.wake();
                            }
                        }
                    }
                    long us = Math.max(1, (now - sent) / 1000);
                    if (now >= measureStart && now < measureEnd) {
                        measured++;
                        latency.recordValue(Math.min(us, 60_000_000L));
                    }
                    if (now < coldEnd) {
                        cold++;
                        coldLatency.recordValue(Math.min(us, 60_000_000L));
                    }
                } else {
                    unknown++;
                }
            } else {
                unknown++;
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            flushAcks(ctx);
            ctx.flush();
        }
    }

    /** Runs {@code task} on the client's event loop and waits for it, so the main thread reads loop-owned state. */
    static <T> T onLoop(Mqtt.Conn c, Callable<T> task) {
        try {
            Channel ch = c.channel;
            if (ch == null) {
                return task.call();
            }
            return ch.eventLoop().submit(task).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The whole run; the returned results include status FAILED with the reason when counts are not exact. */
    static Results run(Opts o) throws Exception {
        Results r = new Results();
        int threads = o.integer("threads", Runtime.getRuntime().availableProcessors());
        int nPubs = o.integer("pubs", 1);
        int nSubs = o.integer("subs", 1);
        boolean pairsMode = o.flag("pairs");
        MqttQoS qos = MqttQoS.valueOf(o.integer("qos", 0));
        double rate = o.dbl("rate", 0);
        int budget = o.integer("inflight", 800);
        int e2e = o.integer("e2e-window", Math.max(8, pairsMode ? 100 : budget / Math.max(nPubs, nSubs)));
        int ackWin = o.integer("ack-window", Math.min(e2e, 20));
        long warmupNs = (long) (o.dbl("warmup", 10) * 1e9);
        long measureNs = (long) (o.dbl("measure", 10) * 1e9);
        long coldNs = (long) (Math.min(o.dbl("cold", 5), o.dbl("warmup", 10)) * 1e9);
        long brokerPid = o.lng("broker-pid", -1);
        int clk = o.integer("clk-tck", 100);
        int coresGiven = o.integer("cores", Runtime.getRuntime().availableProcessors());
        boolean persistentSubs = o.flag("persistent-subs");
        String runId = o.str("run-id", "b" + Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36));
        int connectConcurrency = o.integer("connect-concurrency", 200);

        r.put("qos", qos.value());
        r.put("publishers", pairsMode ? nPubs : nPubs);
        r.put("subscribers", pairsMode ? nPubs : nSubs);
        r.put("payload_bytes", Math.max(HEADER, o.integer("payload", 64)));
        r.put("rate_per_publisher", rate);
        r.put("ack_window", ackWin);
        r.put("e2e_window", e2e);
        r.put("generator_threads", threads);

        try (Mqtt mqtt = new Mqtt(o.str("host", "127.0.0.1"), o.integer("port", 1883), threads)) {
            Traffic t = new Traffic(mqtt, qos, o.integer("payload", 64), rate, ackWin, e2e);
            String base = "bench/" + runId;
            for (int i = 0; i < nPubs; i++) {
                t.pubs.add(t.new Publisher(i, runId, pairsMode ? base + "/p" + i : base + "/data"));
            }
            if (pairsMode) {
                for (int i = 0; i < nPubs; i++) {
                    Subscriber s = t.new Subscriber(i, runId, base + "/p" + i, nPubs, !persistentSubs);
                    Pair pair = new Pair();
                    s.pairs[i] = pair;
                    t.pubs.get(i).targets.add(pair);
                    t.subs.add(s);
                }
            } else {
                for (int i = 0; i < nSubs; i++) {
                    Subscriber s = t.new Subscriber(i, runId, base + "/data", nPubs, !persistentSubs);
                    for (int p = 0; p < nPubs; p++) {
                        Pair pair = new Pair();
                        s.pairs[p] = pair;
                        t.pubs.get(p).targets.add(pair);
                    }
                    t.subs.add(s);
                }
            }
            long setup0 = System.nanoTime();
            int failedSubs = mqtt.connectAll(t.subs, connectConcurrency, 20_000);
            for (Subscriber s : t.subs) {
                if (s.connected.isDone() && !s.connected.isCompletedExceptionally()) {
                    Mqtt.await(s.subscribed, 20_000, () -> "no SUBACK for " + s.clientId);
                }
            }
            int failedPubs = mqtt.connectAll(t.pubs, connectConcurrency, 20_000);
            r.put("setup_s", (System.nanoTime() - setup0) / 1e9);
            if (failedSubs + failedPubs > 0) {
                r.fail((failedSubs + failedPubs) + " of " + (t.subs.size() + t.pubs.size())
                        + " clients could not connect");
                Mqtt.closeAll(t.pubs);
                Mqtt.closeAll(t.subs);
                return r;
            }
            long now = System.nanoTime();
            t.start = now + 20_000_000L;
            t.coldEnd = t.start + coldNs;
            t.measureStart = t.start + warmupNs;
            t.measureEnd = t.measureStart + measureNs;
            for (Publisher p : t.pubs) {
                p.ch.eventLoop().execute(p::begin);
            }
            progress(o, "warm-up " + o.dbl("warmup", 10) + " s");
            sleepUntil(t.measureStart);
            long gen0 = ProcStats.ownCpuNanos();
            long brk0 = ProcStats.cpuNanos(brokerPid, clk);
            long wall0 = System.nanoTime();
            long busy0 = ProcStats.machineBusyNanos(clk);
            long sent0 = sumSent(t);
            progress(o, "measure " + o.dbl("measure", 10) + " s");
            sleepUntil(t.measureEnd);
            long wall1 = System.nanoTime();
            long gen1 = ProcStats.ownCpuNanos();
            long brk1 = ProcStats.cpuNanos(brokerPid, clk);
            long sent1 = sumSent(t);
            long busy1 = ProcStats.machineBusyNanos(clk);
            r.put("broker_rss_kb", ProcStats.statusKb(brokerPid, "VmRSS"));
            r.put("broker_hwm_kb", ProcStats.statusKb(brokerPid, "VmHWM"));

            // Drain: every QoS 1/2 message must be acknowledged and delivered; QoS 0 stragglers get a moment.
            long drainDeadline = System.nanoTime() + (qos == MqttQoS.AT_MOST_ONCE ? 2_000_000_000L : 15_000_000_000L);
            long lastProgress = -1;
            long lastChange = System.nanoTime();
            while (System.nanoTime() < drainDeadline) {
                long[] st = state(t);
                boolean acksDone = st[1] == 0;
                if (acksDone && st[2] == st[0]) {
                    break;
                }
                if (st[2] != lastProgress) {
                    lastProgress = st[2];
                    lastChange = System.nanoTime();
                } else if (qos == MqttQoS.AT_MOST_ONCE && System.nanoTime() - lastChange > 500_000_000L) {
                    break;
                }
                Thread.sleep(20);
            }
            t.stopped = true;

            double wallS = (wall1 - wall0) / 1e9;
            long measured = 0;
            long cold = 0;
            long unknown = 0;
            Histogram lat = new Histogram(60_000_000L, 3);
            Histogram coldLat = new Histogram(60_000_000L, 3);
            long lost = 0;
            long dups = 0;
            long ooo = 0;
            long unacked = 0;
            long sent = 0;
            long wrongQos = 0;
            for (Publisher p : t.pubs) {
                long[] ps = onLoop(p, () -> new long[] {p.seq, p.ackInflight});
                sent += ps[0];
                unacked += ps[1];
            }
            for (Subscriber s : t.subs) {
                long[] ss = onLoop(s, () -> {
                    long l = 0;
                    long d = 0;
                    long oo = 0;
                    for (int i = 0; i < s.pairs.length; i++) {
                        Pair pair = s.pairs[i];
                        if (pair != null) {
                            l += t.pubs.get(i).seq - pair.unique;
                            if (System.getenv("BENCH_DEBUG") != null && t.pubs.get(i).seq != pair.unique) {
                                int firstMissing = pair.seen.nextClearBit(0);
                                System.err.println("bench: debug pair " + i + "->" + s.clientId + " sent "
                                        + t.pubs.get(i).seq + " unique " + pair.unique + " first missing " + firstMissing
                                        + " next seen after " + pair.seen.nextSetBit(firstMissing) + " highest "
                                        + pair.highest + " missing count before highest "
                                        + (pair.highest + 1 - pair.seen.cardinality()));
                            }
                            d += pair.duplicates;
                            oo += pair.outOfOrder;
                        }
                    }
                    lat.add(s.latency);
                    coldLat.add(s.coldLatency);
                    return new long[] {s.measured, s.cold, s.unknown, l, d, oo, s.wrongQos};
                });
                measured += ss[0];
                cold += ss[1];
                unknown += ss[2];
                lost += ss[3];
                dups += ss[4];
                ooo += ss[5];
                wrongQos += ss[6];
            }
            r.put("msgs_per_s", measured / wallS);
            r.put("publish_per_s", (sent1 - sent0) / wallS);
            if (rate > 0) {
                double target = rate * t.pubs.size();
                r.put("target_publish_per_s", target);
                if ((sent1 - sent0) / wallS < 0.95 * target) {
                    r.put("note", "publishers reached only " + Math.round((sent1 - sent0) / wallS) + " of "
                            + Math.round(target) + " msg/s");
                }
            }
            r.put("p50_us", lat.getValueAtPercentile(50));
            r.put("p99_us", lat.getValueAtPercentile(99));
            r.put("p999_us", lat.getValueAtPercentile(99.9));
            r.put("max_us", lat.getMaxValue());
            double coldS = coldNs / 1e9;
            r.put("cold_msgs_per_s", coldS > 0 ? cold / coldS : 0.0);
            r.put("cold_p99_us", coldLat.getValueAtPercentile(99));
            r.put("sent", sent);
            r.put("lost", lost);
            r.put("duplicates", dups);
            r.put("out_of_order", ooo);
            r.put("unacked", unacked);
            r.put("unknown", unknown);
            r.put("wrong_qos", wrongQos);
            if (wrongQos > 0) {
                r.fail(wrongQos + " message(s) delivered at another QoS than " + qos.value());
            }
            r.put("unexpected_disconnects", mqtt.unexpectedCloses.get());
            double genCpu = gen0 >= 0 ? (gen1 - gen0) / 1e9 / wallS * 100 : -1;
            double brkCpu = brk0 >= 0 && brk1 >= 0 ? (brk1 - brk0) / 1e9 / wallS * 100 : -1;
            r.put("gen_cpu_pct", genCpu);
            r.put("gen_cores", coresGiven);
            r.put("broker_cpu_pct", brkCpu);
            if (brkCpu >= 0 && measured > 0) {
                r.put("broker_cpu_us_per_msg", (brk1 - brk0) / 1e3 / measured);
            }
            if (busy0 >= 0 && busy1 >= 0 && genCpu >= 0 && brkCpu >= 0) {
                double other = (busy1 - busy0) / 1e9 / wallS * 100 - genCpu - brkCpu;
                r.put("other_cpu_pct", Math.max(0, other));
                if (other > 25) {
                    r.put("note", "other processes used " + Math.round(other) + "% CPU during the measured window;"
                            + " figures are noisy");
                }
            }
            boolean saturated = genCpu >= 90.0 * coresGiven;
            r.put("generator_saturated", saturated ? 1 : 0);
            if (saturated) {
                System.err.println("bench: generator-saturated: it used " + Math.round(genCpu) + "% of "
                        + coresGiven + " core(s); the broker's figure is a lower bound");
            }
            String gcLog = o.str("gc-log", null);
            if (gcLog != null) {
                double[] gc = ProcStats.gcPauses(gcLog);
                r.put("max_gc_pause_ms", gc[0]);
                r.put("gc_pauses_over_50ms", (long) gc[1]);
                r.put("gc_pauses", (long) gc[2]);
            }
            if (brokerPid > 0 && !ProcStats.alive(brokerPid)) {
                r.fail("the broker process exited during the run");
            }
            if (mqtt.unexpectedCloses.get() > 0) {
                r.fail("the broker closed " + mqtt.unexpectedCloses.get() + " client connection(s)");
            }
            if (qos != MqttQoS.AT_MOST_ONCE) {
                if (lost > 0) {
                    // the drain waited: these never came, whether the broker lost them or never sent them
                    r.fail(lost + " message(s) lost at QoS " + qos.value() + " (not delivered "
                            + (drainDeadline - wall1) / 1_000_000_000L + " s after the load stopped)");
                }
                if (dups > 0) {
                    r.fail(dups + " duplicate(s) at QoS " + qos.value());
                }
                if (unacked > 0) {
                    r.fail(unacked + " PUBLISH(es) never acknowledged");
                }
            }
            if (measured == 0) {
                r.fail("no message was delivered in the measured window");
            }
            Mqtt.closeAll(t.pubs);
            Mqtt.closeAll(t.subs);
        }
        return r;
    }

    /** {sent, unacknowledged, delivered-unique} over all pairs, read on the event loops. */
    private static long[] state(Traffic t) {
        long sentTotal = 0;
        long inflight = 0;
        for (Publisher p : t.pubs) {
            long[] ps = onLoop(p, () -> new long[] {p.seq * p.targets.size(), p.ackInflight});
            sentTotal += ps[0];
            inflight += ps[1];
        }
        long unique = 0;
        for (Subscriber s : t.subs) {
            unique += onLoop(s, () -> {
                long u = 0;
                for (Pair pair : s.pairs) {
                    if (pair != null) {
                        u += pair.unique;
                    }
                }
                return u;
            });
        }
        return new long[] {sentTotal, inflight, unique};
    }

    private static long sumSent(Traffic t) {
        long n = 0;
        for (Publisher p : t.pubs) {
            n += onLoop(p, () -> p.seq);
        }
        return n;
    }

    static void sleepUntil(long nanoTime) throws InterruptedException {
        long ms;
        while ((ms = (nanoTime - System.nanoTime()) / 1_000_000L) > 0) {
            Thread.sleep(Math.min(ms, 200));
        }
        while (System.nanoTime() < nanoTime) {
            Thread.onSpinWait();
        }
    }

    static void progress(Opts o, String what) {
        String label = o.str("label", null);
        if (label != null) {
            System.err.println("bench:   " + label + ": " + what);
        }
    }
}
