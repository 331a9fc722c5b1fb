package io.pigeon.config.internal;

import static io.pigeon.config.internal.GeneratedConfig.BRIDGE_FACTORY_PID;
import static io.pigeon.config.internal.GeneratedConfig.BROKER_PID;
import static io.pigeon.config.internal.GeneratedConfig.GENERATED;
import static io.pigeon.config.internal.GeneratedConfig.LISTENER_FACTORY_PID;
import static io.pigeon.config.internal.GeneratedConfig.LOGGING_PID;
import static io.pigeon.config.internal.GeneratedConfig.SOURCE;
import static io.pigeon.config.internal.GeneratedConfig.SOURCES;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a parsed file into the configurations of the contract in CONVENTIONS.md: PID io.pigeon.broker, one
 * io.pigeon.listener~NAME per listener (one on 1883 when the file has none), one io.pigeon.bridge~NAME per
 * connection, and PID io.pigeon.logging. Pure function, any thread.
 */
final class ConfigMapper {

    /** Keys that only shape the default listener and are not listener properties. */
    private static final List<String> DEFAULT_LISTENER_KEYS = List.of("port", "bind.address");

    private ConfigMapper() {
    }

    static List<GeneratedConfig> map(ParsedConfig parsed) {
        List<GeneratedConfig> configs = new ArrayList<>();

        Map<String, Object> broker = start(parsed.mainSource);
        List<String> brokerSources = new ArrayList<>();
        copy(parsed.broker, broker, brokerSources, List.of());
        // Listener defaults also go to the broker, which reads max_qos and the like there; security settings
        // under per_listener_settings are the listeners' own.
        List<String> skip = new ArrayList<>(DEFAULT_LISTENER_KEYS);
        if (parsed.perListenerSettings) {
            Directives.all().values().stream().filter(d -> d.scope() == Directive.Scope.SECURITY)
                    .forEach(d -> {
                        skip.add(d.key());
                        skip.add(d.key() + GeneratedConfig.DIGEST_SUFFIX);
                    });
        }
        copy(parsed.listenerDefaults, broker, brokerSources, skip);
        finish(broker, brokerSources);
        configs.add(new GeneratedConfig(null, BROKER_PID, broker));

        Map<String, Object> logging = start(parsed.mainSource);
        List<String> loggingSources = new ArrayList<>();
        copy(parsed.logging, logging, loggingSources, List.of());
        finish(logging, loggingSources);
        configs.add(new GeneratedConfig(null, LOGGING_PID, logging));

        List<ParsedConfig.Listener> listeners = new ArrayList<>(parsed.listeners);
        Section.Setting port = parsed.listenerDefaults.get("port");
        Section.Setting bind = parsed.listenerDefaults.get("bind.address");
        if (listeners.isEmpty() || port != null || bind != null) {
            // Mosquitto's default listener: 1883 (or `port`) when the file has no listener, or asks for it.
            int number = port == null ? 1883 : (Integer) port.value;
            String source = port != null ? port.source : bind != null ? bind.source : parsed.mainSource;
            listeners.add(0, new ParsedConfig.Listener(number, bind == null ? null : (String) bind.value, source,
                    new Section()));
        }
        for (ParsedConfig.Listener listener : listeners) {
            Map<String, Object> props = start(listener.source());
            List<String> sources = new ArrayList<>();
            props.put("port", listener.port());
            if (listener.bindAddress() != null) {
                props.put("bind.address", listener.bindAddress());
            }
            copy(listener.settings(), props, sources, List.of());
            if (parsed.perListenerSettings) {
                // tells io.pigeon.auth that this listener's security settings are its own, even when it has none
                props.put("per.listener.settings", Boolean.TRUE);
            }
            for (Section.Setting setting : parsed.listenerDefaults.settings()) {
                if (!DEFAULT_LISTENER_KEYS.contains(setting.key) && !props.containsKey(setting.key)) {
                    props.put(setting.key, Section.propertyValue(setting));
                    sources.add(setting.key + "=" + setting.source);
                }
            }
            finish(props, sources);
            configs.add(new GeneratedConfig(LISTENER_FACTORY_PID, listener.name(), props));
        }

        for (ParsedConfig.Bridge bridge : parsed.bridges) {
            Map<String, Object> props = start(bridge.source());
            List<String> sources = new ArrayList<>();
            props.put("name", bridge.name());
            copy(bridge.settings(), props, sources, List.of());
            finish(props, sources);
            configs.add(new GeneratedConfig(BRIDGE_FACTORY_PID, bridge.name(), props));
        }
        return configs;
    }

    private static Map<String, Object> start(String source) {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put(GENERATED, Boolean.TRUE);
        props.put(SOURCE, source);
        return props;
    }

    private static void copy(Section section, Map<String, Object> props, List<String> sources, List<String> skip) {
        for (Section.Setting setting : section.settings()) {
            if (!skip.contains(setting.key)) {
                props.put(setting.key, Section.propertyValue(setting));
                sources.add(setting.key + "=" + setting.source);
            }
        }
    }

    private static void finish(Map<String, Object> props, List<String> sources) {
        props.put(SOURCES, sources.toArray(new String[0]));
    }
}
