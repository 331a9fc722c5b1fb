package io.pigeon.bench;

import java.io.File;
import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Start-up time: launches the broker command itself, so the clock starts at the fork, and polls with CONNECT every
 * few milliseconds until the first accepted CONNACK. Also the readiness probe and the free-port helper for the driver.
 */
final class Startup {
    private Startup() {
    }

    /** Milliseconds until a CONNACK, or -1 on timeout. Probes are made from this thread. */
    static double waitForConnack(Mqtt mqtt, long t0, long timeoutNs, Process proc) throws InterruptedException {
        int attempt = 0;
        while (System.nanoTime() - t0 < timeoutNs) {
            if (proc != null && !proc.isAlive()) {
                return -2;
            }
            Mqtt.IdleConn c = new Mqtt.IdleConn(mqtt, "probe-" + attempt++);
            c.closing = true;
            CompletableFuture<Mqtt.Conn> f = mqtt.connect(c, 5000);
            try {
                f.get(6, TimeUnit.SECONDS);
                double ms = (System.nanoTime() - t0) / 1e6;
                Mqtt.closeAll(java.util.List.of(c));
                return ms;
            } catch (Exception e) {
                if (System.getenv("BENCH_DEBUG") != null) {
                    System.err.printf("bench: probe %d at %.1f ms: %s%n", attempt, (System.nanoTime() - t0) / 1e6, e);
                }
                if (c.channel != null) {
                    c.channel.close();
                }
                Thread.sleep(2);
            }
        }
        return -1;
    }

    static Results startup(Opts o) throws Exception {
        Results r = new Results();
        if (o.rest.isEmpty()) {
            throw new IllegalArgumentException("startup needs the broker command after --");
        }
        try (Mqtt mqtt = new Mqtt(o.str("host", "127.0.0.1"), o.integer("port", 1883), 1)) {
            warmProbe(o.str("host", "127.0.0.1"));
            waitForConnack(mqtt, System.nanoTime(), 20_000_000L, null);
            ProcessBuilder pb = new ProcessBuilder(o.rest).redirectErrorStream(true);
            String log = o.str("log", null);
            if (log != null) {
                pb.redirectOutput(new File(log));
            }
            long t0 = System.nanoTime();
            Process proc = pb.start();
            // A generator stopped by the driver's timeout must not leave the broker it launched running.
            Thread reaper = new Thread(() -> {
                proc.descendants().forEach(ProcessHandle::destroyForcibly);
                proc.destroyForcibly();
            });
            Runtime.getRuntime().addShutdownHook(reaper);
            if (System.getenv("BENCH_DEBUG") != null) {
                System.err.printf("bench: started after %.1f ms%n", (System.nanoTime() - t0) / 1e6);
            }
            double ms = waitForConnack(mqtt, t0, (long) (o.dbl("timeout", 60) * 1e9), proc);
            r.put("broker_pid", proc.pid());
            if (ms == -2) {
                r.fail("the broker exited with code " + proc.waitFor() + " before accepting a connection");
            } else if (ms < 0) {
                r.fail("no CONNACK within " + o.dbl("timeout", 60) + " s");
            } else {
                r.put("startup_ms", ms);
                r.put("broker_rss_kb", ProcStats.statusKb(proc.pid(), "VmRSS"));
            }
            proc.descendants().forEach(ProcessHandle::destroy);
            proc.destroy();
            if (!proc.waitFor(15, TimeUnit.SECONDS)) {
                proc.destroyForcibly();
                proc.waitFor(5, TimeUnit.SECONDS);
                r.put("note", "did not stop within 15 s of SIGTERM");
            }
            Runtime.getRuntime().removeShutdownHook(reaper);
        }
        return r;
    }

    /**
     * Runs the whole probe path (connect, CONNECT, CONNACK, DISCONNECT) against a stand-in server on another port
     * until it is compiled, so the start-up figure holds the broker's time and not the generator's class loading.
     */
    static void warmProbe(String host) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try (java.net.Socket s = server.accept()) {
                        s.getInputStream().read(new byte[256]);
                        s.getOutputStream().write(new byte[] {0x20, 0x02, 0x00, 0x00});
                        s.getOutputStream().flush();
                        s.getInputStream().read(new byte[256]);
                    } catch (Exception e) {
                        // the stand-in serves until it is closed
                    }
                }
            }, "warm-probe");
            t.setDaemon(true);
            t.start();
            try (Mqtt warm = new Mqtt(host, server.getLocalPort(), 1)) {
                for (int i = 0; i < 200; i++) {
                    waitForConnack(warm, System.nanoTime(), 1_000_000_000L, null);
                }
            }
        }
    }

    static Results ready(Opts o) throws Exception {
        Results r = new Results();
        long pid = o.lng("broker-pid", -1);
        try (Mqtt mqtt = new Mqtt(o.str("host", "127.0.0.1"), o.integer("port", 1883), 1)) {
            long t0 = System.nanoTime();
            long timeout = (long) (o.dbl("timeout", 60) * 1e9);
            while (System.nanoTime() - t0 < timeout) {
                if (pid > 0 && !ProcStats.alive(pid)) {
                    r.fail("the broker exited before accepting a connection");
                    return r;
                }
                double ms = waitForConnack(mqtt, System.nanoTime(), 1_000_000_000L, null);
                if (ms >= 0) {
                    r.put("ready_after_ms", (System.nanoTime() - t0) / 1e6);
                    return r;
                }
            }
            r.fail("no CONNACK within " + o.dbl("timeout", 60) + " s");
        }
        return r;
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
