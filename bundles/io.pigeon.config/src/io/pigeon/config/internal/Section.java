package io.pigeon.config.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings of one scope (the broker, a listener, a bridge, logging) in file order, each with the place it was
 * written. Runs on the thread that parses.
 */
final class Section {

    /** One setting: the property value (Integer, Long, Boolean, String, String[] or a List for repeatable ones). */
    static final class Setting {
        final String key;
        Object value;
        final String source;

        Setting(String key, Object value, String source) {
            this.key = key;
            this.value = value;
            this.source = source;
        }
    }

    private final Map<String, Setting> settings = new LinkedHashMap<>();

    /** Sets a single-valued key; returns the source of an earlier setting of the same key, or null. */
    String set(String key, Object value, String source) {
        Setting earlier = settings.get(key);
        if (earlier != null) {
            return earlier.source;
        }
        settings.put(key, new Setting(key, value, source));
        return null;
    }

    /** Adds to a repeatable key (a String[] property); repeated values are kept once. */
    void add(String key, String value, String source) {
        Setting setting = settings.computeIfAbsent(key, k -> new Setting(k, new ArrayList<String>(), source));
        @SuppressWarnings("unchecked")
        List<String> values = (List<String>) setting.value;
        if (!values.contains(value)) {
            values.add(value);
        }
    }

    Setting get(String key) {
        return settings.get(key);
    }

    boolean has(String key) {
        return settings.containsKey(key);
    }

    Iterable<Setting> settings() {
        return settings.values();
    }

    /** The configuration property value: repeatable settings become String[]. */
    static Object propertyValue(Setting setting) {
        if (setting.value instanceof List<?> list) {
            return list.stream().map(String::valueOf).toArray(String[]::new);
        }
        return setting.value;
    }
}
