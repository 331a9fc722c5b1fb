package io.pigeon.bridge.internal;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.osgi.service.log.Logger;

/** A Logger that keeps what users would read, as "LEVEL message" lines with the {} placeholders filled in. */
final class LogCapture {

    private static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error", "audit");

    private final List<String> lines = new ArrayList<>();
    final Logger logger = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
            (proxy, method, args) -> {
                String name = method.getName();
                if (name.startsWith("is")) {
                    return true;
                }
                if (name.equals("getName")) {
                    return "test";
                }
                if (LEVELS.contains(name) && args != null && args[0] instanceof String format) {
                    record(name.toUpperCase() + " " + format(format, Arrays.copyOfRange(args, 1, args.length)));
                }
                return null;
            });

    private synchronized void record(String line) {
        lines.add(line);
    }

    synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    synchronized void clear() {
        lines.clear();
    }

    /** The single captured line containing {@code text}; fails when there is none. */
    synchronized String find(String text) {
        return lines.stream().filter(l -> l.contains(text)).findFirst()
                .orElseThrow(() -> new AssertionError("no log line contains '" + text + "' in " + lines));
    }

    synchronized boolean contains(String text) {
        return lines.stream().anyMatch(l -> l.contains(text));
    }

    private static String format(String format, Object[] args) {
        if (args.length == 1 && args[0] instanceof Object[] varargs) {
            args = varargs;
        }
        StringBuilder out = new StringBuilder();
        int next = 0;
        int from = 0;
        for (int at = format.indexOf("{}"); at >= 0; at = format.indexOf("{}", from)) {
            out.append(format, from, at).append(next < args.length ? String.valueOf(args[next++]) : "{}");
            from = at + 2;
        }
        return out.append(format.substring(from)).toString();
    }
}
