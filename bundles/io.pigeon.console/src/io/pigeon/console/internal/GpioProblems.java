package io.pigeon.console.internal;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/**
 * What io.pigeon.gpio last said about each pin and sensor configuration, from the Log Service: the GPIO bundle checks
 * a configuration when its component activates and reports a refusal as one error line naming the PID ("Refused GPIO
 * pin configuration FILE (PID io.pigeon.gpio.pin~door): pin = '40': use a BCM GPIO number from 0 to 27...") and a
 * pin that works as an info line with the same PID. The GPIO page shows the last error until an info line clears it.
 * The bundle exports no status API, and its log is what a user reads anyway, so this shows exactly that text.
 * Listeners ({@link #addListener}) hear of every change, on the Log Service's thread, so the page is told at once.
 */
@Component(service = GpioProblems.class)
public final class GpioProblems implements LogListener {

    static final String GPIO_BUNDLE = "io.pigeon.gpio";
    private static final Pattern PID = Pattern.compile("PID (io\\.pigeon\\.gpio\\.(?:pin|sensor)~?[^\\s)]*)");
    /** At most this many PIDs remembered, so a flood of odd log lines cannot grow the map without end. */
    static final int MAX = 1000;

    private final LogReaderService reader;
    private final Map<String, String> problems = new ConcurrentHashMap<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    @Activate
    public GpioProblems(@Reference LogReaderService reader) {
        this.reader = reader;
        reader.addLogListener(this);
    }

    @Deactivate
    void deactivate() {
        reader.removeLogListener(this);
    }

    @Override
    public void logged(LogEntry entry) {
        if (entry.getBundle() == null || !GPIO_BUNDLE.equals(entry.getBundle().getSymbolicName())
                || entry.getMessage() == null) {
            return;
        }
        Matcher m = PID.matcher(entry.getMessage());
        if (!m.find()) {
            return;
        }
        String pid = m.group(1);
        boolean changed = false;
        if (LogLevel.WARN.implies(entry.getLogLevel())) { // WARN, ERROR or AUDIT
            if (problems.size() < MAX || problems.containsKey(pid)) {
                changed = !entry.getMessage().equals(problems.put(pid, entry.getMessage()));
            }
        } else if (entry.getLogLevel() == LogLevel.INFO) {
            changed = problems.remove(pid) != null;
        }
        if (changed) {
            listeners.forEach(Runnable::run);
        }
    }

    /** {@code listener} runs after every change of a problem; it must not block. */
    void addListener(Runnable listener) {
        listeners.add(listener);
    }

    void removeListener(Runnable listener) {
        listeners.remove(listener);
    }

    /** The last refusal of this configuration, or null when it was accepted since (or never refused). */
    String problem(String pid) {
        return problems.get(pid);
    }
}
