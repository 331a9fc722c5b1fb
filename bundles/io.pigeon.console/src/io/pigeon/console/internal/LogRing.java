package io.pigeon.console.internal;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/**
 * The latest log lines for the gateway page: a bounded ring filled from the OSGi Log Service. On activation it takes
 * the Log Service's history (the framework keeps {@code equinox.log.history.max} entries from the gateway start, see
 * pigeon.product), then every new entry. Each line gets a sequence number so the page can ask for what it has not
 * seen yet.
 * <p>
 * Threads: entries arrive on the Log Service's delivery thread, requests come from Jetty threads; the ring is guarded
 * by its own monitor.
 */
@Component(service = LogRing.class, immediate = true)
public final class LogRing implements LogListener {

    /** Lines kept; the oldest go first. */
    static final int CAPACITY = 2000;

    /** Longest stack trace text kept per line. */
    static final int MAX_TRACE_CHARS = 8000;

    /** One log line as the page shows it. */
    record Line(long seq, long time, String level, String bundle, String logger, String message, String exception) {
    }

    /** The lines after a sequence number, and the number to ask from next time. */
    record Page(List<Line> lines, long next, boolean truncated) {
    }

    private final LogReaderService reader;
    private final ArrayDeque<Line> ring = new ArrayDeque<>(CAPACITY);
    private long nextSeq = 1;

    @Activate
    public LogRing(@Reference LogReaderService reader) {
        this.reader = reader;
        // listener first, history second: an entry logged in between may then be in both, and is kept once
        // (add() drops entries older than the newest kept one)
        reader.addLogListener(this);
        List<LogEntry> history = new ArrayList<>();
        for (Enumeration<LogEntry> e = reader.getLog(); e.hasMoreElements();) {
            history.add(e.nextElement());
        }
        Collections.reverse(history); // getLog() returns the newest first
        synchronized (this) {
            List<Line> live = new ArrayList<>(ring);
            ring.clear();
            for (LogEntry entry : history) {
                append(entry);
            }
            long newest = ring.isEmpty() ? Long.MIN_VALUE : ring.peekLast().time();
            for (Line l : live) {
                if (l.time() > newest) {
                    append(l);
                }
            }
        }
    }

    @Deactivate
    void deactivate() {
        reader.removeLogListener(this);
    }

    @Override
    public void logged(LogEntry entry) {
        synchronized (this) {
            append(entry);
        }
    }

    private void append(LogEntry entry) {
        String bundle = entry.getBundle() == null ? "" : entry.getBundle().getSymbolicName();
        append(new Line(0, entry.getTime(), entry.getLogLevel().name(), bundle == null ? "" : bundle,
                entry.getLoggerName(), entry.getMessage(), trace(entry.getException())));
    }

    private void append(Line line) {
        if (ring.size() == CAPACITY) {
            ring.pollFirst();
        }
        ring.addLast(new Line(nextSeq++, line.time(), line.level(), line.bundle(), line.logger(), line.message(),
                line.exception()));
    }

    private static String trace(Throwable t) {
        if (t == null) {
            return null;
        }
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        String s = w.toString();
        return s.length() > MAX_TRACE_CHARS ? s.substring(0, MAX_TRACE_CHARS) + "\n..." : s;
    }

    /**
     * Lines with a sequence number above {@code after}, at {@code min} or more severe, the newest {@code limit} of
     * them. {@code truncated} says that lines the caller had not seen were dropped from the ring (or left out by the
     * limit).
     */
    synchronized Page after(long after, LogLevel min, int limit) {
        List<Line> out = new ArrayList<>();
        long first = ring.isEmpty() ? nextSeq : ring.peekFirst().seq();
        for (Line l : ring) {
            if (l.seq() > after && min.implies(LogLevel.valueOf(l.level()))) {
                out.add(l);
            }
        }
        boolean truncated = after + 1 < first && after > 0;
        if (out.size() > limit) {
            out = new ArrayList<>(out.subList(out.size() - limit, out.size()));
            truncated = true;
        }
        return new Page(out, nextSeq - 1, truncated);
    }
}
