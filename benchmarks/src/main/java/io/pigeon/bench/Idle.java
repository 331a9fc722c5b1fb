package io.pigeon.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Idle connections: memory per connection (the broker's RSS grown by the second half of N connections, and for a JVM
 * broker its live heap after a full collection likewise) and the connection rate. Runs on the main thread; the
 * clients run on the event loops.
 */
final class Idle {
    private Idle() {
    }

    static Results run(Opts o) throws Exception {
        Results r = new Results();
        int n = o.integer("conns", 1000);
        long pid = o.lng("broker-pid", -1);
        boolean jvm = o.flag("jcmd");
        double warmupS = o.dbl("warmup", 10);
        int concurrency = o.integer("connect-concurrency", 200);
        int threads = o.integer("threads", Runtime.getRuntime().availableProcessors());
        String runId = o.str("run-id", "i" + Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36));
        r.put("connections", n);
        try (Mqtt mqtt = new Mqtt(o.str("host", "127.0.0.1"), o.integer("port", 1883), threads)) {
            // What one more idle connection costs, not what the broker grows by in its first seconds. A JVM broker
            // keeps compiling and sizing its heap for a while after it accepts clients, and any allocator keeps
            // memory it was handed once: measured from a fresh broker, that growth (it varied by 5 KiB per
            // connection between rounds) swamps the connections. So: settle, warm up with a connect storm of N/2
            // (connect them, drop them, repeat), hold N/2 connections as the base, which takes up what the warm-up
            // left free, and measure the other N/2 on top: they need memory the broker never had. At the end N
            // connections are open. The growth from the settled broker to N connections is reported too
            // (rss_growth_per_conn_bytes), as is every RSS figure behind both.
            Thread.sleep(1000);
            r.put("baseline_settle_s", settle(pid));
            long rssStart = ProcStats.statusKb(pid, "VmRSS");
            int half = n / 2;
            int baseCount = n - half;
            long warmEnd = System.nanoTime() + (long) (warmupS * 1e9);
            int cycle = 0;
            Traffic.progress(o, "warm-up " + warmupS + " s");
            do {
                List<Mqtt.Conn> conns = clients(mqtt, runId + "w" + cycle, baseCount);
                int failed = mqtt.connectAll(conns, concurrency, 30_000);
                Thread.sleep(500);
                Mqtt.closeAll(conns);
                Thread.sleep(1000);
                if (failed > 0) {
                    r.fail(failed + " of " + baseCount + " connections failed during the warm-up");
                    return r;
                }
                cycle++;
            } while (System.nanoTime() < warmEnd);
            r.put("warmup_cycles", cycle);
            mqtt.unexpectedCloses.set(0);
            r.put("broker_rss_after_warmup_kb", ProcStats.statusKb(pid, "VmRSS"));

            List<Mqtt.Conn> base = clients(mqtt, runId + "b", baseCount);
            int failed = mqtt.connectAll(base, concurrency, 30_000);
            Thread.sleep(SETTLE_AFTER_CONNECT_MS);
            // RSS before the full collection that measures the heap: the collection's own scratch memory stays
            // resident until the next native heap trim
            long rss0 = ProcStats.statusKb(pid, "VmRSS");
            long heap0 = jvm ? ProcStats.liveHeapBytes(pid) : -1;

            Traffic.progress(o, "measure: " + half + " connections on top of " + baseCount);
            List<Mqtt.Conn> conns = clients(mqtt, runId + "m", half);
            long t0 = System.nanoTime();
            failed += mqtt.connectAll(conns, concurrency, 30_000);
            double secs = (System.nanoTime() - t0) / 1e9;
            r.put("connect_s", secs);
            r.put("conn_per_s", half / secs);
            Thread.sleep(SETTLE_AFTER_CONNECT_MS);
            long rss1 = ProcStats.statusKb(pid, "VmRSS");
            long heap1 = jvm ? ProcStats.liveHeapBytes(pid) : -1;
            r.put("measured_connections", half);
            r.put("broker_rss_start_kb", rssStart);
            r.put("broker_rss0_kb", rss0);
            r.put("broker_rss1_kb", rss1);
            r.put("rss_per_conn_bytes", (rss1 - rss0) * 1024.0 / half);
            r.put("rss_growth_per_conn_bytes", (rss1 - rssStart) * 1024.0 / n);
            if (jvm) {
                r.put("heap0_bytes", heap0);
                r.put("heap1_bytes", heap1);
                if (heap0 >= 0 && heap1 >= 0) {
                    r.put("heap_per_conn_bytes", (heap1 - heap0) / (double) half);
                }
            }
            List<Mqtt.Conn> all = new ArrayList<>(base);
            all.addAll(conns);
            long open = all.stream().filter(c -> c.channel != null && c.channel.isActive()).count();
            r.put("still_open", open);
            if (failed > 0) {
                r.fail(failed + " of " + n + " connections failed");
            } else if (open < n) {
                r.fail((n - open) + " of " + n + " idle connections were closed by the broker");
            }
            if (pid > 0 && !ProcStats.alive(pid)) {
                r.fail("the broker process exited during the run");
            }
            Mqtt.closeAll(all);
        }
        return r;
    }

    /**
     * Wait after a connect storm before reading memory: longer than the 5 s in which Pigeon's launcher has the JVM
     * hand freed native memory back (TrimNativeHeapInterval), so that both readings come after such a trim.
     */
    private static final long SETTLE_AFTER_CONNECT_MS = 6_000;

    /** RSS may grow by this much over {@link #SETTLE_WINDOW} samples and still count as settled. */
    private static final long SETTLE_KB = 512;
    /** Samples 500 ms apart: 3 s. */
    private static final int SETTLE_WINDOW = 6;
    private static final long SETTLE_MAX_MS = 30_000;

    /**
     * Waits (at most 30 s) until the process's RSS has grown by no more than 512 KiB over the last 3 s.
     *
     * @return the seconds waited, negative when the RSS was still growing after 30 s
     */
    private static double settle(long pid) throws InterruptedException {
        if (pid <= 0) {
            return 0;
        }
        long t0 = System.nanoTime();
        long[] samples = new long[SETTLE_WINDOW + 1];
        for (int i = 0;; i++) {
            long rss = ProcStats.statusKb(pid, "VmRSS");
            samples[i % samples.length] = rss;
            double waited = (System.nanoTime() - t0) / 1e9;
            if (rss < 0) {
                return waited;
            }
            if (i >= SETTLE_WINDOW && rss - samples[(i + 1) % samples.length] <= SETTLE_KB) {
                return waited;
            }
            if (waited * 1000 >= SETTLE_MAX_MS) {
                return -waited;
            }
            Thread.sleep(500);
        }
    }

    private static List<Mqtt.Conn> clients(Mqtt mqtt, String prefix, int n) {
        List<Mqtt.Conn> conns = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            conns.add(new Mqtt.IdleConn(mqtt, prefix + "-" + i));
        }
        return conns;
    }
}
