package io.pigeon.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Idle connections: memory per connection (RSS delta of the broker, and for a JVM broker the live heap after a full
 * collection) and the connection rate. Runs on the main thread; the clients run on the event loops.
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
            // The baseline is the broker with no client yet: after a warm-up with the same connections, an
            // allocator (malloc's free lists, a JVM's committed heap) would hand the measured clients memory it
            // already holds, and the difference would say nothing. The warm-up's own growth (JIT, heap sizing)
            // is part of what N clients cost. A broker may accept connections before it has finished starting
            // (Pigeon's first CONNACK comes while the rest of the gateway's bundles still start and its start-up
            // code is still being compiled, some 20 MB over the next seconds): that tail is no connection's cost,
            // so the baseline waits until the broker's RSS has stopped growing.
            Thread.sleep(1000);
            r.put("baseline_settle_s", settle(pid));
            long heap0 = jvm ? ProcStats.liveHeapBytes(pid) : -1;
            long rss0 = ProcStats.statusKb(pid, "VmRSS");
            // Warm-up: the same connect storm, held briefly and dropped, until the warm-up time is spent.
            long warmEnd = System.nanoTime() + (long) (warmupS * 1e9);
            int cycle = 0;
            Traffic.progress(o, "warm-up " + warmupS + " s");
            do {
                List<Mqtt.Conn> conns = clients(mqtt, runId + "w" + cycle, n);
                int failed = mqtt.connectAll(conns, concurrency, 30_000);
                Thread.sleep(500);
                Mqtt.closeAll(conns);
                Thread.sleep(1000);
                if (failed > 0) {
                    r.fail(failed + " of " + n + " connections failed during the warm-up");
                    return r;
                }
                cycle++;
            } while (System.nanoTime() < warmEnd);
            r.put("warmup_cycles", cycle);
            mqtt.unexpectedCloses.set(0);
            Thread.sleep(1000);
            r.put("broker_rss_after_warmup_kb", ProcStats.statusKb(pid, "VmRSS"));

            Traffic.progress(o, "measure: " + n + " connections");
            List<Mqtt.Conn> conns = clients(mqtt, runId + "m", n);
            long t0 = System.nanoTime();
            int failed = mqtt.connectAll(conns, concurrency, 30_000);
            double secs = (System.nanoTime() - t0) / 1e9;
            r.put("connect_s", secs);
            r.put("conn_per_s", n / secs);
            Thread.sleep(2000);
            long heap1 = jvm ? ProcStats.liveHeapBytes(pid) : -1;
            long rss1 = ProcStats.statusKb(pid, "VmRSS");
            r.put("broker_rss0_kb", rss0);
            r.put("broker_rss1_kb", rss1);
            r.put("rss_per_conn_bytes", (rss1 - rss0) * 1024.0 / n);
            if (jvm) {
                r.put("heap0_bytes", heap0);
                r.put("heap1_bytes", heap1);
                if (heap0 >= 0 && heap1 >= 0) {
                    r.put("heap_per_conn_bytes", (heap1 - heap0) / (double) n);
                }
            }
            long open = conns.stream().filter(c -> c.channel != null && c.channel.isActive()).count();
            r.put("still_open", open);
            if (failed > 0) {
                r.fail(failed + " of " + n + " connections failed");
            } else if (open < n) {
                r.fail((n - open) + " of " + n + " idle connections were closed by the broker");
            }
            if (pid > 0 && !ProcStats.alive(pid)) {
                r.fail("the broker process exited during the run");
            }
            Mqtt.closeAll(conns);
        }
        return r;
    }

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
