package io.pigeon.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** One run's results as ordered key/value pairs, written as "key TAB value" lines for the driver to collect. */
final class Results {
    final Map<String, String> values = new LinkedHashMap<>();

    void put(String key, Object value) {
        String s;
        if (value instanceof Double d) {
            s = String.format(java.util.Locale.ROOT, "%.3f", d);
        } else {
            s = String.valueOf(value);
        }
        s = s.replace('\t', ' ').replace('\n', ' ');
        if (key.equals("note") && values.containsKey("note")) {
            s = values.get("note") + "; " + s;
        }
        values.put(key, s);
    }

    void fail(String reason) {
        String prev = values.get("status");
        if (prev != null && prev.startsWith("FAILED")) {
            put("status", prev + "; " + reason);
        } else {
            put("status", "FAILED: " + reason);
        }
    }

    boolean failed() {
        return values.getOrDefault("status", "ok").startsWith("FAILED");
    }

    void write(String file) {
        values.putIfAbsent("status", "ok");
        StringBuilder sb = new StringBuilder();
        values.forEach((k, v) -> sb.append(k).append('\t').append(v).append('\n'));
        System.out.print(sb);
        if (file != null) {
            try {
                Files.writeString(Path.of(file), sb.toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
