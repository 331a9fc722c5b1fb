package io.pigeon.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** CPU and memory figures of this process and of the broker process (from /proc), and jcmd for a JVM broker. */
final class ProcStats {
    private ProcStats() {
    }

    /** CPU time this JVM has used, all threads, in nanoseconds. */
    static long ownCpuNanos() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return -1;
    }

    /** utime + stime of a process, in nanoseconds, or -1 when it is gone. */
    static long cpuNanos(long pid, int clockTicks) {
        if (pid <= 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // comm (field 2) may contain spaces; the fields after its closing parenthesis are fixed.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * 1_000_000_000L / clockTicks;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** A field of /proc/PID/status in kB (VmRSS, VmHWM), or -1. */
    static long statusKb(long pid, String field) {
        if (pid <= 0) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** CPU time all processes on the machine used (the "cpu" line of /proc/stat, less idle and iowait), or -1. */
    static long machineBusyNanos(int clockTicks) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                if (line.startsWith("cpu ")) {
                    String[] f = line.trim().split("\\s+");
                    long busy = 0;
                    for (int i = 1; i < f.length && i <= 8; i++) {
                        if (i != 4 && i != 5) {
                            busy += Long.parseLong(f[i]);
                        }
                    }
                    return busy * 1_000_000_000L / clockTicks;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    static boolean alive(long pid) {
        return pid > 0 && Files.exists(Path.of("/proc/" + pid + "/stat"));
    }

    static String jcmd(long pid, String command) {
        try {
            Process p = new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static final Pattern HEAP_USED = Pattern.compile("total (\\d+)K, used (\\d+)K");

    /** Live heap in bytes of a JVM after a full collection (jcmd GC.run, then GC.heap_info), or -1. */
    static long liveHeapBytes(long pid) {
        jcmd(pid, "GC.run");
        String info = jcmd(pid, "GC.heap_info");
        long used = 0;
        boolean any = false;
        for (String line : info.split("\n")) {
            if (line.contains("Metaspace") || line.contains("class space")) {
                continue;
            }
            Matcher m = HEAP_USED.matcher(line);
            if (m.find()) {
                used += Long.parseLong(m.group(2));
                any = true;
            }
        }
        return any ? used * 1024 : -1;
    }

    private static final Pattern PAUSE = Pattern.compile("Pause.*?(\\d+(?:[.,]\\d+)?)ms\\s*$");

    /** Longest pause (ms) and count over 50 ms in a -Xlog:gc file; {-1, -1} when the file is missing. */
    static double[] gcPauses(String file) {
        Path p = Path.of(file);
        if (!Files.exists(p)) {
            return new double[] {-1, -1, -1};
        }
        double max = 0;
        int over = 0;
        int count = 0;
        try {
            for (String line : Files.readAllLines(p)) {
                Matcher m = PAUSE.matcher(line);
                if (m.find()) {
                    double ms = Double.parseDouble(m.group(1).replace(',', '.'));
                    max = Math.max(max, ms);
                    count++;
                    if (ms > 50) {
                        over++;
                    }
                }
            }
        } catch (IOException e) {
            return new double[] {-1, -1, -1};
        }
        return new double[] {max, over, count};
    }
}
